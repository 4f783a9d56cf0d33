import type { FloatArray, Tensor } from '@matgrad/core';
import type { Module } from '../module.js';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

export interface AdaGradOptions extends OptimizerOptions {
  /** Added to √h so the first steps do not divide by zero. Default 1e-7 (the book's). */
  eps?: number;
}

/** AdaGrad: h ← h + g∘g; w ← w − η·g / (√h + ε) — each weight's step shrinks with its history. */
export class AdaGrad extends Optimizer<{ eps: number }> {
  constructor(params: Module | Iterable<Tensor>, options: AdaGradOptions) {
    super('AdaGrad', params, options, { eps: options.eps ?? 1e-7 }, ['h']);
  }

  protected update(w: FloatArray, g: FloatArray, slots: Record<string, FloatArray>, scale: number): void {
    const { lr, weightDecay, eps } = this.hyperparameters;
    const h = slots.h!;
    for (let i = 0; i < w.length; i++) {
      const gi = scale * g[i]! + weightDecay * w[i]!;
      const hi = h[i]! + gi * gi;
      h[i] = hi;
      w[i] = w[i]! - (lr * gi) / (Math.sqrt(hi) + eps);
    }
  }
}

export interface RMSpropOptions extends OptimizerOptions {
  /** Decay of the running average of g². Default 0.99. */
  rho?: number;
  /** Default 1e-7 (the book's). */
  eps?: number;
}

/** RMSprop: h ← ρ·h + (1 − ρ)·g∘g; w ← w − η·g / (√h + ε) — AdaGrad that forgets. */
export class RMSprop extends Optimizer<{ rho: number; eps: number }> {
  constructor(params: Module | Iterable<Tensor>, options: RMSpropOptions) {
    super('RMSprop', params, options, { rho: options.rho ?? 0.99, eps: options.eps ?? 1e-7 }, ['h']);
  }

  protected update(w: FloatArray, g: FloatArray, slots: Record<string, FloatArray>, scale: number): void {
    const { lr, weightDecay, rho, eps } = this.hyperparameters;
    const h = slots.h!;
    for (let i = 0; i < w.length; i++) {
      const gi = scale * g[i]! + weightDecay * w[i]!;
      const hi = rho * h[i]! + (1 - rho) * gi * gi;
      h[i] = hi;
      w[i] = w[i]! - (lr * gi) / (Math.sqrt(hi) + eps);
    }
  }
}
