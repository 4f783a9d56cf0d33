import { softmaxCrossEntropy, tidy, type Tensor } from '@matgrad/core';
import type { Batch, Module, Optimizer, OptimizerName } from '@matgrad/nn';

/** The optimizers the page's menu offers (web/index.html; a test keeps the two the same), a subset of nn's. */
export const PAGE_OPTIMIZERS = ['sgd', 'momentum', 'adagrad', 'rmsprop', 'adam'] as const satisfies readonly OptimizerName[];
/** An optimizer the page offers. */
export type PageOptimizerName = (typeof PAGE_OPTIMIZERS)[number];

/**
 * Mini-batch training one step at a time, so the caller can stop between any two steps (the
 * page trains in slices and answers pause and predict requests in between); nn's `fit`
 * runs whole epochs in one call.
 */
export class SteppedTraining {
  #batches: Iterator<Batch>;
  /** Steps taken. */
  steps = 0;
  /** Passes over the loader finished. */
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
    return this.#advance().item();
  }

  /** `step` on a backend that reads only through promises (WebGPU): the step's buffers go
   *  back to the pool at once, its loss is read after the GPU has run it. */
  async stepAsync(): Promise<number> {
    const { loss } = tidy(() => ({ loss: this.#advance().data() }));
    return (await loss)[0]!;
  }

  #advance(): Tensor {
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
    return loss;
  }
}
