import { describe, expect, it } from 'vitest';
import {
  binaryCrossEntropyWithLogits,
  clone,
  elu,
  gelu,
  leakyRelu,
  logsumexp,
  maxPool2d,
  norm,
  pow,
  softplus,
  tensor,
  type DType,
  type Tensor,
} from '../src/index.js';

// Values at the edges (±∞, NaN, −0, huge, tiny), forward and backward. Reference numbers come
// from Python's math module (math.erf, math.erfc, math.log1p, ...) in float64.

const EDGES = [Infinity, -Infinity, NaN, -0, 0, 1e300, -1e300, 1e-300, -1e-300];

/** f applied to each value alone: its value and its derivative there. */
function valueAndSlope(f: (x: Tensor) => Tensor, x: number, dtype: DType = 'float64'): [number, number] {
  const t = tensor([x], { dtype, requiresGrad: true });
  const y = f(t);
  y.sum().backward();
  return [y.values()[0]!, t.grad!.values()[0]!];
}

function expectRelative(actual: number, expected: number, tolerance = 1e-13): void {
  if (expected === 0 || !Number.isFinite(expected)) expect(actual).toBe(expected);
  else expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(tolerance);
}

describe('the smooth elementwise ops at the edges', () => {
  it('sin and cos: −0 kept by sin, NaN at ±∞, bounded at ±1e300', () => {
    expect(Object.is(valueAndSlope((x) => x.sin(), -0)[0], -0)).toBe(true);
    expect(valueAndSlope((x) => x.cos(), -0)).toEqual([1, 0]);
    for (const x of [Infinity, -Infinity, NaN]) {
      expect(valueAndSlope((t) => t.sin(), x)[0]).toBeNaN();
      expect(valueAndSlope((t) => t.cos(), x)[0]).toBeNaN();
    }
    for (const x of [1e300, -1e300]) expect(Math.abs(valueAndSlope((t) => t.sin(), x)[0])).toBeLessThanOrEqual(1);
    expect(valueAndSlope((x) => x.sin(), 1e-300)).toEqual([1e-300, 1]);
  });

  it('log1p and expm1: exact for tiny arguments, their limits at the ends', () => {
    expect(valueAndSlope((x) => x.log1p(), 1e-300)).toEqual([1e-300, 1]);
    expect(valueAndSlope((x) => x.expm1(), 1e-300)).toEqual([1e-300, 1]);
    expect(Object.is(valueAndSlope((x) => x.log1p(), -0)[0], -0)).toBe(true);
    expect(Object.is(valueAndSlope((x) => x.expm1(), -0)[0], -0)).toBe(true);
    expect(valueAndSlope((x) => x.log1p(), -1)).toEqual([-Infinity, Infinity]);
    expect(valueAndSlope((x) => x.log1p(), -1.5)[0]).toBeNaN();
    expect(valueAndSlope((x) => x.log1p(), Infinity)).toEqual([Infinity, 0]);
    expect(valueAndSlope((x) => x.expm1(), -Infinity)).toEqual([-1, 0]);
    expect(valueAndSlope((x) => x.expm1(), 1000)).toEqual([Infinity, Infinity]);
  });

  it('erf: Python\'s values, odd (−0 kept), ±1 at ±∞ with slope 0', () => {
    const python: Array<[number, number]> = [
      [-3, -0.9999779095030014],
      [-0.5, -0.5204998778130465],
      [0.25, 0.2763263901682369],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [4.5, 0.9999999998033839],
      [1e-300, 1.1283791670955126e-300],
    ];
    for (const [x, y] of python) expectRelative(valueAndSlope((t) => t.erf(), x)[0], y, 1e-15);
    expect(Object.is(valueAndSlope((x) => x.erf(), -0)[0], -0)).toBe(true);
    expect(valueAndSlope((x) => x.erf(), Infinity)).toEqual([1, 0]);
    expect(valueAndSlope((x) => x.erf(), -Infinity)).toEqual([-1, 0]);
    expect(valueAndSlope((x) => x.erf(), NaN)[0]).toBeNaN();
  });

  it('softplus: no overflow, no log of 0, slope σ(x) even at ±∞', () => {
    expect(valueAndSlope((x) => x.softplus(), Infinity)).toEqual([Infinity, 1]);
    expect(valueAndSlope((x) => x.softplus(), -Infinity)).toEqual([0, 0]);
    expect(valueAndSlope((x) => x.softplus(), 1000)).toEqual([1000, 1]);
    expect(valueAndSlope((x) => x.softplus(), -1000)).toEqual([0, 0]);
    expectRelative(valueAndSlope((x) => x.softplus(), -30)[0], 9.357622968839737e-14);
    expectRelative(valueAndSlope((x) => x.softplus(), 0)[0], 0.6931471805599453);
    expectRelative(valueAndSlope((x) => x.softplus(), 2.5)[0], 2.5788897342925496);
    expect(valueAndSlope((x) => softplus(x, 2), 1000)).toEqual([1000, 1]);
    expect(valueAndSlope((x) => x.softplus(), NaN)[0]).toBeNaN();
    expect(valueAndSlope((x) => x.softplus(), 100, 'float32')).toEqual([100, 1]);
  });

  it('gelu (both forms): Python\'s values, the tails without cancellation, slopes 1 and 0 at ±∞', () => {
    const python: Array<[number, number, number]> = [
      [-10, -7.619853024160593e-23, -1.2040923482098023e-37],
      [-3, -0.004049694094890287, -0.003637392081773019],
      [-1, -0.15865525393145707, -0.15880800939172326],
      [0.5, 0.34573123063700656, 0.34571400982514394],
      [3, 2.99595030590511, 2.9963626079182273],
    ];
    for (const [x, exact, approximate] of python) {
      expectRelative(valueAndSlope((t) => t.gelu(), x)[0], exact);
      expectRelative(valueAndSlope((t) => gelu(t, 'tanh'), x)[0], approximate);
    }
    for (const form of ['none', 'tanh'] as const) {
      const f = (t: Tensor) => gelu(t, form);
      expect(valueAndSlope(f, Infinity)).toEqual([Infinity, 1]);
      const [atMinusInfinity, slope] = valueAndSlope(f, -Infinity);
      expect(atMinusInfinity).toBe(-0);
      // gelu′(−30) ≈ −6e−195 (the erf form keeps it), the value at the clamp.
      expect(Math.abs(slope)).toBeLessThan(1e-190);
      expect(valueAndSlope(f, 1e300)).toEqual([1e300, 1]);
      expect(Object.is(valueAndSlope(f, -0)[0], -0)).toBe(true);
      expect(Math.abs(valueAndSlope(f, -1e300)[1])).toBeLessThan(1e-190);
      expect(valueAndSlope(f, NaN)[0]).toBeNaN();
    }
  });

  it('leakyRelu and elu: no NaN from the branch not taken', () => {
    for (const x of EDGES.filter((v) => !Number.isNaN(v))) {
      const [y, dy] = valueAndSlope((t) => elu(t, 0.5), x);
      expect(Number.isNaN(y) || Number.isNaN(dy)).toBe(false);
      const [z, dz] = valueAndSlope((t) => leakyRelu(t, 0.1), x);
      expect(Number.isNaN(z) || Number.isNaN(dz)).toBe(false);
    }
    expect(valueAndSlope((t) => t.elu(), Infinity)).toEqual([Infinity, 1]);
    expect(valueAndSlope((t) => elu(t, 0.5), -Infinity)).toEqual([-0.5, 0]);
    expect(valueAndSlope((t) => t.elu(), 1000)).toEqual([1000, 1]);
    expect(valueAndSlope((t) => t.elu(), 0)).toEqual([0, 1]);
    expect(valueAndSlope((t) => leakyRelu(t, 0.1), -Infinity)).toEqual([-Infinity, 0.1]);
    expect(Object.is(valueAndSlope((t) => t.leakyRelu(), -0)[0], -0)).toBe(true);
    expect(valueAndSlope((t) => t.elu(), NaN)[0]).toBeNaN();
    expect(valueAndSlope((t) => t.leakyRelu(), NaN)[0]).toBeNaN();
  });
});

