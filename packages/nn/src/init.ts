import { Rng, randn, type DType, type Tensor } from '@matgrad/core';

/**
 * How a weight matrix W of shape [fanIn, fanOut] is drawn, following the seeds' book: a
 * zero-mean normal whose standard deviation is
 * - `he`: √(2 / fanIn), for ReLU layers;
 * - `xavier`: √(1 / fanIn) (the book's form of Glorot's rule), for sigmoid and tanh layers;
 * - `normal`: 0.01, the book's first, fixed choice;
 * - a number: that standard deviation.
 */
export type Init = 'he' | 'xavier' | 'normal' | number;

export function initStd(init: Init, fanIn: number): number {
  if (typeof init === 'number') {
    if (!(init >= 0) || !Number.isFinite(init)) throw new RangeError(`init: a numeric init is a standard deviation and must be finite and ≥ 0, got ${init}`);
    return init;
  }
  switch (init) {
    case 'he':
      return Math.sqrt(2 / fanIn);
    case 'xavier':
      return Math.sqrt(1 / fanIn);
    case 'normal':
      return 0.01;
    default:
      throw new TypeError(`init: unknown initializer ${JSON.stringify(init)}; expected 'he', 'xavier', 'normal' or a standard deviation`);
  }
}

/** A seeded weight matrix [fanIn, fanOut] drawn by `init`. */
export function initWeight(fanIn: number, fanOut: number, init: Init, rng: Rng, dtype: DType): Tensor {
  return randn([fanIn, fanOut], { rng, std: initStd(init, fanIn), dtype });
}

/** Seeded convolution filters [F, C/groups, kh, kw] drawn by `init`. Each output sums C/groups·kh·kw
 *  inputs (one patch of each of its group's channels), so that is the fan-in, as in PyTorch. */
export function initFilters(shape: readonly [number, number, number, number], init: Init, rng: Rng, dtype: DType): Tensor {
  const [, perGroup, kh, kw] = shape;
  return randn([...shape], { rng, std: initStd(init, perGroup * kh * kw), dtype });
}

/** Layers take either a seed or a shared stream; random state is always explicit. */
export interface Seeded {
  seed?: number;
  rng?: Rng;
}

export function rngOf(where: string, options: Seeded): Rng {
  if (options.rng !== undefined) return options.rng;
  if (options.seed === undefined) throw new TypeError(`${where}: pass { seed } (an integer) or { rng }; initial weights and masks are always seeded`);
  return new Rng(options.seed);
}
