import type { Tensor } from '@matgrad/core';
import type { Module } from '../module.js';
import { Adam, AdamW, type AdamOptions } from './adam.js';
import { AdaGrad, RMSprop, type AdaGradOptions, type RMSpropOptions } from './adaptive.js';
import type { Optimizer, OptimizerOptions } from './optimizer.js';
import { Momentum, Nesterov, SGD, type MomentumOptions } from './sgd.js';

/** The names `createOptimizer` takes: each optimizer class's name in lower case. */
export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adamw'] as const;
/** One of `OPTIMIZER_NAMES`. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** What each named optimizer takes: lr, weightDecay and clipGradNorm, and its own extras. */
export interface OptimizerOptionsByName {
  /** `SGD`'s options. */
  sgd: OptimizerOptions;
  /** `Momentum`'s options. */
  momentum: MomentumOptions;
  /** `Nesterov`'s options. */
  nesterov: MomentumOptions;
  /** `AdaGrad`'s options. */
  adagrad: AdaGradOptions;
  /** `RMSprop`'s options. */
  rmsprop: RMSpropOptions;
  /** `Adam`'s options. */
  adam: AdamOptions;
  /** `AdamW`'s options. */
  adamw: AdamOptions;
}

type Constructors = { [N in OptimizerName]: new (params: Module | Iterable<Tensor>, options: OptimizerOptionsByName[N]) => Optimizer };

const CONSTRUCTORS: Constructors = { sgd: SGD, momentum: Momentum, nesterov: Nesterov, adagrad: AdaGrad, rmsprop: RMSprop, adam: Adam, adamw: AdamW };

/**
 * The optimizer called `name` over `params`, for choices made by name (command-line flags,
 * forms, configuration files). An option the optimizer does not have is refused rather than
 * ignored: a name chosen at run time may not be the one the options were written for.
 *
 * @throws TypeError for an unknown name or an option the optimizer does not take.
 * @example
 * ```ts
 * const optimizer = createOptimizer('momentum', model, { lr: 0.05, momentum: 0.9 });
 * ```
 */
export function createOptimizer<N extends OptimizerName>(name: N, params: Module | Iterable<Tensor>, options: OptimizerOptionsByName[N]): Optimizer {
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(name)) {
    throw new TypeError(`createOptimizer: unknown optimizer ${JSON.stringify(name)}; expected one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`createOptimizer: options must be an object such as { lr: 0.01 }, got ${String(options)}`);
  }
  const Make = CONSTRUCTORS[name];
  const optimizer = new Make(params, options);
  // Every option an optimizer takes is one of its hyperparameters, under the same name.
  const known = Object.keys(optimizer.hyperparameters);
  const unknown = Object.entries(options).filter(([key, value]) => value !== undefined && !known.includes(key));
  if (unknown.length > 0) {
    throw new TypeError(
      `createOptimizer: ${name} has no option ${unknown.map(([key]) => `'${key}'`).join(', ')}; its options are ${known.join(', ')}`,
    );
  }
  return optimizer;
}
