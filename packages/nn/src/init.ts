import { randn, type DType, type Rng, type Tensor } from '@matgrad/core';
import { ResumableRng } from './data/resumable-rng.js';
import { argumentError, checkInteger, checkSeeded } from './validate.js';

/**
 * How a weight matrix W of shape [fanIn, fanOut] is drawn, following the seeds' book: a
 * zero-mean normal whose standard deviation is
 * - `he`: √(2 / fanIn), for ReLU layers;
 * - `xavier`: √(1 / fanIn) (the book's form of Glorot's rule), for sigmoid and tanh layers;
 * - `normal`: 0.01, the book's first, fixed choice;
 * - a number: that standard deviation.
 */
export type Init = 'he' | 'xavier' | 'normal' | number;

/** The standard deviation `init` gives a weight matrix with `fanIn` inputs (see {@link Init}). */
export function initStd(init: Init, fanIn: number): number {
  return stdOf('initStd', init, fanIn);
}

/** initStd for a caller that names itself in the errors. */
function stdOf(where: string, init: Init, fanIn: number): number {
  // A fan-in of 0 or NaN would make He's and Xavier's σ infinite or NaN without a word.
  checkInteger(where, 'fanIn', fanIn, 1);
  checkInit(where, init);
  if (typeof init === 'number') return init;
  return init === 'he' ? Math.sqrt(2 / fanIn) : init === 'xavier' ? Math.sqrt(1 / fanIn) : 0.01;
}

export function checkInit(where: string, init: unknown): asserts init is Init {
  if (typeof init === 'number') {
    if (!(init >= 0) || !Number.isFinite(init)) throw argumentError(where, 'init', 'a finite standard deviation ≥ 0 (or a named initializer)', init, 'range');
  } else if (init !== 'he' && init !== 'xavier' && init !== 'normal') {
    throw argumentError(where, 'init', "'he', 'xavier', 'normal' or a standard deviation", init);
  }
}

/** A seeded weight matrix [fanIn, fanOut] drawn by `init`. */
export function initWeight(fanIn: number, fanOut: number, init: Init, rng: Rng, dtype: DType, where: string): Tensor {
  return randn([fanIn, fanOut], { rng, std: stdOf(where, init, fanIn), dtype });
}

/** Seeded convolution filters [F, C/groups, kh, kw] drawn by `init`. Each output sums C/groups·kh·kw
 *  inputs (one patch of each of its group's channels), so that is the fan-in, as in PyTorch. */
export function initFilters(shape: readonly [number, number, number, number], init: Init, rng: Rng, dtype: DType): Tensor {
  const [, perGroup, kh, kw] = shape;
  return randn([...shape], { rng, std: initStd(init, perGroup * kh * kw), dtype });
}

/** Layers take a seed or a shared stream. Without either they use seed 0, as `MLP` does, so a
 *  layer built the same way is the same layer on every run. A seed makes a `ResumableRng`,
 *  whose position a checkpoint can save. */
export interface Seeded {
  /** An integer seed for a stream of the layer's own. Default 0. */
  seed?: number;
  /** A stream shared with other layers (e.g. one per model), used instead of `seed`. */
  rng?: Rng;
}

export const DEFAULT_SEED = 0;

export function rngOf(where: string, options: Seeded): Rng {
  checkSeeded(where, options);
  return options.rng ?? new ResumableRng(options.seed ?? DEFAULT_SEED);
}
