// Elementwise rows over tensors in this module's memory (the wasm backend keeps them here):
// out[k] = a[k·as] op b[k·bs] for k < n, row after row, where each of as and bs is 1 (contiguous) or 0 (one
// value broadcast along the row), and ReLU. The results are the bits JavaScript's loops give:
// IEEE single and double arithmetic is correctly rounded either way, ReLU keeps a NaN's bits
// and turns −0 into +0, and the mask multiplies (so ∞·0 is NaN, as mul by a mask gives).

import { splatLoad } from './simd';

// Operation codes, in the order of BINARY_ROW_OPS in backends/wasm/wasm-kernels.ts.
const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;
const MASK_POSITIVE = 4;

// @ts-ignore: decorator
@inline function vop<T>(op: i32, x: v128, y: v128): v128 {
  if (sizeof<T>() == 4) {
    if (op == ADD) return f32x4.add(x, y);
    if (op == SUB) return f32x4.sub(x, y);
    if (op == MUL) return f32x4.mul(x, y);
    if (op == DIV) return f32x4.div(x, y);
    // [y > 0] as 1.0 or 0.0: the comparison's all-ones lanes and-ed with the bits of 1.0.
    return f32x4.mul(x, v128.and(f32x4.gt(y, f32x4.splat(0)), f32x4.splat(1)));
  }
  if (op == ADD) return f64x2.add(x, y);
  if (op == SUB) return f64x2.sub(x, y);
  if (op == MUL) return f64x2.mul(x, y);
  if (op == DIV) return f64x2.div(x, y);
  return f64x2.mul(x, v128.and(f64x2.gt(y, f64x2.splat(0)), f64x2.splat(1)));
}

// @ts-ignore: decorator
@inline function sop<T>(op: i32, x: T, y: T): T {
  if (op == ADD) return x + y;
  if (op == SUB) return x - y;
  if (op == MUL) return x * y;
  if (op == DIV) return x / y;
  return x * <T>(y > 0 ? 1 : 0);
}

function binaryRow<T>(op: i32, n: i32, a: usize, as: i32, b: usize, bs: i32, out: usize): void {
  const size = <usize>sizeof<T>();
  const lanes = 16 / <i32>size;
  let k = 0;
  // One branch per row, so that each loop below is a single straight SIMD loop.
  if (as == 1 && bs == 1) {
    for (; k + lanes <= n; k += lanes) {
      const o = <usize>k * size;
      v128.store(out + o, vop<T>(op, v128.load(a + o), v128.load(b + o)));
    }
  } else if (as == 1) {
    const y = splatLoad<T>(b);
    for (; k + lanes <= n; k += lanes) {
      const o = <usize>k * size;
      v128.store(out + o, vop<T>(op, v128.load(a + o), y));
    }
  } else if (bs == 1) {
    const x = splatLoad<T>(a);
    for (; k + lanes <= n; k += lanes) {
      const o = <usize>k * size;
      v128.store(out + o, vop<T>(op, x, v128.load(b + o)));
    }
  }
  for (; k < n; k++) {
    store<T>(out + <usize>k * size, sop<T>(op, load<T>(a + <usize>(k * as) * size), load<T>(b + <usize>(k * bs) * size)));
  }
}

/** `rows` rows, one after another, each `rowBytes` further on in its array (0 repeats a row: a
 *  bias added to every row, or a running sum that every row of a matrix is added into). */
function binaryRows<T>(op: i32, rows: i32, n: i32, a: usize, aRowBytes: i32, as: i32, b: usize, bRowBytes: i32, bs: i32, out: usize, outRowBytes: i32): void {
  for (let r = 0; r < rows; r++) {
    binaryRow<T>(op, n, a + <usize>(r * aRowBytes), as, b + <usize>(r * bRowBytes), bs, out + <usize>(r * outRowBytes));
  }
}

export function binaryRowsF32(op: i32, rows: i32, n: i32, a: usize, aRowBytes: i32, as: i32, b: usize, bRowBytes: i32, bs: i32, out: usize, outRowBytes: i32): void {
  binaryRows<f32>(op, rows, n, a, aRowBytes, as, b, bRowBytes, bs, out, outRowBytes);
}

export function binaryRowsF64(op: i32, rows: i32, n: i32, a: usize, aRowBytes: i32, as: i32, b: usize, bRowBytes: i32, bs: i32, out: usize, outRowBytes: i32): void {
  binaryRows<f64>(op, rows, n, a, aRowBytes, as, b, bRowBytes, bs, out, outRowBytes);
}

/** max(x, 0) on the bits: a negative number (sign bit set, not a NaN) becomes +0; everything
 *  else, NaNs with either sign included, keeps its bits. */
function reluRow<T>(n: i32, x: usize, out: usize): void {
  const size = <usize>sizeof<T>();
  const lanes = 16 / <i32>size;
  let k = 0;
  for (; k + lanes <= n; k += lanes) {
    const o = <usize>k * size;
    const v = v128.load(x + o);
    // Keep lanes that are not below zero: x ≥ 0 is false for negatives and for NaN, so NaN is
    // kept through x ≠ x. Negative lanes and −0 come out as +0.
    const keep = sizeof<T>() == 4 ? v128.or(f32x4.gt(v, f32x4.splat(0)), f32x4.ne(v, v)) : v128.or(f64x2.gt(v, f64x2.splat(0)), f64x2.ne(v, v));
    v128.store(out + o, v128.and(v, keep));
  }
  for (; k < n; k++) {
    const o = <usize>k * size;
    const v = load<T>(x + o);
    store<T>(out + o, v > 0 || v != v ? v : <T>0);
  }
}

export function reluRowF32(n: i32, x: usize, out: usize): void {
  reluRow<f32>(n, x, out);
}

export function reluRowF64(n: i32, x: usize, out: usize): void {
  reluRow<f64>(n, x, out);
}
