import type { BinaryKernel, UnaryKernel } from '../backend.js';
import type { FloatArray } from '../../kernels/types.js';
import { erf, erfc } from './special.js';

/** out[o..o+n) = f(x[i], x[i+s], ...): one row of an elementwise kernel. The output is always
 *  a fresh row-major buffer; the input may be strided or broadcast (s = 0). */
type UnaryRow = (out: FloatArray, o: number, x: FloatArray, i: number, s: number, n: number) => void;
type BinaryRow = (out: FloatArray, o: number, a: FloatArray, i: number, as: number, b: FloatArray, j: number, bs: number, n: number) => void;

// One explicit loop per kernel: a shared loop calling f(x) per element would not be inlined
// by V8 once it has seen several f, and would run several times slower.
export const UNARY_ROWS: Record<UnaryKernel | 'copy', UnaryRow> = {
  // A contiguous row is one native copy (set converts between dtypes as assignment would).
  copy: (out, o, x, i, s, n) => {
    if (s === 1 && n > 16) out.set(x.subarray(i, i + n), o);
    else for (let k = 0; k < n; k++, i += s) out[o + k] = x[i]!;
  },
  neg: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = -x[i]!; },
  exp: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = Math.exp(x[i]!); },
  log: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = Math.log(x[i]!); },
  sqrt: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = Math.sqrt(x[i]!); },
  // Exact: max(−0, 0) = 0, max(−∞, 0) = 0, NaN stays NaN. float32 takes reluFloat32Row instead.
  relu: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = Math.max(x[i]!, 0); },
  positive: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = +(x[i]! > 0); },
  sigmoid: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = 1 / (1 + Math.exp(-x[i]!)); },
  tanh: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = Math.tanh(x[i]!); },
  sin: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = Math.sin(x[i]!); },
  cos: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = Math.cos(x[i]!); },
  log1p: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = Math.log1p(x[i]!); },
  expm1: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = Math.expm1(x[i]!); },
  erf: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = erf(x[i]!); },
  softplus: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = softplus(x[i]!); },
  gelu: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = gelu(x[i]!); },
  geluTanh: (out, o, x, i, s, n) => { for (let k = 0; k < n; k++, i += s) out[o + k] = geluTanh(x[i]!); },
};

/**
 * relu over float32 elements read as their bits (x and out are Int32Array views of the Float32
 * buffers): V8 compiles Math.max(x, 0) to branches that mispredict on activations of random
 * sign, which measured about 7× slower than this branch-free form. A set sign bit clears the
 * element to +0 (so −0 and −∞ give 0) unless the element is a NaN, which is kept.
 */
export function reluFloat32Row(out: Int32Array, o: number, x: Int32Array, i: number, s: number, n: number): void {
  for (let k = 0; k < n; k++, i += s) {
    const bits = x[i]!;
    const nan = (0x7f800000 - (bits & 0x7fffffff)) >> 31;
    out[o + k] = bits & (~(bits >> 31) | nan);
  }
}

/** log(1 + exp(x)) without overflow: x + log1p(exp(−x)) for positive x. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** x·Φ(x) with Φ(x) = erfc(−x/√2)/2, which keeps the left tail's tiny values; gelu(−∞) = −0
 *  (the limit), where the product would be −∞·0. */
function gelu(x: number): number {
  return x === -Infinity ? -0 : 0.5 * x * erfc(-x * Math.SQRT1_2);
}

const GELU_TANH_SCALE = Math.sqrt(2 / Math.PI);

/** The tanh approximation x·(1 + tanh(u))/2 with u = √(2/π)·(x + 0.044715·x³), written as
 *  x·sigmoid(2u), the same value without the cancellation of 1 + tanh(u) for negative u. */
function geluTanh(x: number): number {
  if (x === -Infinity) return -0;
  const u = GELU_TANH_SCALE * (x + 0.044715 * x * x * x);
  return x / (1 + Math.exp(-2 * u));
}

export const BINARY_ROWS: Record<BinaryKernel, BinaryRow> = {
  add: (out, o, a, i, as, b, j, bs, n) => { for (let k = 0; k < n; k++, i += as, j += bs) out[o + k] = a[i]! + b[j]!; },
  sub: (out, o, a, i, as, b, j, bs, n) => { for (let k = 0; k < n; k++, i += as, j += bs) out[o + k] = a[i]! - b[j]!; },
  mul: (out, o, a, i, as, b, j, bs, n) => { for (let k = 0; k < n; k++, i += as, j += bs) out[o + k] = a[i]! * b[j]!; },
  div: (out, o, a, i, as, b, j, bs, n) => { for (let k = 0; k < n; k++, i += as, j += bs) out[o + k] = a[i]! / b[j]!; },
  pow: (out, o, a, i, as, b, j, bs, n) => { for (let k = 0; k < n; k++, i += as, j += bs) out[o + k] = Math.pow(a[i]!, b[j]!); },
  gt: (out, o, a, i, as, b, j, bs, n) => { for (let k = 0; k < n; k++, i += as, j += bs) out[o + k] = +(a[i]! > b[j]!); },
  ge: (out, o, a, i, as, b, j, bs, n) => { for (let k = 0; k < n; k++, i += as, j += bs) out[o + k] = +(a[i]! >= b[j]!); },
  lt: (out, o, a, i, as, b, j, bs, n) => { for (let k = 0; k < n; k++, i += as, j += bs) out[o + k] = +(a[i]! < b[j]!); },
  le: (out, o, a, i, as, b, j, bs, n) => { for (let k = 0; k < n; k++, i += as, j += bs) out[o + k] = +(a[i]! <= b[j]!); },
  eq: (out, o, a, i, as, b, j, bs, n) => { for (let k = 0; k < n; k++, i += as, j += bs) out[o + k] = +(a[i]! === b[j]!); },
  maskPositive: (out, o, a, i, as, b, j, bs, n) => { for (let k = 0; k < n; k++, i += as, j += bs) out[o + k] = a[i]! * +(b[j]! > 0); },
};
