import type { Tensor } from '@matgrad/core';
import type { Module } from '../module.js';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

/** Plain gradient descent: w ← w − η·g. */
export class SGD extends Optimizer<Record<never, number>> {
  constructor(params: Module | Iterable<Tensor>, options: OptimizerOptions) {
    super('SGD', 'sgd', params, options, {}, []);
  }
}

export interface MomentumOptions extends OptimizerOptions {
  /** Default 0.9. */
  momentum?: number;
}

/** Heavy-ball momentum, in the seeds' book's form: v ← μ·v − η·g; w ← w + v. */
export class Momentum extends Optimizer<{ momentum: number }> {
  constructor(params: Module | Iterable<Tensor>, options: MomentumOptions) {
    super('Momentum', 'momentum', params, options, { momentum: options.momentum ?? 0.9 }, ['v']);
  }
}

/** Nesterov's accelerated gradient in the seeds' book's form (Sutskever et al.'s):
 *  v ← μ·v − η·g; w ← w + μ·v − η·g — the step looks ahead along the new velocity. With a
 *  constant learning rate this is torch.optim.SGD(nesterov=True); under a schedule it is not,
 *  since here the velocity carries the past learning rates and PyTorch's carries raw gradients. */
export class Nesterov extends Optimizer<{ momentum: number }> {
  constructor(params: Module | Iterable<Tensor>, options: MomentumOptions) {
    super('Nesterov', 'nesterov', params, options, { momentum: options.momentum ?? 0.9 }, ['v']);
  }
}