describe('the composed ops at the edges', () => {
  it('logsumexp: no overflow at ±1000, −∞ for a row of −∞, ∞ with an ∞', () => {
    const y = logsumexp(tensor([[1000, 1000], [-Infinity, -Infinity], [Infinity, 1], [-1000, -1000]]), 1);
    expect(Array.from(y.values())).toEqual([1000 + Math.LN2, -Infinity, Infinity, -1000 + Math.LN2]);
    const a = tensor([[1000, 1000], [-1000, -1000]], { requiresGrad: true });
    logsumexp(a, 1).sum().backward();
    expect(a.grad!.toArray()).toEqual([[0.5, 0.5], [0.5, 0.5]]);
  });

  it('norm: no overflow for huge entries, no underflow for tiny ones, ∞ and NaN carried', () => {
    expectRelative(norm(tensor([1e200, 1e200])).item(), Math.SQRT2 * 1e200);
    expectRelative(norm(tensor([3e-200, 4e-200])).item(), 5e-200);
    expect(norm(tensor([Infinity, 1])).item()).toBe(Infinity);
    expect(norm(tensor([NaN, 1])).item()).toBeNaN();
    const a = tensor([3e-200, -4e-200], { requiresGrad: true });
    norm(a).backward();
    expect(Array.from(a.grad!.values()).map((v) => Number(v.toFixed(12)))).toEqual([0.6, -0.8]);
  });

  it('binaryCrossEntropyWithLogits: exact at logits of ±1000, gradient σ(A) − Y', () => {
    const logits = tensor([1000, -1000, 1000, -1000], { requiresGrad: true });
    const targets = tensor([0, 1, 1, 0]);
    const loss = binaryCrossEntropyWithLogits(logits, targets, 'none');
    expect(Array.from(loss.values())).toEqual([1000, 1000, 0, 0]);
    loss.sum().backward();
    expect(Array.from(logits.grad!.values())).toEqual([1, -1, 0, 0]);
  });

  it('clone copies every edge value bit for bit into a buffer of its own, and passes every gradient through', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const x = tensor(EDGES, { dtype, requiresGrad: true });
      const y = clone(x);
      expect(y.dtype).toBe(dtype);
      const rounded = Array.from(dtype === 'float32' ? Float32Array.from(EDGES) : EDGES);
      Array.from(y.values()).forEach((v, i) => expect(Object.is(v, rounded[i]), `${dtype} entry ${i}: ${v}`).toBe(true));
      y.backward({ gradient: tensor(EDGES, { dtype }) });
      Array.from(x.grad!.values()).forEach((v, i) => expect(Object.is(v, rounded[i]), `${dtype} gradient ${i}: ${v}`).toBe(true));
      y.assign(new Array<number>(EDGES.length).fill(7));
      Array.from(x.values()).forEach((v, i) => expect(Object.is(v, rounded[i]), `${dtype} entry ${i} after writing to the copy`).toBe(true));
    }
  });

  it('maxPool2d: −∞ is a value like others, NaN in a window gives NaN there and a NaN gradient to it', () => {
    const x = tensor([[[[-Infinity, -Infinity, 1, NaN], [-Infinity, -Infinity, 2, 0]]]], { requiresGrad: true });
    const y = maxPool2d(x, 2);
    expect(Array.from(y.values())).toEqual([-Infinity, NaN]);
    y.sum().backward();
    // The all −∞ window: four ties share the gradient.
    expect(Array.from(x.grad!.values())).toEqual([0.25, 0.25, NaN, NaN, 0.25, 0.25, NaN, NaN]);
  });

  it('pow with a tensor exponent: the exponent\'s gradient at base 0 is 0, not NaN', () => {
    const base = tensor([0, 0, 2], { requiresGrad: true });
    const exponent = tensor([2, 0, 3], { requiresGrad: true });
    const y = pow(base, exponent);
    expect(Array.from(y.values())).toEqual([0, 1, 8]);
    y.sum().backward();
    expect(Array.from(exponent.grad!.values())).toEqual([0, 0, 8 * Math.log(2)]);
    // d(0^0)/dbase is taken as 0 as well (the exponent 0 makes the base irrelevant).
    expect(Array.from(base.grad!.values())).toEqual([0, 0, 12]);
  });
});
