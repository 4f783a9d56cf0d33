// Helpers the kernels share; T is f32 or f64, and every branch on sizeof<T>() is resolved at
// compile time. Not exported from the module (index.ts): they are inlined where used.

/** The byte address of element `index` of an array of T at `base`. */
// @ts-ignore: decorator
@inline export function at<T>(base: usize, index: i32): usize {
  return base + (<usize>index) * sizeof<T>();
}

/** The T at `ptr` in every lane. */
// @ts-ignore: decorator
@inline export function splatLoad<T>(ptr: usize): v128 {
  if (sizeof<T>() == 4) return v128.load32_splat(ptr);
  return v128.load64_splat(ptr);
}

// @ts-ignore: decorator
@inline export function add<T>(x: v128, y: v128): v128 {
  if (sizeof<T>() == 4) return f32x4.add(x, y);
  return f64x2.add(x, y);
}

/** c + a·b lane-wise, rounded twice (SIMD128 has no fused multiply-add; relaxed SIMD is not in Node 20). */
// @ts-ignore: decorator
@inline export function madd<T>(c: v128, a: v128, b: v128): v128 {
  if (sizeof<T>() == 4) return f32x4.add(c, f32x4.mul(a, b));
  return f64x2.add(c, f64x2.mul(a, b));
}

/** Stores the 4×4 block of 32-bit lanes whose columns are v0..v3 as its four rows, `stride`
 *  bytes apart from dst on. */
// @ts-ignore: decorator
@inline export function storeTransposed4x4(v0: v128, v1: v128, v2: v128, v3: v128, dst: usize, stride: usize): void {
  const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
  v128.store(dst, i64x2.shuffle(t0, t2, 0, 2));
  v128.store(dst + stride, i64x2.shuffle(t0, t2, 1, 3));
  v128.store(dst + 2 * stride, i64x2.shuffle(t1, t3, 0, 2));
  v128.store(dst + 3 * stride, i64x2.shuffle(t1, t3, 1, 3));
}

/** The same for the 2×2 block of 64-bit lanes whose columns are v0 and v1. */
// @ts-ignore: decorator
@inline export function storeTransposed2x2(v0: v128, v1: v128, dst: usize, stride: usize): void {
  v128.store(dst, i64x2.shuffle(v0, v1, 0, 2));
  v128.store(dst + stride, i64x2.shuffle(v0, v1, 1, 3));
}

/** Whether the rows×cols values at `ptr` (rows `rowStride` elements apart, each contiguous) hold
 *  no Inf or NaN. A sum that takes in an Inf or a NaN is never finite; a finite sum that
 *  overflows answers false too, which only costs the callers a shortcut they may not take. */
export function allFinite<T>(rows: i32, cols: i32, ptr: usize, rowStride: i32): bool {
  const lanes = 16 / <i32>sizeof<T>();
  let s0 = i64x2.splat(0), s1 = i64x2.splat(0), s2 = i64x2.splat(0), s3 = i64x2.splat(0);
  let tail: T = 0;
  for (let p = 0; p < rows; p++) {
    const row = at<T>(ptr, p * rowStride);
    let j = 0;
    for (; j + 4 * lanes <= cols; j += 4 * lanes) {
      const q = at<T>(row, j);
      s0 = add<T>(s0, v128.load(q));
      s1 = add<T>(s1, v128.load(q, 16));
      s2 = add<T>(s2, v128.load(q, 32));
      s3 = add<T>(s3, v128.load(q, 48));
    }
    for (; j + lanes <= cols; j += lanes) s0 = add<T>(s0, v128.load(at<T>(row, j)));
    for (; j < cols; j++) tail += load<T>(at<T>(row, j));
  }
  const s = add<T>(add<T>(s0, s1), add<T>(s2, s3));
  if (sizeof<T>() == 4) {
    const total = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3) + <f32>tail;
    return total - total == 0;
  }
  const total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1) + <f64>tail;
  return total - total == 0;
}
