import { kernels, type FloatArray, type Tensor } from '@matgrad/core';
import type { Module } from '../module.js';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

/** Plain gradient descent: w ← w − η·g. */
export class SGD extends Optimizer<Record<never, number>> {
  constructor(params: Module | Iterable<Tensor>, options: OptimizerOptions) {
    super('SGD', params, options, {}, []);
  }

  protected update(w: FloatArray, g: FloatArray, _slots: Record<string, FloatArray>, scale: number): void {
    const { lr, weightDecay } = this.hyperparameters;
    if (scale === 1 && weightDecay === 0) {
      kernels().axpy(-lr, g, w);
      return;
    }
    for (let i = 0; i < w.length; i++) w[i] = w[i]! - lr * (scale * g[i]! + weightDecay * w[i]!);
  }
}

export interface MomentumOptions extends OptimizerOptions {
  /** Default 0.9. */
  momentum?: number;
}

/** Heavy-ball momentum, in the seeds' book's form: v ← μ·v − η·g; w ← w + v. */
export class Momentum extends Optimizer<{ momentum: number }> {
  constructor(params: Module | Iterable<Tensor>, options: MomentumOptions) {
    super('Momentum', params, options, { momentum: options.momentum ?? 0.9 }, ['v']);
  }

  protected update(w: FloatArray, g: FloatArray, slots: Record<string, FloatArray>, scale: number): void {
    const { lr, weightDecay, momentum } = this.hyperparameters;
    const v = slots.v!;
    for (let i = 0; i < w.length; i++) {
      const vi = momentum * v[i]! - lr * (scale * g[i]! + weightDecay * w[i]!);
      v[i] = vi;
      w[i] = w[i]! + vi;
    }
  }
}

/** Nesterov's accelerated gradient (Sutskever et al.'s form, as in PyTorch):
 *  v ← μ·v − η·g; w ← w + μ·v − η·g — the step looks ahead along the new velocity. */
export class Nesterov extends Optimizer<{ momentum: number }> {
  constructor(params: Module | Iterable<Tensor>, options: MomentumOptions) {
    super('Nesterov', params, options, { momentum: options.momentum ?? 0.9 }, ['v']);
  }

  protected update(w: FloatArray, g: FloatArray, slots: Record<string, FloatArray>, scale: number): void {
    const { lr, weightDecay, momentum } = this.hyperparameters;
    const v = slots.v!;
    for (let i = 0; i < w.length; i++) {
      const step = lr * (scale * g[i]! + weightDecay * w[i]!);
      const vi = momentum * v[i]! - step;
      v[i] = vi;
      w[i] = w[i]! + momentum * vi - step;
    }
  }
}
