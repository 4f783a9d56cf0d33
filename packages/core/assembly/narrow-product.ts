// C = A·B for a B of few columns: a classifier's last layer, h·W₂ with 10 logits, and its weight
// gradient hᵀ·Δ. The packed kernel (matmul.ts) computes C in tiles of 8 f32 columns, so 10
// columns take two tiles, the second staged through scratch, after A has been copied into panels.
// Here B is copied once, each row zero-padded to whole vectors (at most NARROW_VECTORS), and
// rows of C are summed a few at a time straight from A. The sums are associated as the packed
// kernel's are: k cut into the same blocks, each summed from +0 in k order and then added to C;
// every product is formed (no zero is skipped), which gives the same bits, since a skipped
// product of a zero with a finite value only ever adds ±0 to a sum that started at +0.

import { add, at, madd, splatLoad } from './simd';

/** The most v128 vectors of C's columns this path takes. Three rows of two vectors, or two rows
 *  of three, keep their accumulators, a row of B and a splat of A in registers; three rows of
 *  three (nine accumulators) made V8 spill, and 100×100×10 ran 12 µs against 4 for 100×100×8. */
export const NARROW_VECTORS: i32 = 3;

// A whose rows are not contiguous (hᵀ in hᵀ·Δ) is read a few elements a cache line; up to this
// size it stays in cache while three rows at a time pass over it, beyond it the packed kernel's
// copy into panels pays.
const NARROW_STRIDED_A_BYTES: i64 = 256 * 1024;

/** Whether C = A·B (m×k times k×n, A's columns acs apart) goes through narrowProduct: n fits
 *  NARROW_VECTORS vectors, the padded copy of B fits `scratchElements`, and A is read along its
 *  rows or is small. */
export function isNarrow<T>(m: i32, n: i32, k: i32, acs: i32, scratchElements: i32): bool {
  const lanes = 16 / <i32>sizeof<T>();
  const vectors = (n + lanes - 1) / lanes;
  if (k < 1 || vectors > NARROW_VECTORS || <i64>k * <i64>(vectors * lanes) > <i64>scratchElements) return false;
  return acs == 1 || <i64>m * <i64>k * sizeof<T>() <= NARROW_STRIDED_A_BYTES;
}

/** C (m×n, rows ldc apart) = A (m×k, any strides) · B (k×n, any strides); `packedB` holds the
 *  padded copy of B and `tile` (NARROW_VECTORS vectors) a partial vector on its way to C. */
export function narrowProduct<T>(m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: i32, blockK: i32, packedB: usize, tile: usize): void {
  const lanes = 16 / <i32>sizeof<T>();
  const vectors = (n + lanes - 1) / lanes;
  const width = vectors * lanes;
  for (let p = 0; p < k; p++) {
    const row = at<T>(packedB, p * width);
    const from = at<T>(b, p * brs);
    for (let j = 0; j < width; j++) store<T>(at<T>(row, j), j < n ? load<T>(at<T>(from, j * bcs)) : <T>0);
  }
  if (vectors == 1) narrowRows<T>(1, 3, m, n, k, a, ars, acs, packedB, c, ldc, blockK, tile);
  else if (vectors == 2) narrowRows<T>(2, 3, m, n, k, a, ars, acs, packedB, c, ldc, blockK, tile);
  else narrowRows<T>(3, 2, m, n, k, a, ars, acs, packedB, c, ldc, blockK, tile);
}

/** narrowProduct with `vectors` vectors a row of packed B, rows of C `rows` (2 or 3) at a time,
 *  then one at a time; both are constants at each call, so that the branches on them go. */
