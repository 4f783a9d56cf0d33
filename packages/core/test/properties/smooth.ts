import fc from 'fast-check';
import { describe, it } from 'vitest';
import { elu, gelu, leakyRelu, pow, softplus, type Tensor } from '../../src/index.js';
import { broadcastPair, RUNS, shape, tensorOf, tensorOfShape, type ValueRange } from '../support/arbitraries.js';
import { expectGradCheck } from '../support/checked.js';

const KINK_FREE: ValueRange = { min: -2, max: 2, awayFromZero: 1e-3 };
const ABOVE_MINUS_ONE: ValueRange = { min: -0.8, max: 3 };
const POSITIVE: ValueRange = { min: 0.2, max: 3 };
const WIDE: ValueRange = { min: -6, max: 6 };

describe('smooth elementwise ops match finite differences', () => {
  const cases: Array<[string, (a: Tensor) => Tensor, ValueRange?]> = [
    ['sin', (a) => a.sin(), WIDE],
    ['cos', (a) => a.cos(), WIDE],
    ['log1p', (a) => a.log1p(), ABOVE_MINUS_ONE],
    ['expm1', (a) => a.expm1()],
    ['erf', (a) => a.erf()],
    ['softplus', (a) => a.softplus(), WIDE],
    ['softplus with beta 2.5', (a) => softplus(a, 2.5), WIDE],
    ['gelu (erf)', (a) => a.gelu(), WIDE],
    ['gelu (tanh)', (a) => gelu(a, 'tanh'), WIDE],
  ];
  for (const [name, f, range] of cases) {
    it(name, () => fc.assert(fc.property(tensorOf(shape(), range), (a) => expectGradCheck(f, [a])), RUNS));
  }
});

describe('activations composed of where match finite differences', () => {
  it('leakyRelu (default slope and 0.2)', () => {
    fc.assert(fc.property(tensorOf(shape(), KINK_FREE), (a) => expectGradCheck((x) => x.leakyRelu().add(leakyRelu(x, 0.2)), [a])), RUNS);
  });
  it('elu (alpha 1 and 0.7)', () => {
    fc.assert(fc.property(tensorOf(shape(), KINK_FREE), (a) => expectGradCheck((x) => x.elu().add(elu(x, 0.7)), [a])), RUNS);
  });
});

describe('pow with a tensor exponent matches finite differences', () => {
  it('base and exponent broadcast together, gradients for both', () => {
    const arb = broadcastPair.chain(([sa, sb]) => fc.tuple(tensorOfShape(sa, POSITIVE), tensorOfShape(sb)));
    fc.assert(fc.property(arb, ([a, b]) => expectGradCheck((x, y) => x.pow(y), [a, b])), RUNS);
  });
  it('a number base: 2^B', () => {
    fc.assert(fc.property(tensorOf(shape()), (b) => expectGradCheck((y) => pow(2, y), [b])), RUNS);
  });
});
