import fc from 'fast-check';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { grad, gradCheck, gradGradCheck, hessian, hvp, jacobian, jvp, softmaxCrossEntropy, tensor, vjp, type Tensor } from '../src/index.js';
import { shape, tensorOf, tensorOfShape } from './support/arbitraries.js';

const FEW = { numRuns: 15 };

/** Central differences of f at x in float64, as a [...f(x).shape, ...x.shape] array. */
function numericJacobian(f: (x: Tensor) => Tensor, x: Tensor, eps = 1e-6): number[] {
  const base = Array.from(x.values());
  const outSize = f(x).size;
  const columns = base.map((v, p) => {
    const at = (d: number) => Array.from(f(tensor(base.map((w, q) => (q === p ? v + d : w)), { shape: x.shape })).values());
    const [up, down] = [at(eps), at(-eps)];
    return up.map((u, o) => (u - down[o]!) / (2 * eps));
  });
  return Array.from({ length: outSize * base.length }, (_, i) => columns[i % base.length]![Math.floor(i / base.length)]!);
}

function expectClose(actual: Tensor, expected: number[], tolerance = 1e-5): void {
  const got = Array.from(actual.values());
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(tolerance * (1 + Math.abs(expected[i]!))));
}

const smooth = (x: Tensor) => x.mul(x).tanh().mul(x.sigmoid()).sum();

describe('gradients compose like functions (no createGraph needed)', () => {
  it('grad of grad: d/dx Σ 3x² = 6x', () => {
    expect(grad((a) => grad((b) => b.pow(3).sum())(a).sum())(tensor([1, 2])).toArray()).toEqual([6, 12]);
  });
  it('hessian and hvp match finite differences of the gradient', () => {
    fc.assert(fc.property(tensorOf(shape(1, 1)), tensorOf(shape(1, 1)), (x, v0) => {
      const v = tensor(Array.from({ length: x.size }, (_, i) => v0.values()[i % v0.size]!), { shape: x.shape });
      const numeric = numericJacobian(grad(smooth), x);
      expectClose(hessian(smooth)(x), numeric);
      const n = x.size;
      expectClose(hvp(smooth, x, v), Array.from({ length: n }, (_, i) => numeric.slice(i * n, i * n + n).reduce((s, h, j) => s + h * v.values()[j]!, 0)));
    }), FEW);
  });
  it('jacobian, jvp and vjp match finite differences', () => {
    const f = (x: Tensor) => x.mul(x.sum()).tanh().exp().softmax(-1);
    fc.assert(fc.property(tensorOf(shape(1, 2)), (x) => {
      const numeric = numericJacobian(f, x);
      expectClose(jacobian(f)(x), numeric);
      const n = x.size;
      const v = tensor(Array.from({ length: n }, (_, i) => (i % 3) - 1), { shape: x.shape });
      const [y, jv] = jvp(f, x, v);
      expect(y.shape).toEqual(x.shape);
      expectClose(jv, Array.from({ length: n }, (_, o) => numeric.slice(o * n, o * n + n).reduce((s, d, j) => s + d * v.values()[j]!, 0)));
      const [, pullback] = vjp(f, x);
      expectClose(pullback(v), Array.from({ length: n }, (_, j) => Array.from({ length: n }, (_, o) => numeric[o * n + j]! * v.values()[o]!).reduce((a, b) => a + b, 0)));
    }), FEW);
  });
});

