import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arange, avgPool2d, maxPool2d, binaryCrossEntropyWithLogits, conv2d, gelu, gradGradCheck, huberLoss, layerNorm, norm, pow, prod, softplus, std, type Tensor } from '../src/index.js';
import { broadcastPair, shape, tensorOf, tensorOfShape } from './support/arbitraries.js';

function expectSecondOrder(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  for (const result of gradGradCheck(f, inputs)) {
    if (!result.ok) throw new Error(result.report);
    expect(result.ok).toBe(true);
  }
}

const FEW = { numRuns: 8 };

describe('second derivatives of the wider op set match finite differences', () => {
  const unary: Array<[string, (a: Tensor) => Tensor, { min: number; max: number; awayFromZero?: number }?]> = [
    ['sin', (a) => a.sin()],
    ['cos', (a) => a.cos()],
    ['log1p', (a) => a.log1p(), { min: -0.5, max: 2 }],
    ['expm1', (a) => a.expm1()],
    ['erf', (a) => a.erf()],
    ['softplus (β = 1.5)', (a) => softplus(a, 1.5)],
    ['gelu', (a) => a.gelu()],
    ['gelu, tanh form', (a) => gelu(a, 'tanh')],
    ['elu away from 0', (a) => a.elu(0.7), { min: -2, max: 2, awayFromZero: 1e-2 }],
    ['cumsum', (a) => a.cumsum(-1).mul(a)],
    ['logsumexp', (a) => a.logsumexp(-1)],
    ['var', (a) => a.var(undefined, { correction: 0 })],
    ['prod', (a) => prod(a, -1)],
    ['norm', (a) => norm(a.add(3))],
  ];
  for (const [name, f, range] of unary) {
    it(name, () => fc.assert(fc.property(tensorOf(shape(1, 2), range), (a) => expectSecondOrder(f, [a])), FEW));
  }

  it('std (of distinct values)', () => {
    fc.assert(fc.property(tensorOfShape([4]), (a) => expectSecondOrder((x) => std(x.add(arange(4).mul(5))), [a])), FEW);
  });

  it('pow with a tensor exponent', () => {
    const arb = broadcastPair.chain(([sa, sb]) => fc.tuple(tensorOfShape(sa, { min: 0.5, max: 2 }), tensorOfShape(sb)));
    fc.assert(fc.property(arb, ([a, b]) => expectSecondOrder((x, y) => pow(x, y), [a, b])), FEW);
  });

  it('conv2d (stride 2, padding 1) through tanh', () => {
    const arb = fc.tuple(tensorOfShape([1, 2, 4, 3]), tensorOfShape([2, 2, 2, 2]), tensorOfShape([2]));
    fc.assert(fc.property(arb, ([x, w, b]) => expectSecondOrder((p, q, r) => conv2d(p, q, r, { stride: 2, padding: 1 }).tanh(), [x, w, b])), { numRuns: 4 });
  });

  it('avgPool2d and layerNorm', () => {
    const arb = fc.tuple(tensorOfShape([1, 2, 3, 3]), tensorOfShape([3]), tensorOfShape([3]));
    fc.assert(
      fc.property(arb, ([x, w, b]) => {
        expectSecondOrder((p) => avgPool2d(p, 2, { stride: 1 }).pow(2), [x]);
        // Ties make max pooling non-differentiable: distinct values only.
        const v = Array.from(x.values());
        if (new Set(v.map((e) => e.toFixed(4))).size === v.length) expectSecondOrder((p) => maxPool2d(p, 2, { stride: 1 }).pow(2), [x]);
        expectSecondOrder((p, q, r) => layerNorm(p, [3], q, r), [x, w, b]);
      }),
      { numRuns: 4 },
    );
  });

  it('binaryCrossEntropyWithLogits and huberLoss', () => {
    const arb = fc.tuple(tensorOfShape([2, 3], { min: -3, max: 3 }), tensorOfShape([2, 3], { min: 0, max: 1 }));
    fc.assert(
      fc.property(arb, ([a, y]) => {
        expectSecondOrder((p, q) => binaryCrossEntropyWithLogits(p, q), [a, y]);
        fc.pre(Array.from(a.sub(y).values()).every((d) => Math.abs(Math.abs(d) - 0.8) > 1e-2));
        expectSecondOrder((p) => huberLoss(p, y, 0.8), [a]);
      }),
      FEW,
    );
  });
});
