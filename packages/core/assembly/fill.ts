// A tensor filled with one value (zeros, full, the zeros a concat or a slice's gradient starts
// from) in the module's memory. TypedArray.prototype.fill on a shared memory stores element by
// element (78,400 float32: 38 µs, against 3 on ordinary memory).

function fill<T>(n: i32, value: T, dst: usize): void {
  const bytes = <usize>sizeof<T>();
  const lanes = 16 / <i32>bytes;
  const v = sizeof<T>() == 4 ? f32x4.splat(<f32>value) : f64x2.splat(<f64>value);
  let i = 0;
  for (; i + 4 * lanes <= n; i += 4 * lanes) {
    const o = dst + <usize>i * bytes;
    v128.store(o, v);
    v128.store(o, v, 16);
    v128.store(o, v, 32);
    v128.store(o, v, 48);
  }
  for (; i < n; i++) store<T>(dst + <usize>i * bytes, value);
}

export function fillF32(n: i32, value: f32, dst: usize): void {
  fill<f32>(n, value, dst);
}

export function fillF64(n: i32, value: f64, dst: usize): void {
  fill<f64>(n, value, dst);
}
