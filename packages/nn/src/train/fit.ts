import { getBackend, softmaxCrossEntropy, tidy, type Tensor } from '@matgrad/core';
import type { Batch } from '../data/dataset.js';
import type { Loss } from '../losses.js';
import type { Module } from '../module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LrSchedule } from '../optim/schedules.js';
import { checkedBatches, checkEvaluateArguments, checkFitArguments } from './arguments.js';
import { inInferenceMode } from './inference.js';
import { countCorrect, RunningScore } from './metrics.js';
import { evaluateOnDevice, scoreOnDevice, type Scored } from './on-device.js';

/** What {@link evaluate} reports. */
export interface Evaluation {
  /** Mean loss per sample. */
  loss: number;
  /** Share of samples classified right; null when the targets are not classes. */
  accuracy: number | null;
  /** The number of samples seen. */
  count: number;
}

/** What `fit` records of each epoch. */
export interface EpochRecord {
  /** Counted from 1. */
  epoch: number;
  /** Mean training loss per sample over the epoch (the model changing as it went). */
  loss: number;
  /** Share of training samples classified right over the epoch; null when the targets are not classes. */
  accuracy: number | null;
  /** Wall time of the epoch's training, in milliseconds. */
  time: number;
  /** The optimizer's learning rate during the epoch. */
  lr: number;
  /** On the validation data, after the epoch, when `validation` was given. */
  validation?: Evaluation;
}

/** What `fit` tells `onBatch` after each step. */
export interface BatchReport {
  /** Counted from 1. */
  epoch: number;
  /** Counted from 0 within the epoch. */
  batch: number;
  /** The batch's mean loss per sample. */
  loss: number;
  /** Samples in the batch. */
  size: number;
}

/** Options of {@link fit} (and {@link fitAsync}). */
export interface FitOptions {
  /** The last epoch to train (epochs are counted from 1). */
  epochs: number;
  /** Epochs already trained, e.g. restored from a checkpoint: training runs epochs
   *  `initialEpoch + 1` … `epochs`, and the schedule and the records count from there. Default 0. */
  initialEpoch?: number;
  /** Updates the parameters after each batch's backward pass. */
  optimizer: Optimizer;
  /** Default: softmaxCrossEntropy (the output is taken as logits). */
  loss?: Loss;
  /** Batches evaluated after each epoch (in eval mode, without a graph); the result is the
   *  record's `validation`. */
  validation?: Iterable<Batch>;
  /** Sets the optimizer's learning rate before each epoch. */
  lrSchedule?: LrSchedule;
  /** Called before each epoch, after its learning rate is set. */
  onEpochStart?: (epoch: number) => void;
  /** Called after each step. */
  onBatch?: (report: BatchReport) => void;
  /** Called with each epoch's record, validation included. */
  onEpoch?: (record: EpochRecord) => void;
}

const defaultLoss: Loss = (output: Tensor, target: Tensor) => softmaxCrossEntropy(output, target);

/**
 * The training loop: for each epoch and batch, forward, loss, backward, optimizer step.
 * Returns one record per epoch. It runs to the end without giving the event loop a turn; a
 * page or a server that must stay responsive uses {@link fitAsync}.
 *
 * @example
 * const history = fit(model, new DataLoader(train, { batchSize: 32, shuffle: true, seed: 1 }), {
 *   epochs: 10,
 *   optimizer: new Adam(model, { lr: 0.01 }),
 *   onEpoch: (r) => console.log(r.epoch, r.loss),
 * });
 */
export function fit(model: Module, loader: Iterable<Batch>, options: FitOptions): EpochRecord[] {
  const steps = trainingSteps('fit', model, loader, options, false);
  let step = steps.next();
  while (step.done !== true) step = steps.next();
  return step.value;
}

/** Options of {@link fitAsync}: those of `fit`, and how often to yield. */
export interface FitAsyncOptions extends FitOptions {
  /** Give the event loop a turn after every this many batches. Default 1. */
  yieldEvery?: number;
}

/**
 * `fit` that yields to the event loop between batches (every `yieldEvery` batches), so a
 * page that trains on its main thread keeps painting and answering input, and a server keeps
 * serving. Same options, callbacks and records as `fit`; resolves to the history. On a backend
 * that reads only through promises (a GPU) it trains as {@link fitOnDevice} does.
 *
 * @example
 * const history = await fitAsync(model, loader, { epochs: 5, optimizer, onBatch: ({ loss }) => draw(loss) });
 */
export async function fitAsync(model: Module, loader: Iterable<Batch>, options: FitAsyncOptions): Promise<EpochRecord[]> {
  return drive('fitAsync', model, loader, options, !readsSynchronously(model));
}

/**
 * `fit` for every backend, the GPU's included: the same loop, options, callbacks and records,
 * but values come back through promises. Each batch's loss and correct count are computed on
 * the device and read while the next batch runs (so the device never waits for the host):
 * `onBatch` hears of batch b once batch b + 1 has been recorded. On the CPU backends it gives
 * the same records as `fit`. (`fitAsync` chooses this way by itself where the model's backend
 * reads only through promises.)
 */
export async function fitOnDevice(model: Module, loader: Iterable<Batch>, options: FitAsyncOptions): Promise<EpochRecord[]> {
  return drive('fitOnDevice', model, loader, options, true);
}

