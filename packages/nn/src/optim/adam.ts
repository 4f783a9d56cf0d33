import type { OptimizerRule, Tensor } from '@matgrad/core';
import type { Module } from '../module.js';
import { Optimizer, type OptimizerOptions } from './optimizer.js';

/** Options of `Adam` and `AdamW`: all optional. */
export interface AdamOptions extends Partial<OptimizerOptions> {
  /** The learning rate η. Default 0.001. */
  lr?: number;
  /** Decay of the first moment (mean of g). Default 0.9. */
  beta1?: number;
  /** Decay of the second moment (mean of g²). Default 0.999. */
  beta2?: number;
  /** Added to √v̂ so no step divides by zero. Default 1e-8. */
  eps?: number;
}

type AdamHyperparameters = {
  /** β₁, the first moment's decay. */
  beta1: number;
  /** β₂, the second moment's decay. */
  beta2: number;
  /** ε, added to √v̂. */
  eps: number;
};

/** The Adam step, with weight decay either in the gradient (Adam) or on the weights (AdamW). */
abstract class AdamFamily extends Optimizer<AdamHyperparameters> {
  protected constructor(kind: string, rule: OptimizerRule, params: Module | Iterable<Tensor>, options: AdamOptions, defaultWeightDecay: number) {
    super(
      kind,
      rule,
      params,
      { lr: options.lr ?? 0.001, weightDecay: options.weightDecay ?? defaultWeightDecay, clipGradNorm: options.clipGradNorm ?? Infinity },
      { beta1: options.beta1 ?? 0.9, beta2: options.beta2 ?? 0.999, eps: options.eps ?? 1e-8 },
      ['m', 'v'],
    );
  }
}

/** Adam (Kingma & Ba): m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g∘g;
 *  w ← w − η·m̂ / (√v̂ + ε) with the bias corrections m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).
 *  Weight decay is the L2 penalty added to g (for decoupled decay use AdamW). */
export class Adam extends AdamFamily {
  /** Optimizes `params` (a module's parameters, or any leaf tensors); every option has a default.
   *
   *  @example
   *  ```ts
   *  const optimizer = new Adam(model, { lr: 0.01, clipGradNorm: 1 });
   *  ```
   */
  constructor(params: Module | Iterable<Tensor>, options: AdamOptions = {}) {
    super('Adam', 'adam', params, options, 0);
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter): w ← w·(1 − η·λ) before the Adam
 *  step, so the decay is not rescaled by the adaptive denominator. Default λ = 0.01. */
export class AdamW extends AdamFamily {
  /** Optimizes `params` (a module's parameters, or any leaf tensors); weightDecay defaults to 0.01. */
  constructor(params: Module | Iterable<Tensor>, options: AdamOptions = {}) {
    super('AdamW', 'adamw', params, options, 0.01);
  }
}
