import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { affine, clamp, concat, gradGradCheck, maximum, scatterAdd, softmaxCrossEntropy, stack, tensor, where, type Tensor } from '../src/index.js';
import { broadcastPair, dim, gathering, shape, slicing, tensorOf, tensorOfShape } from './support/arbitraries.js';

function expectSecondOrder(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  for (const result of gradGradCheck(f, inputs)) {
    if (!result.ok) throw new Error(result.report);
    expect(result.ok).toBe(true);
  }
}

const FEW = { numRuns: 12 };
const POSITIVE = { min: 0.3, max: 2.5 };

describe('second derivatives of the smooth ops match finite differences', () => {
  const unary: Array<[string, (a: Tensor) => Tensor, { min: number; max: number }?]> = [
    ['exp', (a) => a.exp()],
    ['log', (a) => a.log(), POSITIVE],
    ['sqrt', (a) => a.sqrt(), POSITIVE],
    ['sigmoid', (a) => a.sigmoid()],
    ['tanh', (a) => a.tanh()],
    ['pow 3', (a) => a.pow(3)],
    ['softmax', (a) => a.softmax(-1)],
    ['logSoftmax', (a) => a.logSoftmax(-1)],
    ['mean', (a) => a.mul(a).mean()],
  ];
  for (const [name, f, range] of unary) {
    it(name, () => fc.assert(fc.property(tensorOf(shape(1, 2), range), (a) => expectSecondOrder(f, [a])), FEW));
  }

  it('mul and div with broadcasting', () => {
    const arb = broadcastPair.chain(([sa, sb]) => fc.tuple(tensorOfShape(sa), tensorOfShape(sb, { min: 0.5, max: 2 })));
    fc.assert(fc.property(arb, ([a, b]) => expectSecondOrder((x, y) => x.mul(y).div(y.add(x.mul(x))), [a, b])), FEW);
  });

  it('matmul', () => {
    const arb = fc.tuple(dim, dim, dim).chain(([m, k, n]) => fc.tuple(tensorOfShape([m, k]), tensorOfShape([k, n])));
    fc.assert(fc.property(arb, ([a, b]) => expectSecondOrder((x, y) => x.matmul(y).tanh(), [a, b])), FEW);
  });

  it('affine', () => {
    const arb = fc.tuple(dim, dim, dim).chain(([n, k, m]) => fc.tuple(tensorOfShape([n, k]), tensorOfShape([k, m]), tensorOfShape([m])));
    fc.assert(fc.property(arb, ([x, w, b]) => expectSecondOrder((p, q, r) => affine(p, q, r).sigmoid(), [x, w, b])), FEW);
  });

  it('softmaxCrossEntropy', () => {
    const arb = fc.tuple(dim, fc.integer({ min: 2, max: 4 })).chain(([n, c]) =>
      fc.tuple(tensorOfShape([n, c]), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n })),
    );
    fc.assert(fc.property(arb, ([a, labels]) => expectSecondOrder((x) => softmaxCrossEntropy(x, labels), [a])), FEW);
  });
});

describe('second derivatives through indexing, joining and selecting (their rules are ops too)', () => {
  it('slice (its rule unslice, whose rule is slice)', () => {
    fc.assert(fc.property(slicing, ([a, , specs]) => expectSecondOrder((x) => x.slice(specs).pow(3), [a])), FEW);
  });

  it('concat and stack', () => {
    const arb = fc.tuple(shape(1, 2), fc.integer({ min: 0, max: 1 })).chain(([s, axis]) => fc.tuple(tensorOfShape(s), tensorOfShape(s), fc.constant(axis % s.length)));
    fc.assert(
      fc.property(arb, ([a, b, axis]) => {
        expectSecondOrder((x, y) => concat([x.mul(y), y.exp(), x], axis).tanh(), [a, b]);
        expectSecondOrder((x, y) => stack([x.mul(x), y.sigmoid()], -1).mul(y.sum()), [a, b]);
      }),
      FEW,
    );
  });

  it('take with repeated indices, and scatterAdd (each the rule of the other)', () => {
    fc.assert(
      fc.property(gathering, ([a, g, axis, idx]) => {
        expectSecondOrder((x) => x.take(idx, axis).pow(3), [a]);
        expectSecondOrder((y) => scatterAdd(y, idx, axis, a.shape[axis]!).tanh(), [g]);
      }),
      FEW,
    );
  });

  it('where, maximum and clamp around smooth branches', () => {
    const arb = broadcastPair.chain(([sa, sb]) => fc.tuple(tensorOfShape(sa), tensorOfShape(sb)));
    fc.assert(
      fc.property(arb, ([a, b]) => {
        // Away from each kink (x = y, x² = exp(y), x·y = −0.5), where a finite difference straddles two branches.
        const apart = (p: Tensor, q: Tensor | number): boolean => Array.from(p.sub(q).values()).every((d) => Math.abs(d) > 1e-3);
        fc.pre(apart(a, b) && apart(a.mul(a), b.exp()) && apart(a.mul(b), -0.5));
        expectSecondOrder((x, y) => where(x.gt(y), x.mul(y), y.exp()), [a, b]);
        expectSecondOrder((x, y) => maximum(x.mul(x), y.exp()).mul(x), [a, b]);
        expectSecondOrder((x, y) => clamp(x.mul(y), -0.5, null).pow(2), [a, b]);
      }),
      FEW,
    );
  });
});

describe('random composite graphs with fan-out', () => {
  const steps: Array<(x: Tensor, y: Tensor) => Tensor> = [
    (x, y) => x.add(y),
    (x, y) => x.mul(y),
    (x, y) => x.sub(y.tanh()),
    (x) => x.sigmoid(),
    (x, y) => x.div(y.mul(y).add(1)),
    (x) => x.exp().mul(0.1),
    (x, y) => x.mul(x).add(y),
  ];
  it('every value feeds several later steps; the gradient of the whole graph matches', () => {
    const arb = fc.tuple(
      broadcastPair.chain(([sa, sb]) => fc.tuple(tensorOfShape(sa), tensorOfShape(sb))),
      fc.array(fc.tuple(fc.integer({ min: 0, max: steps.length - 1 }), fc.nat(), fc.nat()), { minLength: 2, maxLength: 8 }),
    );
    fc.assert(
      fc.property(arb, ([[a, b], program]) => {
        const f = (x: Tensor, y: Tensor): Tensor => {
          const nodes = [x, y];
          for (const [op, i, j] of program) nodes.push(steps[op]!(nodes[i % nodes.length]!, nodes[j % nodes.length]!));
          return nodes.slice(2).reduce((acc, n) => acc.add(n.sum()), tensor(0));
        };
        expectSecondOrder(f, [a, b]);
      }),
      { numRuns: 25 },
    );
  });
});
