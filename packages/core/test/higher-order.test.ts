import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { affine, gradGradCheck, softmaxCrossEntropy, tensor, type Tensor } from '../src/index.js';
import { broadcastPair, dim, shape, tensorOf, tensorOfShape } from './support/arbitraries.js';

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
