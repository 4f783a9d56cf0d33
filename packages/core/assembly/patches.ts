// im2col and col2im (see backends/cpu/patches.ts for the layout): the JavaScript loops copy one
// element at a time, here a whole run of a stride-1 row is one memory.copy. Measured with the
// copies in and out of this module's memory: about 3× faster than the JavaScript loops on the
// CNN's images (benchmark README). All pointers are byte addresses; sizes are in elements.

import { at } from './simd';

function fill<T>(dst: usize, from: i32, to: i32, value: T): void {
  for (let k = from; k < to; k++) store<T>(at<T>(dst, k), value);
}

function im2col<T>(n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, pad: T, src: usize, dst: usize): void {
  const oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
  const ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
  const columns = n * oh * ow;
  for (let ch = 0; ch < c; ch++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = ((ch * kh + ki) * kw + kj) * columns;
        const ix0 = kj * dw - pw;
        const first = ix0 >= 0 ? 0 : min(ow, (-ix0 + sw - 1) / sw);
        const last = max(first, min(ow, (w - ix0 + sw - 1) / sw));
        for (let img = 0; img < n; img++) {
          const plane = (img * c + ch) * h * w;
          for (let y = 0; y < oh; y++) {
            const iy = y * sh - ph + ki * dh;
            const o = row + (img * oh + y) * ow;
            if (iy < 0 || iy >= h) {
              fill<T>(dst, o, o + ow, pad);
              continue;
            }
            const base = plane + iy * w + ix0;
            fill<T>(dst, o, o + first, pad);
            if (sw == 1) {
              memory.copy(at<T>(dst, o + first), at<T>(src, base + first), <usize>(last - first) * sizeof<T>());
            } else {
              for (let k = first; k < last; k++) store<T>(at<T>(dst, o + k), load<T>(at<T>(src, base + k * sw)));
            }
            fill<T>(dst, o + last, o + ow, pad);
          }
        }
      }
    }
  }
}

function col2im<T>(n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, src: usize, dst: usize): void {
  const oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
  const ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
  const columns = n * oh * ow;
  memory.fill(dst, 0, <usize>(n * c * h * w) * sizeof<T>());
  for (let ch = 0; ch < c; ch++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = ((ch * kh + ki) * kw + kj) * columns;
        const ix0 = kj * dw - pw;
        const first = ix0 >= 0 ? 0 : min(ow, (-ix0 + sw - 1) / sw);
        const last = max(first, min(ow, (w - ix0 + sw - 1) / sw));
        for (let img = 0; img < n; img++) {
          const plane = (img * c + ch) * h * w;
          for (let y = 0; y < oh; y++) {
            const iy = y * sh - ph + ki * dh;
            if (iy < 0 || iy >= h) continue;
            const o = row + (img * oh + y) * ow;
            const base = plane + iy * w + ix0;
            for (let k = first; k < last; k++) {
              const p = at<T>(dst, base + k * sw);
              store<T>(p, load<T>(p) + load<T>(at<T>(src, o + k)));
            }
          }
        }
      }
    }
  }
}

export function im2colF32(n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, pad: f32, src: usize, dst: usize): void {
  im2col<f32>(n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, pad, src, dst);
}

export function im2colF64(n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, pad: f64, src: usize, dst: usize): void {
  im2col<f64>(n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, pad, src, dst);
}

export function col2imF32(n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, src: usize, dst: usize): void {
  col2im<f32>(n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, src, dst);
}

export function col2imF64(n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, src: usize, dst: usize): void {
  col2im<f64>(n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, src, dst);
}
