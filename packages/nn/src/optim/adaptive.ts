import type { Tensor } from '@matgrad/core';
import type { Module } from '../module.js';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

/** Options of `AdaGrad`. */
export interface AdaGradOptions extends OptimizerOptions {
  /** Added to √h so the first steps do not divide by zero. Default 1e-7 (the book's). */
  eps?: number;
}

/** AdaGrad: h ← h + g∘g; w ← w − η·g / (√h + ε) — each weight's step shrinks with its history. */
export class AdaGrad extends Optimizer<{
  /** ε, added to √h. */
  eps: number;
}> {
  /** Optimizes `params`: a module's parameters, or any leaf tensors. */
  constructor(params: Module | Iterable<Tensor>, options: AdaGradOptions) {
    super('AdaGrad', 'adagrad', params, options, { eps: options.eps ?? 1e-7 }, ['h']);
  }
}

/** Options of `RMSprop`. */
export interface RMSpropOptions extends OptimizerOptions {
  /** ρ, the decay of the running average of g², in [0, 1). Default 0.99. */
  rho?: number;
  /** Added to √h so no step divides by zero. Default 1e-7 (the book's). */
  eps?: number;
}

/** RMSprop: h ← ρ·h + (1 − ρ)·g∘g; w ← w − η·g / (√h + ε) — AdaGrad that forgets. */
export class RMSprop extends Optimizer<{
  /** ρ, the running average's decay. */
  rho: number;
  /** ε, added to √h. */
  eps: number;
}> {
  /** Optimizes `params`: a module's parameters, or any leaf tensors. */
  constructor(params: Module | Iterable<Tensor>, options: RMSpropOptions) {
    super('RMSprop', 'rmsprop', params, options, { rho: options.rho ?? 0.99, eps: options.eps ?? 1e-7 }, ['h']);
  }
}