// @ts-ignore: decorator
@inline function narrowRows<T>(vectors: i32, rows: i32, m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, packedB: usize, c: usize, ldc: i32, blockK: i32, tile: usize): void {
  const rowBytes = <usize>(vectors * 16);
  const aStep = at<T>(0, acs);
  let i = 0;
  for (; i + rows <= m; i += rows) {
    for (let pc = 0; pc < k; pc += blockK) {
      const steps = min(blockK, k - pc);
      let c00 = i64x2.splat(0), c01 = i64x2.splat(0), c02 = i64x2.splat(0);
      let c10 = i64x2.splat(0), c11 = i64x2.splat(0), c12 = i64x2.splat(0);
      let c20 = i64x2.splat(0), c21 = i64x2.splat(0), c22 = i64x2.splat(0);
      let a0 = at<T>(a, i * ars + pc * acs);
      let a1 = at<T>(a0, ars);
      let a2 = rows > 2 ? at<T>(a1, ars) : a1;
      let bp = packedB + <usize>pc * rowBytes;
      for (let p = 0; p < steps; p++) {
        const b0 = v128.load(bp);
        const b1 = vectors > 1 ? v128.load(bp, 16) : b0;
        const b2 = vectors > 2 ? v128.load(bp, 32) : b0;
        let x = splatLoad<T>(a0);
        c00 = madd<T>(c00, x, b0);
        if (vectors > 1) c01 = madd<T>(c01, x, b1);
        if (vectors > 2) c02 = madd<T>(c02, x, b2);
        x = splatLoad<T>(a1);
        c10 = madd<T>(c10, x, b0);
        if (vectors > 1) c11 = madd<T>(c11, x, b1);
        if (vectors > 2) c12 = madd<T>(c12, x, b2);
        if (rows > 2) {
          x = splatLoad<T>(a2);
          c20 = madd<T>(c20, x, b0);
          if (vectors > 1) c21 = madd<T>(c21, x, b1);
          if (vectors > 2) c22 = madd<T>(c22, x, b2);
        }
        a0 += aStep;
        a1 += aStep;
        if (rows > 2) a2 += aStep;
        bp += rowBytes;
      }
      const accumulate = pc > 0;
      storeRow<T>(vectors, n, c00, c01, c02, at<T>(c, i * ldc), accumulate, tile);
      storeRow<T>(vectors, n, c10, c11, c12, at<T>(c, (i + 1) * ldc), accumulate, tile);
      if (rows > 2) storeRow<T>(vectors, n, c20, c21, c22, at<T>(c, (i + 2) * ldc), accumulate, tile);
    }
  }
  for (; i < m; i++) {
    for (let pc = 0; pc < k; pc += blockK) {
      const steps = min(blockK, k - pc);
      let c0 = i64x2.splat(0), c1 = i64x2.splat(0), c2 = i64x2.splat(0);
      let ap = at<T>(a, i * ars + pc * acs);
      let bp = packedB + <usize>pc * rowBytes;
      for (let p = 0; p < steps; p++) {
        const x = splatLoad<T>(ap);
        c0 = madd<T>(c0, x, v128.load(bp));
        if (vectors > 1) c1 = madd<T>(c1, x, v128.load(bp, 16));
        if (vectors > 2) c2 = madd<T>(c2, x, v128.load(bp, 32));
        ap += aStep;
        bp += rowBytes;
      }
      storeRow<T>(vectors, n, c0, c1, c2, at<T>(c, i * ldc), pc > 0, tile);
    }
  }
}

/** Writes the first n lanes of v0, v1, v2 (`vectors` of them) to the row of C at `out`, or adds
 *  them to it (C + v, the packed kernel's order) when `accumulate`; whole vectors directly, the
 *  last partial one through `tile`. */
function storeRow<T>(vectors: i32, n: i32, v0: v128, v1: v128, v2: v128, out: usize, accumulate: bool, tile: usize): void {
  const lanes = 16 / <i32>sizeof<T>();
  const whole = min(vectors, n / lanes);
  if (whole > 0) v128.store(out, accumulate ? add<T>(v128.load(out), v0) : v0);
  if (whole > 1) v128.store(out, accumulate ? add<T>(v128.load(out, 16), v1) : v1, 16);
  if (whole > 2) v128.store(out, accumulate ? add<T>(v128.load(out, 32), v2) : v2, 32);
  if (whole == vectors) return;
  v128.store(tile, whole == 0 ? v0 : whole == 1 ? v1 : v2);
  for (let j = whole * lanes; j < n; j++) {
    const o = at<T>(out, j);
    const v = load<T>(at<T>(tile, j - whole * lanes));
    store<T>(o, accumulate ? load<T>(o) + v : v);
  }
}
