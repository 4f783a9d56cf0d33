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
