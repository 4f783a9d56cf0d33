// y ← y + α·x over contiguous arrays: the update step of gradient descent (w ← w − η·g)
// and of gradient accumulation, four f32 or two f64 lanes at a time.

/** Returns whether y is free of Inf and NaN afterwards: v − v is +0 for every finite v and NaN
 *  otherwise, so an or of those bits is zero exactly when all are finite (one more instruction
 *  a vector in a loop bound by memory). A product then need not check the weights it multiplies
 *  by next (see sparse-product.ts). */
function axpy<T>(n: i32, alpha: T, x: usize, y: usize): bool {
  const bytes = <usize>sizeof<T>();
  const lanes = 16 / <i32>bytes;
  const a = sizeof<T>() == 4 ? f32x4.splat(<f32>alpha) : f64x2.splat(<f64>alpha);
  let notFinite = i64x2.splat(0);
  let i = 0;
  for (; i + lanes <= n; i += lanes) {
    const o = <usize>i * bytes;
    const v = v128.load(x + o);
    const w = v128.load(y + o);
    const updated = sizeof<T>() == 4 ? f32x4.add(w, f32x4.mul(a, v)) : f64x2.add(w, f64x2.mul(a, v));
    v128.store(y + o, updated);
    notFinite = v128.or(notFinite, sizeof<T>() == 4 ? f32x4.sub(updated, updated) : f64x2.sub(updated, updated));
  }
  let tail: T = 0;
  for (; i < n; i++) {
    const o = <usize>i * bytes;
    const updated: T = load<T>(y + o) + alpha * load<T>(x + o);
    store<T>(y + o, updated);
    tail += updated - updated;
  }
  return !v128.any_true(notFinite) && tail == 0;
}

/** axpy (above) of float32 arrays; returns 1 where y is all finite afterwards, else 0. */
export function axpyF32(n: i32, alpha: f32, x: usize, y: usize): i32 {
  return <i32>axpy<f32>(n, alpha, x, y);
}

/** axpy (above) of float64 arrays; returns 1 where y is all finite afterwards, else 0. */
export function axpyF64(n: i32, alpha: f64, x: usize, y: usize): i32 {
  return <i32>axpy<f64>(n, alpha, x, y);
}