describe('every elementwise op is exact at ±Infinity, NaN, −0, subnormals and the largest floats', () => {
  const specials = [Infinity, -Infinity, NaN, -0, 0, 5e-324, -5e-324, 1.7976931348623157e308, -1.7976931348623157e308, 1, -1];
  const cases: Array<[string, (t: Tensor) => Tensor, (v: number) => number]> = [
    ['relu', (t) => t.relu(), (v) => (v > 0 ? v : Number.isNaN(v) ? NaN : 0)],
    ['exp', (t) => t.exp(), Math.exp],
    ['log', (t) => t.log(), Math.log],
    ['sqrt', (t) => t.sqrt(), Math.sqrt],
    ['tanh', (t) => t.tanh(), Math.tanh],
    ['sigmoid', (t) => t.sigmoid(), (v) => 1 / (1 + Math.exp(-v))],
    ['neg', (t) => t.neg(), (v) => -v],
    ['abs', (t) => t.abs(), Math.abs],
  ];
  for (const [name, f, reference] of cases) {
    it(name, () => {
      const got = Array.from(f(tensor(specials)).values());
      got.forEach((v, i) => expect(Object.is(v, reference(specials[i]!)) || (v === 0 && reference(specials[i]!) === 0), `${name}(${specials[i]}) = ${v}`).toBe(true));
    });
  }
  it('relu passes the gradient exactly where A > 0 (also at +∞), nowhere else', () => {
    const x = tensor(specials, { requiresGrad: true });
    x.relu().sum().backward();
    expect(Array.from(x.grad!.values())).toEqual(specials.map((v) => (v > 0 ? 1 : 0)));
  });
  it('pow(x, p) has the derivative p·x^(p−1) at 0, and 0 for p = 0', () => {
    for (const [p, expected] of [[0, 0], [1, 1], [2, 0], [3, 0], [0.5, Infinity]] as const) {
      const x = tensor([0], { requiresGrad: true });
      x.pow(p).sum().backward();
      expect(x.grad!.item(), `p = ${p}`).toBe(expected);
    }
  });
});

describe('softmaxCrossEntropy is exact for any targets, not only rows that sum to 1', () => {
  const rows = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }));
  it('soft, smoothed and all-zero target rows: first derivatives for logits and targets', () => {
    fc.assert(fc.property(rows.chain(([n, c]) => fc.tuple(tensorOfShape([n, c]), tensorOfShape([n, c], { min: 0, max: 1 }))), ([a, y]) => {
      const zeroed = tensor(Array.from(y.values(), (v, i) => (i < y.shape[1]! ? 0 : v)), { shape: y.shape });
      for (const targets of [y, zeroed]) {
        const result = gradCheck((p, q) => softmaxCrossEntropy(p, q), [a, targets]);
        if (!result.ok) throw new Error(result.report);
      }
    }), FEW);
  });
  it('second derivatives, one-hot targets requiring grad included', () => {
    fc.assert(fc.property(rows.chain(([n, c]) => fc.tuple(tensorOfShape([n, c]), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }), fc.constant(c))), ([a, labels, c]) => {
      const oneHot = tensor(labels.flatMap((k) => Array.from({ length: c }, (_, j) => (j === k ? 1 : 0))), { shape: [labels.length, c] });
      for (const result of gradGradCheck((p, q) => softmaxCrossEntropy(p, q), [a, oneHot])) if (!result.ok) throw new Error(result.report);
    }), FEW);
  });
});

describe('a tensor written in place between forward and backward is refused, naming it and the op', () => {
  it('assign after the forward', () => {
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true, name: 'W' });
    const loss = tensor([[1, 1]]).matmul(w).sum();
    w.assign([5, 6, 7, 8]);
    expect(() => loss.backward()).toThrow(/backward: 'W' \(input 1\) of 'matmul' .*was modified in place .*after the forward pass used it/);
  });
  it('a view of the written tensor counts too, and a fresh forward is fine', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    const y = w.mul(w.slice([[0, 2]]).sum());
    w.assign([1, 1, 1]);
    expect(() => y.sum().backward()).toThrow(/modified in place/);
    w.mul(2).sum().backward();
    expect(w.grad!.toArray()).toEqual([2, 2, 2]);
  });
});

describe('printing', () => {
  it('console.log and util.inspect print a tensor like numpy, not its internals', () => {
    expect(inspect(tensor([[1, 2], [3, 4]]))).toBe('tensor([[1., 2.],\n        [3., 4.]])');
  });
});
