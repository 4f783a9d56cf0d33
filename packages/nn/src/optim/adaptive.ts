import type { Tensor } from '@matgrad/core';
import type { Module } from '../module.js';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

export interface AdaGradOptions extends OptimizerOptions {
  /** Added to √h so the first steps do not divide by zero. Default 1e-7 (the book's). */
  eps?: number;
}

/** AdaGrad: h ← h + g∘g; w ← w − η·g / (√h + ε) — each weight's step shrinks with its history. */
export class AdaGrad extends Optimizer<{ eps: number }> {
  constructor(params: Module | Iterable<Tensor>, options: AdaGradOptions) {
    super('AdaGrad', 'adagrad', params, options, { eps: options.eps ?? 1e-7 }, ['h']);
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
    super('RMSprop', 'rmsprop', params, options, { rho: options.rho ?? 0.99, eps: options.eps ?? 1e-7 }, ['h']);
  }
}
