// c = a·B for a single row a (batch-1 inference: x·W for one sample). The packed kernel
// (matmul.ts) copies all of B into panels to reuse it across four-row panels of A; for one row
// that copy costs more than the product and three of the four rows are padding. Here B is read
// once where it lies (its rows contiguous), 32 f32 (16 f64) columns of c at a time kept in
// registers while the k rows of B stream by. Every product is formed, so 0·Inf gives NaN as the
// reference does.

import { at, madd, splatLoad } from './simd';

/** c[0, n) = a (k elements, stride acs) · B (k×n, rows brs apart, columns contiguous). */
export function rowProduct<T>(n: i32, k: i32, a: usize, acs: i32, b: usize, brs: i32, c: usize): void {
  const lanes = 16 / <i32>sizeof<T>();
  const aStep = at<T>(0, acs);
  const bStep = at<T>(0, brs);
  let j = 0;
  for (; j + 8 * lanes <= n; j += 8 * lanes) {
    let c0 = i64x2.splat(0), c1 = i64x2.splat(0), c2 = i64x2.splat(0), c3 = i64x2.splat(0);
    let c4 = i64x2.splat(0), c5 = i64x2.splat(0), c6 = i64x2.splat(0), c7 = i64x2.splat(0);
    let ap = a;
    let bp = at<T>(b, j);
    for (let p = 0; p < k; p++) {
      const x = splatLoad<T>(ap);
      c0 = madd<T>(c0, x, v128.load(bp));
      c1 = madd<T>(c1, x, v128.load(bp, 16));
      c2 = madd<T>(c2, x, v128.load(bp, 32));
      c3 = madd<T>(c3, x, v128.load(bp, 48));
      c4 = madd<T>(c4, x, v128.load(bp, 64));
      c5 = madd<T>(c5, x, v128.load(bp, 80));
      c6 = madd<T>(c6, x, v128.load(bp, 96));
      c7 = madd<T>(c7, x, v128.load(bp, 112));
      ap += aStep;
      bp += bStep;
    }
    const out = at<T>(c, j);
    v128.store(out, c0);
    v128.store(out, c1, 16);
    v128.store(out, c2, 32);
    v128.store(out, c3, 48);
    v128.store(out, c4, 64);
    v128.store(out, c5, 80);
    v128.store(out, c6, 96);
    v128.store(out, c7, 112);
  }
  for (; j + lanes <= n; j += lanes) {
    let c0 = i64x2.splat(0);
    let ap = a;
    let bp = at<T>(b, j);
    for (let p = 0; p < k; p++) {
      c0 = madd<T>(c0, splatLoad<T>(ap), v128.load(bp));
      ap += aStep;
      bp += bStep;
    }
    v128.store(at<T>(c, j), c0);
  }
  for (; j < n; j++) {
    let sum: T = 0;
    let ap = a;
    let bp = at<T>(b, j);
    for (let p = 0; p < k; p++) {
      sum += load<T>(ap) * load<T>(bp);
      ap += aStep;
      bp += bStep;
    }
    store<T>(at<T>(c, j), sum);
  }
}
