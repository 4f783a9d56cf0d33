import { Tensor } from '@matgrad/core';
import type { Batch } from '../data/dataset.js';
import type { Loss } from '../losses.js';
import { Module } from '../module.js';
import { argumentError, checkFunction, checkIterable, checkOptions, describeValue } from '../validate.js';
import type { FitOptions } from './fit.js';

/** The checks fit, evaluate and predict make on their arguments, before any work is done. */

const FIT_OPTIONS: Record<keyof FitOptions, true> = {
  epochs: true,
  initialEpoch: true,
  optimizer: true,
  loss: true,
  validation: true,
  lrSchedule: true,
  onEpochStart: true,
  onBatch: true,
  onEpoch: true,
};

const LOADER = 'an iterable of { x, y } batches (e.g. a DataLoader)';

export function checkModel(where: string, model: unknown): asserts model is Module {
  if (!(model instanceof Module)) throw argumentError(where, 'model', 'a Module (e.g. an MLP)', model);
}

export function checkFitArguments(model: unknown, loader: unknown, options: FitOptions | undefined): FitOptions {
  checkModel('fit', model);
  checkIterable('fit', 'loader', loader, LOADER);
  const checked = checkOptions('fit', options, FIT_OPTIONS, { required: true, example: '{ epochs: 10, optimizer: new SGD(model, { lr: 0.1 }) }' });
  const { epochs, optimizer, loss, validation, lrSchedule, onEpochStart, onBatch, onEpoch } = checked;
  if (!Number.isInteger(epochs) || epochs < 0) throw argumentError('fit', 'epochs', 'a non-negative integer', epochs, 'range');
  checkOptimizer(model, optimizer);
  if (loss !== undefined) checkFunction('fit', 'loss', loss, 'a function (output, target) => scalar Tensor');
  if (validation !== undefined) checkIterable('fit', 'validation', validation, LOADER);
  if (lrSchedule !== undefined) checkFunction('fit', 'lrSchedule', lrSchedule, 'a function (epoch) => learning rate');
  for (const [name, callback] of [['onEpochStart', onEpochStart], ['onBatch', onBatch], ['onEpoch', onEpoch]] as const) {
    if (callback !== undefined) checkFunction('fit', name, callback);
  }
  return loss === undefined ? checked : { ...checked, loss: scalarLoss('fit', loss) };
}

function checkOptimizer(model: Module, optimizer: unknown): void {
  const o = optimizer as { step?: unknown; zeroGrad?: unknown; lr?: unknown; params?: unknown } | null | undefined;
  if (o === null || typeof o !== 'object' || typeof o.step !== 'function' || typeof o.zeroGrad !== 'function' || typeof o.lr !== 'number') {
    throw argumentError('fit', 'options.optimizer', 'an optimizer (e.g. new SGD(model, { lr: 0.1 }))', optimizer);
  }
  // An optimizer made for another model would step other tensors while this one never learns.
  const own = model.parameters();
  if (Array.isArray(o.params) && own.length > 0 && !own.some((p) => (o.params as unknown[]).includes(p))) {
    throw new Error(`fit: the optimizer holds none of the model's ${own.length} parameters; build it over this model (e.g. new SGD(model, { lr: 0.1 }))`);
  }
}

export function checkEvaluateArguments(model: unknown, loader: unknown, options: { loss?: Loss } | undefined): { loss?: Loss } {
  checkModel('evaluate', model);
  checkIterable('evaluate', 'loader', loader, LOADER);
  const { loss } = checkOptions('evaluate', options, { loss: true }, { example: '{ loss: mse }' });
  if (loss === undefined) return {};
  checkFunction('evaluate', 'loss', loss, 'a function (output, target) => scalar Tensor');
  return { loss: scalarLoss('evaluate', loss) };
}

/** The loader's batches, each checked to be { x, y } tensors with as many targets as inputs
 *  (or, without `targets`, to hold an x tensor). */
export function* checkedBatches(where: string, loader: Iterable<unknown>, { targets = true } = {}): Generator<Batch> {
  let index = 0;
  for (const batch of loader) {
    const b = batch as Partial<Batch> | null;
    if (b === null || typeof b !== 'object' || !(b.x instanceof Tensor) || (targets && !(b.y instanceof Tensor))) {
      throw argumentError(where, `batch ${index} of the loader`, targets ? '{ x, y } with two Tensors' : '{ x } with a Tensor x', batch);
    }
    if (targets && !sameRowCount(b.x, b.y!)) {
      throw new RangeError(
        `${where}: batch ${index} of the loader has x of shape [${b.x.shape.join(',')}] and y of shape [${b.y!.shape.join(',')}]; expected the same number of rows (first axis)`,
      );
    }
    index++;
    yield b as Batch;
  }
}

function sameRowCount(x: Tensor, y: Tensor): boolean {
  return x.shape.length > 0 && y.shape.length > 0 && x.shape[0] === y.shape[0];
}

/** The loss function, refusing a result that is not a scalar Tensor (backward and item need one). */
function scalarLoss(where: string, loss: Loss): Loss {
  return (output, target) => {
    const value: unknown = loss(output, target);
    if (!(value instanceof Tensor) || value.size !== 1) {
      throw new TypeError(`${where}: the loss function must return a scalar Tensor, got ${describeValue(value)}`);
    }
    return value;
  };
}
