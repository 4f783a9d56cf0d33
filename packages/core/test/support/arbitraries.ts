import fc from 'fast-check';
import { tensor, type Tensor } from '../../src/index.js';

export const dim = fc.integer({ min: 1, max: 4 });
export const shape = (minRank = 0, maxRank = 3): fc.Arbitrary<number[]> => fc.array(dim, { minLength: minRank, maxLength: maxRank });

/** Two shapes that broadcast together: each is a full shape with leading axes dropped
 *  and some axes set to 1 ([N,M]+[M], [N,1]+[1,M], scalar+matrix, ...). */
export const broadcastPair: fc.Arbitrary<[number[], number[]]> = shape(0, 3).chain((full) => {
  const reduce = fc
    .tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }))
    .map(([drop, ones]) => full.map((d, i) => (ones[i] ? 1 : d)).slice(drop));
  return fc.tuple(reduce, reduce);
});

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

/** Property runs per op: enough to cover the shape space, small enough for a fast suite. */
export const RUNS = { numRuns: 30 };
