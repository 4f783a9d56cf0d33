// y ← y + α·x over contiguous arrays: the update step of gradient descent (w ← w − η·g)
// and of gradient accumulation, four f32 or two f64 lanes at a time.

function axpy<T>(n: i32, alpha: T, x: usize, y: usize): void {
  const bytes = <usize>sizeof<T>();
  const lanes = 16 / <i32>bytes;
  const a = sizeof<T>() == 4 ? f32x4.splat(<f32>alpha) : f64x2.splat(<f64>alpha);
  let i = 0;
  for (; i + lanes <= n; i += lanes) {
    const o = <usize>i * bytes;
    const v = v128.load(x + o);
    const w = v128.load(y + o);
    v128.store(y + o, sizeof<T>() == 4 ? f32x4.add(w, f32x4.mul(a, v)) : f64x2.add(w, f64x2.mul(a, v)));
  }
  for (; i < n; i++) {
    const o = <usize>i * bytes;
    store<T>(y + o, load<T>(y + o) + alpha * load<T>(x + o));
  }
}

export function axpyF32(n: i32, alpha: f32, x: usize, y: usize): void {
  axpy<f32>(n, alpha, x, y);
}

export function axpyF64(n: i32, alpha: f64, x: usize, y: usize): void {
  axpy<f64>(n, alpha, x, y);
}
