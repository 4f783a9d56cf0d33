import { softmaxCrossEntropy, type Tensor } from '@matgrad/core';
import { AdaGrad, Adam, Momentum, RMSprop, SGD, type Batch, type Module, type Optimizer } from '@matgrad/nn';

export const OPTIMIZERS = ['sgd', 'momentum', 'adagrad', 'rmsprop', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** The page's optimizer choice, as @matgrad/nn's optimizer over the model's parameters. */
export function makeOptimizer(name: OptimizerName, model: Module, lr: number): Optimizer {
  switch (name) {
    case 'sgd':
      return new SGD(model, { lr });
    case 'momentum':
      return new Momentum(model, { lr });
    case 'adagrad':
      return new AdaGrad(model, { lr });
    case 'rmsprop':
      return new RMSprop(model, { lr });
    case 'adam':
      return new Adam(model, { lr });
    default:
      throw new TypeError(`makeOptimizer: unknown optimizer ${JSON.stringify(name)}; expected one of ${OPTIMIZERS.join(', ')}`);
  }
}

/**
 * Mini-batch training one step at a time, so the caller can stop between any two steps (the
 * page trains in slices and answers pause and predict requests in between); nn's `fit`
 * runs whole epochs in one call.
 */
export class SteppedTraining {
  #batches: Iterator<Batch>;
  steps = 0;
  epochs = 0;

  constructor(
    readonly model: Module,
    private readonly loader: Iterable<Batch>,
    readonly optimizer: Optimizer,
  ) {
    this.#batches = loader[Symbol.iterator]();
  }

  /** One forward, backward and update on the next mini-batch; returns its loss. */
  step(): number {
    let next = this.#batches.next();
    if (next.done === true) {
      this.epochs++;
      this.#batches = this.loader[Symbol.iterator]();
      next = this.#batches.next();
      if (next.done === true) throw new RangeError('SteppedTraining: the loader gave no batches');
    }
    const { x, y } = next.value;
    this.model.train();
    this.optimizer.zeroGrad();
    const loss: Tensor = softmaxCrossEntropy(this.model.forward(x), y);
    loss.backward();
    this.optimizer.step();
    this.steps++;
    return loss.item();
  }
}
