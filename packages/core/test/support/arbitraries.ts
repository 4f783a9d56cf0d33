import fc from 'fast-check';
import { tensor, zeros, type Indices, type SliceSpec, type Tensor } from '../../src/index.js';

export const dim = fc.integer({ min: 1, max: 4 });
export const shape = (minRank = 0, maxRank = 3): fc.Arbitrary<number[]> => fc.array(dim, { minLength: minRank, maxLength: maxRank });

/** Shapes that broadcast together: each is a full shape with leading axes dropped
 *  and some axes set to 1 ([N,M]+[M], [N,1]+[1,M], scalar+matrix, ...). */
function broadcastShapes(count: number): fc.Arbitrary<number[][]> {
  return shape(0, 3).chain((full) => {
    const reduce = fc
      .tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }))
      .map(([drop, ones]) => full.map((d, i) => (ones[i] ? 1 : d)).slice(drop));
    return fc.array(reduce, { minLength: count, maxLength: count });
  });
}

export const broadcastPair = broadcastShapes(2) as fc.Arbitrary<[number[], number[]]>;
export const broadcastTriple = broadcastShapes(3) as fc.Arbitrary<[number[], number[], number[]]>;

export interface ValueRange {
  min: number;
  max: number;
  /** Keep values at least this far from zero (kinks, poles). */
  awayFromZero?: number;
}

const STANDARD: ValueRange = { min: -2, max: 2 };

export function values(size: number, range: ValueRange = STANDARD): fc.Arbitrary<number[]> {
  const gap = range.awayFromZero ?? 0;
  const v = fc.double({ min: range.min, max: range.max, noNaN: true, noDefaultInfinity: true }).filter((x) => Math.abs(x) >= gap);
  return fc.array(v, { minLength: size, maxLength: size });
}

export function tensorOf(shapeArb: fc.Arbitrary<number[]>, range?: ValueRange): fc.Arbitrary<Tensor> {
  return shapeArb.chain((s) => values(s.reduce((a, b) => a * b, 1), range).map((v) => tensor(v, { shape: s })));
}

export function tensorOfShape(s: number[], range?: ValueRange): fc.Arbitrary<Tensor> {
  return tensorOf(fc.constant(s), range);
}

/** A tensor x, numpy slice specs for some of its leading axes (ends that clamp, negative
 *  positions, steps 1–3, whole axes and integer indices that drop their axis), and a tensor y
 *  shaped like x sliced (for unslice, the adjoint). */
export const slicing: fc.Arbitrary<readonly [Tensor, Tensor, SliceSpec[]]> = shape(1, 3).chain((s) => {
  const end = (n: number) => fc.option(fc.integer({ min: -n - 2, max: n + 2 }), { nil: null });
  const spec = (n: number): fc.Arbitrary<SliceSpec> =>
    fc.oneof(fc.constant(null), fc.integer({ min: -n, max: n - 1 }), fc.tuple(end(n), end(n), fc.option(fc.integer({ min: 1, max: 3 }), { nil: null })));
  return fc.tuple(fc.tuple(...s.map(spec)), fc.nat(s.length)).chain(([all, k]) => {
    const specs = all.slice(0, k);
    return fc.tuple(tensorOfShape(s), tensorOfShape([...zeros(s).slice(specs).shape])).map(([x, y]) => [x, y, specs] as const);
  });
});

/** A tensor x, an axis and positions along it as take accepts them (one integer, a list or a
 *  matrix, with repeats and negative positions), and a tensor y shaped like take's result (for
 *  scatterAdd, the adjoint). */
export const gathering: fc.Arbitrary<readonly [Tensor, Tensor, number, Indices]> = shape(1, 3).chain((s) =>
  fc.integer({ min: 0, max: s.length - 1 }).chain((axis) => {
    const index = fc.integer({ min: -s[axis]!, max: s[axis]! - 1 });
    const indices = fc.oneof(index, fc.array(index, { maxLength: 5 }), fc.array(fc.array(index, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 3 }));
    return indices.chain((idx) => fc.tuple(tensorOfShape(s), tensorOfShape([...zeros(s).take(idx, axis).shape])).map(([x, y]) => [x, y, axis, idx] as const));
  }),
);

/** Property runs per op: enough to cover the shape space, small enough for a fast suite. */
export const RUNS = { numRuns: 30 };

/** A seeded generator of numbers in [0, 1) (a linear congruential one: the same sequence for a
 *  seed, so a failing case can be replayed from the seed fast-check reports). */
export function seededRandom(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `length` values, each one of `edges` with probability `edgeShare`, else uniform in
 *  (−scale/2, scale/2), drawn from `random`. */
export function valuesWithEdges(length: number, random: () => number, edges: readonly number[], edgeShare: number, scale: number): Float64Array {
  return Float64Array.from({ length }, () => (random() < edgeShare ? edges[Math.floor(random() * edges.length)]! : (random() - 0.5) * scale));
}
