import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { mersenne } from 'pure-rand/generator/mersenne';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { allocate, checkDtype } from './dtype.js';
import { checkShape, sizeOf, type Shape } from './shape.js';
import { backendFor, leaf, type CreateOptions } from './creation.js';
import type { Tensor } from './tensor.js';

/** A seeded random stream (pure-rand's Mersenne Twister): the same seed gives the same numbers
 *  on every machine, which is what makes initializations, shuffles and masks reproducible.
 *  (Not xoroshiro128+: seeded with a small integer, its first outputs are all close to 1.) */
export class Rng {
  readonly #generator: RandomGenerator;
  #spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new TypeError(`Rng: the seed must be an integer, got ${String(seed)}`);
    this.#generator = mersenne(seed);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return uniformFloat64(this.#generator);
  }

  /** Standard normal, by the Box–Muller transform. */
  normal(): number {
    if (this.#spareNormal !== null) {
      const v = this.#spareNormal;
      this.#spareNormal = null;
      return v;
    }
    const u = 1 - this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  }
}

/** Options of `rand` and `randn`: the creation options plus where the randomness comes from
 *  (one of `seed` or `rng` is required). */
export interface RandomOptions extends CreateOptions {
  /** Required: random tensors in matgrad are always reproducible. Or pass a shared `rng`. */
  seed?: number;
  /** A stream to draw from (and advance), shared across calls; takes precedence over `seed`. */
  rng?: Rng;
}

function streamOf(op: string, options: RandomOptions | undefined): Rng {
  if (options === null || typeof options !== 'object') throw new TypeError(`${op}: pass options with { seed } (an integer) or { rng }; random tensors are always seeded, got ${options === null ? 'null' : typeof options}`);
  if (options.rng !== undefined) {
    if (!(options.rng instanceof Rng)) throw new TypeError(`${op}: options.rng must be an Rng, got ${typeof options.rng}`);
    return options.rng;
  }
  if (options.seed === undefined) throw new TypeError(`${op}: pass { seed } (an integer) or { rng }; random tensors are always seeded`);
  return new Rng(options.seed);
}

function randomTensor(op: string, shape: Shape, options: RandomOptions, draw: (rng: Rng) => number): Tensor {
  const s = checkShape(op, shape);
  const rng = streamOf(op, options);
  const dtype = checkDtype(op, options.dtype ?? 'float64');
  const backend = backendFor(op, options, dtype);
  const buffer = allocate(dtype, sizeOf(s));
  for (let i = 0; i < buffer.length; i++) buffer[i] = draw(rng);
  return leaf(backend.upload(buffer, dtype, s), options);
}

/** Uniform in [low, high) (default [0, 1)). */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number }): Tensor {
  const { low = 0, high = 1 } = options ?? {};
  if (!(Number.isFinite(low) && Number.isFinite(high) && low <= high)) throw new RangeError(`rand: low and high must be finite numbers with low ≤ high, got low ${String(low)} and high ${String(high)}`);
  return randomTensor('rand', shape, options, (rng) => low + (high - low) * rng.uniform());
}

/** Normal with the given mean and std (default 0 and 1). */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number }): Tensor {
  const { mean = 0, std = 1 } = options ?? {};
  if (!Number.isFinite(mean)) throw new RangeError(`randn: mean must be a finite number, got ${String(mean)}`);
  if (!(Number.isFinite(std) && std >= 0)) throw new RangeError(`randn: std must be a finite number ≥ 0, got ${String(std)}`);
  return randomTensor('randn', shape, options, (rng) => mean + std * rng.normal());
}
