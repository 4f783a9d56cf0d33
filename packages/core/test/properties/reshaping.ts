import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunk, clone, gradGradCheck, split, type Tensor } from '../../src/index.js';
import { RUNS, shape, tensorOf, tensorOfShape } from '../support/arbitraries.js';
import { expectGradCheck } from '../support/checked.js';

/** A function of the pieces that weighs each differently, so a piece misplaced in dA shows. */
function weighted(pieces: Tensor[]): Tensor {
  return pieces.map((p, k) => p.mul(k + 1).mul(p).sum()).reduce((a, b) => a.add(b));
}

describe('squeeze, unsqueeze and flatten match finite differences', () => {
  it('squeeze all size-1 axes or one, unsqueeze at any position', () => {
    const arb = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 4 }).chain((s) => fc.tuple(tensorOfShape(s), fc.integer({ min: -s.length - 1, max: s.length })));
    fc.assert(
      fc.property(arb, ([a, at]) => {
        expectGradCheck((x) => x.squeeze().mul(x.squeeze()), [a]);
        const ones = a.shape.flatMap((d, i) => (d === 1 ? [i] : []));
        if (ones.length > 0) expectGradCheck((x) => x.squeeze(ones[0]!), [a]);
        const u = a.unsqueeze(at);
        expect(u.shape.length).toBe(a.shape.length + 1);
        expectGradCheck((x) => x.unsqueeze(at), [a]);
      }),
      RUNS,
    );
  });
  it('flatten between two axes', () => {
    const arb = shape(1, 4).chain((s) => fc.tuple(tensorOfShape(s), fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 0, max: s.length - 1 })));
    fc.assert(
      fc.property(arb, ([a, i, j]) => {
        const [start, end] = [Math.min(i, j), Math.max(i, j)];
        expectGradCheck((x) => x.flatten(start, end).mul(x.flatten(start, end)), [a]);
        expect(a.flatten().shape).toEqual([a.size]);
      }),
      RUNS,
    );
  });
});

describe('split and chunk match finite differences', () => {
  const along = shape(1, 3).chain((s) => fc.tuple(tensorOfShape(s), fc.integer({ min: 0, max: s.length - 1 })));
  it('split by a piece size', () => {
    fc.assert(fc.property(along, fc.integer({ min: 1, max: 4 }), ([a, axis], size) => expectGradCheck((x) => weighted(split(x, size, axis)), [a])), RUNS);
  });
  it('split by a list of sizes (empty pieces included)', () => {
    const arb = along.chain(([a, axis]) => {
      const n = a.shape[axis]!;
      return fc.array(fc.integer({ min: 0, max: n }), { minLength: 1, maxLength: 3 }).map((cuts) => {
        const bounds = [0, ...cuts.sort((x, y) => x - y), n];
        return [a, axis, bounds.slice(1).map((b, k) => b - bounds[k]!)] as const;
      });
    });
    fc.assert(fc.property(arb, ([a, axis, sizes]) => expectGradCheck((x) => weighted(x.split(sizes, axis)), [a])), RUNS);
  });
  it('chunk, with PyTorch\'s piece sizes', () => {
    fc.assert(
      fc.property(along, fc.integer({ min: 1, max: 5 }), ([a, axis], chunks) => {
        const pieces = chunk(a, chunks, axis);
        const n = a.shape[axis]!;
        const size = Math.ceil(n / chunks);
        expect(pieces.map((p) => p.shape[axis])).toEqual(Array.from({ length: Math.ceil(n / size) }, (_, k) => Math.min(size, n - k * size)));
        expectGradCheck((x) => weighted(x.chunk(chunks, axis)), [a]);
      }),
      RUNS,
    );
  });
});

describe('clone matches finite differences', () => {
  it('a copy in the graph: the gradient passes through, also from a transposed view and to second order', () => {
    fc.assert(
      fc.property(tensorOf(shape()), (a) => {
        // Weighted so that a gradient landing on the wrong entry shows.
        const weights = (x: Tensor) => x.mul(x.reshape([-1]).cumsum().reshape(x.shape));
        expectGradCheck((x) => weights(clone(x)), [a]);
        expectGradCheck((x) => weights(x.T.clone()), [a]);
        for (const result of gradGradCheck((x) => clone(x).mul(clone(x)).sum(), [a])) expect(result.ok, result.report).toBe(true);
      }),
      RUNS,
    );
  });
});