/** Runs the training steps, awaiting the reads they hand out and yielding every `yieldEvery` batches. */
async function drive(where: string, model: Module, loader: Iterable<Batch>, options: FitAsyncOptions, deviceReads: boolean): Promise<EpochRecord[]> {
  const yieldEvery = options?.yieldEvery ?? 1;
  if (!Number.isInteger(yieldEvery) || yieldEvery < 1) throw new RangeError(`${where}: yieldEvery must be a positive integer, got ${String(yieldEvery)}`);
  const { yieldEvery: _yieldEvery, ...fitOptions } = options ?? ({} as FitAsyncOptions);
  const steps = trainingSteps('fit', model, loader, fitOptions, deviceReads);
  let answer: unknown;
  for (let batches = 1; ; ) {
    const step = steps.next(answer);
    answer = undefined;
    if (step.done === true) return step.value;
    if (step.value !== undefined) answer = await step.value;
    else if (batches++ % yieldEvery === 0) await nextTurn();
  }
}

/** Whether the model's parameters live on a backend that reads synchronously (a model without
 *  parameters computes on the current backend). */
function readsSynchronously(model: Module): boolean {
  const first = (model as { parameters?: () => Tensor[] }).parameters?.()[0];
  return getBackend(first?.backend).readsSynchronously;
}

/** Resolves on a later turn of the event loop: setImmediate in Node, a message in browsers
 *  (setTimeout is clamped to 4 ms there once nested), setTimeout elsewhere. */
function nextTurn(): Promise<void> {
  const global = globalThis as { setImmediate?: (fn: () => void) => unknown; MessageChannel?: typeof MessageChannel };
  return new Promise((resolve) => {
    if (typeof global.setImmediate === 'function') {
      global.setImmediate(resolve);
    } else if (typeof global.MessageChannel === 'function') {
      const channel = new global.MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    } else {
      setTimeout(resolve, 0);
    }
  });
}

/** A batch's loss and correct count, read at once. */
interface Counted {
  loss: number;
  size: number;
  correct: number | null;
}

/** What the training loop hands its driver: a read to await (whose value the driver sends back
 *  with the next `next()`), or undefined, a pause between batches. */
type Handoff = Promise<unknown> | undefined;

/** fit's loop as a generator that pauses after every batch; returns the history. With
 *  `deviceReads`, each batch's loss and correct count are read through a promise, one batch
 *  behind, so the device computes the next batch while the host waits for the read. */
function* trainingSteps(where: string, model: Module, loader: Iterable<Batch>, options: FitOptions, deviceReads: boolean): Generator<Handoff, EpochRecord[], unknown> {
  const { epochs, optimizer, loss = defaultLoss, validation, lrSchedule, onEpochStart, onBatch, onEpoch, initialEpoch = 0 } = checkFitArguments(model, loader, options);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch > epochs) {
    throw new RangeError(`${where}: initialEpoch must be an integer in 0..epochs (${epochs}), got ${String(initialEpoch)}`);
  }
  const history: EpochRecord[] = [];
  for (let epoch = initialEpoch + 1; epoch <= epochs; epoch++) {
    if (lrSchedule !== undefined) optimizer.lr = lrSchedule(epoch);
    onEpochStart?.(epoch);
    model.train();
    const score = new RunningScore();
    const started = performance.now();
    const batches = checkedBatches('fit', loader)[Symbol.iterator]();
    // With device reads, batch b's values are awaited once batch b + 1 has been recorded.
    let pending: Scored | null = null;
    for (let batch = 0; ; batch++) {
      // Each step's batch, activations and temporaries go back to the backend's pool at its end.
      const step: Scored | Counted | null = tidy(() => {
        const next = batches.next();
        if (next.done === true) return null;
        const { x, y } = next.value;
        optimizer.zeroGrad();
        const output = model.forward(x);
        const value = loss(output, y);
        value.backward();
        optimizer.step();
        const size = x.shape[0]!;
        return deviceReads ? scoreOnDevice(value, output, y, size) : { loss: value.item(), size, correct: countCorrect(output, y) };
      });
      if (pending !== null) {
        const values = (yield pending.values) as ArrayLike<number>;
        // Recorded before the callback: `onBatch?.(...)` would skip its arguments without one.
        const batchLoss = pending.record(score, values);
        onBatch?.({ epoch, batch: batch - 1, loss: batchLoss, size: pending.size });
        pending = null;
      }
      if (step === null) break;
      if ('record' in step) {
        pending = step;
      } else {
        score.add(step.loss, step.size, step.correct);
        onBatch?.({ epoch, batch, loss: step.loss, size: step.size });
      }
      yield undefined;
    }
    if (score.count === 0) throw new RangeError(`${where}: the loader gave no batches`);
    const record: EpochRecord = { epoch, loss: score.loss, accuracy: score.accuracy, time: performance.now() - started, lr: optimizer.lr };
    if (validation !== undefined) record.validation = deviceReads ? ((yield evaluateOnDevice(model, validation, { loss })) as Evaluation) : evaluate(model, validation, { loss });
    history.push(record);
    onEpoch?.(record);
  }
  return history;
}

/** Loss and accuracy over a loader, in eval mode and without recording a graph; the
 *  model's mode is restored afterwards.
 *
 *  @example
 *  ```ts
 *  const { loss, accuracy } = evaluate(model, new DataLoader(test, { batchSize: 256 }));
 *  ```
 */
export function evaluate(model: Module, loader: Iterable<Batch>, options: { loss?: Loss } = {}): Evaluation {
  const loss = checkEvaluateArguments(model, loader, options).loss ?? defaultLoss;
  return inInferenceMode(model, () => {
    const score = new RunningScore();
    for (const { x, y } of checkedBatches('evaluate', loader)) {
      tidy(() => {
        const output = model.forward(x);
        score.add(loss(output, y).item(), x.shape[0]!, countCorrect(output, y));
      });
    }
    // As fit does: a mean over no samples would be a NaN loss, not an answer.
    if (score.count === 0) throw new RangeError('evaluate: the loader gave no batches (or only empty ones); expected at least one sample');
    return { loss: score.loss, accuracy: score.accuracy, count: score.count };
  });
}
