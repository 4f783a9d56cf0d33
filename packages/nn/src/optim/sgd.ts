import type { Tensor } from '@matgrad/core';
import type { Module } from '../module.js';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

/** Plain gradient descent: w ← w − η·g.
 *
 *  @example
 *  ```ts
 *  const optimizer = new SGD(model, { lr: 0.1 });
 *  optimizer.zeroGrad();
 *  loss.backward();
 *  optimizer.step();
 *  ```
 */
export class SGD extends Optimizer<Record<never, number>> {
  /** Optimizes `params`: a module's parameters, or any leaf tensors. */
  constructor(params: Module | Iterable<Tensor>, options: OptimizerOptions) {
    super('SGD', 'sgd', params, options, {}, []);
  }
}

/** Options of `Momentum` and `Nesterov`. */
export interface MomentumOptions extends OptimizerOptions {
  /** μ, how much of the velocity is kept each step, in [0, 1). Default 0.9. */
  momentum?: number;
}

/** Heavy-ball momentum, in the seeds' book's form: v ← μ·v − η·g; w ← w + v. */
export class Momentum extends Optimizer<{
  /** μ, the velocity's decay. */
  momentum: number;
}> {
  /** Optimizes `params`: a module's parameters, or any leaf tensors. */
  constructor(params: Module | Iterable<Tensor>, options: MomentumOptions) {
    super('Momentum', 'momentum', params, options, { momentum: options.momentum ?? 0.9 }, ['v']);
  }
}

/** Nesterov's accelerated gradient in the seeds' book's form (Sutskever et al.'s):
 *  v ← μ·v − η·g; w ← w + μ·v − η·g — the step looks ahead along the new velocity. With a
 *  constant learning rate this is torch.optim.SGD(nesterov=True); under a schedule it is not,
 *  since here the velocity carries the past learning rates and PyTorch's carries raw gradients. */
export class Nesterov extends Optimizer<{
  /** μ, the velocity's decay. */
  momentum: number;
}> {
  /** Optimizes `params`: a module's parameters, or any leaf tensors. */
  constructor(params: Module | Iterable<Tensor>, options: MomentumOptions) {
    super('Nesterov', 'nesterov', params, options, { momentum: options.momentum ?? 0.9 }, ['v']);
  }
}
