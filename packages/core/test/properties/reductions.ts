import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { norm, prod, std, tensor, variance, type Tensor } from '../../src/index.js';
import { RUNS, shape, tensorOfShape } from '../support/arbitraries.js';
import { expectGradCheck } from '../support/checked.js';

/** A tensor, some of its axes (or none: all of them) and keepDims. */
const axisCase = (minRank = 1) =>
  shape(minRank, 3).chain((s) =>
    fc.tuple(tensorOfShape(s), s.length === 0 ? fc.constant(undefined) : fc.option(fc.subarray(s.map((_, i) => i), { minLength: 1 }), { nil: undefined }), fc.boolean()),
  );

const count = (t: Tensor, axes: number[] | undefined): number => (axes ?? t.shape.map((_, i) => i)).reduce((n, i) => n * t.shape[i]!, 1);

describe('cumsum matches finite differences', () => {
  it('along a random axis, and flattened', () => {
    const arb = shape(1, 3).chain((s) => fc.tuple(tensorOfShape(s), fc.integer({ min: -s.length, max: s.length - 1 })));
    fc.assert(
      fc.property(arb, ([a, axis]) => {
        expectGradCheck((x) => x.cumsum(axis).mul(x), [a]);
        expectGradCheck((x) => x.cumsum(), [a]);
      }),
      RUNS,
    );
  });
});

describe('reductions composed of other ops match finite differences', () => {
  it('logsumexp', () => fc.assert(fc.property(axisCase(), ([a, axes, keep]) => expectGradCheck((x) => x.logsumexp(axes, keep), [a])), RUNS));
  it('var and std (correction 1 and 0)', () => {
    fc.assert(
      fc.property(axisCase(), ([a, axes, keep]) => {
        fc.pre(count(a, axes) >= 2);
        expectGradCheck((x) => x.var(axes, { keepDims: keep }), [a]);
        expectGradCheck((x) => variance(x, axes, { correction: 0, keepDims: keep }), [a]);
        // √'s rule divides by the deviation: away from slices of equal entries.
        if (Array.from(a.var(axes).values()).every((v) => v > 1e-3)) expectGradCheck((x) => std(x, axes, { keepDims: keep }), [a]);
      }),
      RUNS,
    );
  });
  it('prod (zeros included: the gradient at a zero is the product of the others)', () => {
    const withZeros = axisCase(0).chain(([a, axes, keep]) =>
      fc.array(fc.boolean(), { minLength: a.size, maxLength: a.size }).map((zero) => {
        const v = Array.from(a.values()).map((x, i) => (zero[i] && i % 3 === 0 ? 0 : x));
        return [tensor(v, { shape: a.shape }), axes, keep] as const;
      }),
    );
    fc.assert(fc.property(withZeros, ([a, axes, keep]) => expectGradCheck((x) => prod(x, axes, keep), [a])), RUNS);
  });
  it('norm: 2, 1 and ∞ (distinct magnitudes away from 0, so that |A| has no kink and max no tie)', () => {
    const distinct = axisCase().map(([a, axes, keep]) => {
      const v = Array.from({ length: a.size }, (_, i) => (((i * 29) % 47) + 3) / 13 * (i % 2 === 0 ? 1 : -1));
      return [tensor(v, { shape: a.shape }), axes, keep] as const;
    });
    fc.assert(
      fc.property(distinct, ([a, axes, keep]) => {
        expectGradCheck((x) => x.norm(2, axes, keep), [a]);
        expectGradCheck((x) => norm(x, 1, axes, keep), [a]);
        expectGradCheck((x) => norm(x, Infinity, axes, keep), [a]);
      }),
      RUNS,
    );
  });
  it('norm 2 of all-zero slices has gradient 0', () => {
    const a = tensor([[0, 0], [3, 4]], { requiresGrad: true });
    a.norm(2, 1).sum().backward();
    const [zeros, row] = a.grad!.toArray() as number[][];
    expect(zeros).toEqual([0, 0]);
    expect(row![0]).toBeCloseTo(0.6, 15);
    expect(row![1]).toBeCloseTo(0.8, 15);
  });
});
