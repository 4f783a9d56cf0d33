import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binaryCrossEntropyWithLogits, huberLoss, l1Loss, nllLoss, tensor } from '../../src/index.js';
import { dim, RUNS, shape, tensorOfShape, values } from '../support/arbitraries.js';
import { expectGradCheck } from '../support/checked.js';

const pairs = shape(0, 3).chain((s) => fc.tuple(tensorOfShape(s, { min: -4, max: 4 }), tensorOfShape(s, { min: 0, max: 1 })));

describe('losses match finite differences', () => {
  it('binaryCrossEntropyWithLogits: gradients for logits and targets, each reduction', () => {
    fc.assert(
      fc.property(pairs, ([a, y]) => {
        expectGradCheck((x, t) => binaryCrossEntropyWithLogits(x, t), [a, y]);
        expectGradCheck((x, t) => binaryCrossEntropyWithLogits(x, t, 'sum'), [a, y]);
        expectGradCheck((x, t) => binaryCrossEntropyWithLogits(x, t, 'none'), [a, y]);
        // The same as the textbook form where that is finite.
        const p = a.sigmoid();
        const textbook = y.mul(p.log()).add(y.neg().add(1).mul(p.neg().add(1).log())).neg().mean();
        expect(binaryCrossEntropyWithLogits(a, y).item()).toBeCloseTo(textbook.item(), 10);
      }),
      RUNS,
    );
  });
  it('l1Loss and huberLoss (away from their kinks)', () => {
    fc.assert(
      fc.property(pairs, fc.double({ min: 0.3, max: 2, noNaN: true }), ([a, y], delta) => {
        const d = Array.from(a.sub(y).values());
        fc.pre(d.every((v) => Math.abs(v) > 1e-3 && Math.abs(Math.abs(v) - delta) > 1e-3));
        expectGradCheck((x, t) => l1Loss(x, t), [a, y]);
        expectGradCheck((x, t) => huberLoss(x, t, delta), [a, y]);
        expectGradCheck((x, t) => huberLoss(x, t, delta, 'none'), [a, y]);
      }),
      RUNS,
    );
  });
  it('nllLoss of log-probabilities', () => {
    const arb = fc.tuple(dim, fc.integer({ min: 2, max: 5 })).chain(([n, c]) =>
      fc.tuple(values(n * c, { min: -3, max: 3 }).map((v) => tensor(v, { shape: [n, c] })), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n })),
    );
    fc.assert(
      fc.property(arb, ([a, labels]) => {
        expectGradCheck((x) => nllLoss(x.logSoftmax(), labels), [a]);
        expectGradCheck((x) => nllLoss(x, labels, 'sum'), [a]);
      }),
      RUNS,
    );
  });
});
