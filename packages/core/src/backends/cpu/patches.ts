import type { Shape } from '../../shape.js';
import type { Storage } from '../../storage.js';
import type { PatchGeometry } from '../backend.js';
import type { FloatArray } from '../../kernels/types.js';
import { patchCount } from '../../patch-size.js';
import { elementsOf, type Allocate } from './memory.js';

interface Sizes {
  n: number;
  c: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
}

function sizesOf(shape: Shape, g: PatchGeometry): Sizes {
  const [n, c, h, w] = shape as [number, number, number, number];
  return {
    n,
    c,
    h,
    w,
    oh: patchCount(h, g.kernel[0], g.stride[0], g.padding[0], g.dilation[0]),
    ow: patchCount(w, g.kernel[1], g.stride[1], g.padding[1], g.dilation[1]),
  };
}

/** The first and one-past-last output columns ow whose input column ix0 + ow·sw lies in [0, w). */
function inside(ix0: number, sw: number, ow: number, w: number): [number, number] {
  const first = ix0 >= 0 ? 0 : Math.min(ow, Math.ceil(-ix0 / sw));
  const last = Math.max(first, Math.min(ow, Math.ceil((w - ix0) / sw)));
  return [first, last];
}

// Both kernels walk the same loops: for each row (channel c, kernel tap i, j) of col and each
// output row (image n, y), the OW entries of col read (or add to) one image row at
// x = ow·sw − pw + j·dw. The loops are written out in each kernel rather than shared through a
// callback: at tens of thousands of rows per batch the calls cost more than the copying.

/** im2col of row-major images x [N, C, H, W] into [C·kh·kw, N·OH·OW]. */
export function im2col(alloc: Allocate, x: Storage, g: PatchGeometry): Storage {
  const { n, c, h, w, oh, ow } = sizesOf(x.shape, g);
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const pad = g.padValue;
  const columns = n * oh * ow;
  const { storage, data: out } = alloc(x.dtype, [c * kh * kw, columns]);
  const src = elementsOf(x);
  for (let ch = 0; ch < c; ch++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = ((ch * kh + ki) * kw + kj) * columns;
        const ix0 = kj * dw - pw;
        const [first, last] = inside(ix0, sw, ow, w);
        for (let img = 0; img < n; img++) {
          const plane = (img * c + ch) * h * w;
          for (let y = 0; y < oh; y++) {
            const iy = y * sh - ph + ki * dh;
            const at = row + (img * oh + y) * ow;
            if (iy < 0 || iy >= h) {
              for (let k = 0; k < ow; k++) out[at + k] = pad;
              continue;
            }
            const base = plane + iy * w + ix0;
            for (let k = 0; k < first; k++) out[at + k] = pad;
            for (let k = first; k < last; k++) out[at + k] = src[base + k * sw]!;
            for (let k = last; k < ow; k++) out[at + k] = pad;
          }
        }
      }
    }
  }
  return storage;
}

/** col2im of row-major columns [C·kh·kw, N·OH·OW] into images of `imageShape` [N, C, H, W]. */
export function col2im(alloc: Allocate, col: Storage, g: PatchGeometry, imageShape: Shape): Storage {
  const { n, c, h, w, oh, ow } = sizesOf(imageShape, g);
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const columns = n * oh * ow;
  const { storage, data: out } = alloc(col.dtype, imageShape);
  out.fill(0);
  const src = elementsOf(col);
  for (let ch = 0; ch < c; ch++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = ((ch * kh + ki) * kw + kj) * columns;
        const ix0 = kj * dw - pw;
        const [first, last] = inside(ix0, sw, ow, w);
        for (let img = 0; img < n; img++) {
          const plane = (img * c + ch) * h * w;
          for (let y = 0; y < oh; y++) {
            const iy = y * sh - ph + ki * dh;
            if (iy < 0 || iy >= h) continue;
            const at = row + (img * oh + y) * ow;
            const base = plane + iy * w + ix0;
            for (let k = first; k < last; k++) out[base + k * sw]! += src[at + k]!;
          }
        }
      }
    }
  }
  return storage;
}

/** Side-by-side 2×2 windows (stride 2, no padding or dilation): the usual pooling of a CNN. */
export function isPlainPairs(g: PatchGeometry): boolean {
  return g.kernel[0] === 2 && g.kernel[1] === 2 && g.stride[0] === 2 && g.stride[1] === 2 && g.padding[0] === 0 && g.padding[1] === 0 && g.dilation[0] === 1 && g.dilation[1] === 1;
}

/** maxPool2d for plain 2×2 windows: four reads per output, no bounds to check. */
function maxPoolPairs(out: FloatArray, src: FloatArray, planes: number, h: number, w: number, oh: number, ow: number): void {
  let at = 0;
  for (let plane = 0; plane < planes * h * w; plane += h * w) {
    for (let y = 0; y < oh; y++) {
      const top = plane + 2 * y * w;
      for (let z = 0; z < ow; z++, at++) {
        const a = src[top + 2 * z]!;
        const b = src[top + 2 * z + 1]!;
        const c = src[top + w + 2 * z]!;
        const d = src[top + w + 2 * z + 1]!;
        let best = a;
        if (b > best || b !== b) best = b;
        if (c > best || c !== c) best = c;
        if (d > best || d !== d) best = d;
        out[at] = a !== a ? a : best;
      }
    }
  }
}

/** The largest entry of each window of row-major images x [N, C, H, W] (NaN wins: it propagates). */
export function maxPool2d(alloc: Allocate, x: Storage, g: PatchGeometry): Storage {
  const { n, c, h, w, oh, ow } = sizesOf(x.shape, g);
  if (isPlainPairs(g)) {
    const { storage, data: out } = alloc(x.dtype, [n, c, oh, ow]);
    maxPoolPairs(out, elementsOf(x), n * c, h, w, oh, ow);
    return storage;
  }
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const { storage, data: out } = alloc(x.dtype, [n, c, oh, ow]);
  const src = elementsOf(x);
  let at = 0;
  for (let plane = 0; plane < n * c * h * w; plane += h * w) {
    for (let y = 0; y < oh; y++) {
      for (let z = 0; z < ow; z++, at++) {
        let best = -Infinity;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          const row = plane + iy * w;
          for (let j = 0; j < kw; j++) {
            const ix = z * sw - pw + j * dw;
            if (ix < 0 || ix >= w) continue;
            const v = src[row + ix]!;
            if (v > best || v !== v) best = v;
          }
        }
        out[at] = best;
      }
    }
  }
  return storage;
}

/** maxUnpool2d for plain 2×2 windows: they do not overlap, so each pixel is written once. */
function maxUnpoolPairs(out: FloatArray, src: FloatArray, grad: FloatArray, planes: number, h: number, w: number, oh: number, ow: number): void {
  let at = 0;
  for (let plane = 0; plane < planes * h * w; plane += h * w) {
    for (let y = 0; y < oh; y++) {
      const top = plane + 2 * y * w;
      for (let z = 0; z < ow; z++, at++) {
        const i = top + 2 * z;
        const a = src[i]!;
        const b = src[i + 1]!;
        const c = src[i + w]!;
        const d = src[i + w + 1]!;
        const best = Math.max(a, b, c, d);
        // NaN: no entry equals the maximum, and every one gets NaN.
        const share = best !== best ? NaN : grad[at]! / (+(a === best) + +(b === best) + +(c === best) + +(d === best));
        out[i] = a === best || best !== best ? share : 0;
        out[i + 1] = b === best || best !== best ? share : 0;
        out[i + w] = c === best || best !== best ? share : 0;
        out[i + w + 1] = d === best || best !== best ? share : 0;
      }
    }
  }
}

/** Zeros shaped like x, each entry of dy added at the largest entry of its window of x, split
 *  evenly between ties (max's rule); every tap of a window holding NaN gets NaN. */
export function maxUnpool2d(alloc: Allocate, x: Storage, dy: Storage, g: PatchGeometry): Storage {
  const { n, c, h, w, oh, ow } = sizesOf(x.shape, g);
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const { storage, data: out } = alloc(x.dtype, x.shape);
  out.fill(0);
  const src = elementsOf(x);
  const grad = elementsOf(dy);
  if (isPlainPairs(g)) {
    maxUnpoolPairs(out, src, grad, n * c, h, w, oh, ow);
    return storage;
  }
  let at = 0;
  for (let plane = 0; plane < n * c * h * w; plane += h * w) {
    for (let y = 0; y < oh; y++) {
      for (let z = 0; z < ow; z++, at++) {
        let best = -Infinity;
        let ties = 0;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          const row = plane + iy * w;
          for (let j = 0; j < kw; j++) {
            const ix = z * sw - pw + j * dw;
            if (ix < 0 || ix >= w) continue;
            const v = src[row + ix]!;
            if (v > best || v !== v) {
              best = v;
              ties = 1;
            } else if (v === best) {
              ties++;
            }
          }
        }
        const share = best !== best ? NaN : grad[at]! / ties;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          const row = plane + iy * w;
          for (let j = 0; j < kw; j++) {
            const ix = z * sw - pw + j * dw;
            if (ix >= 0 && ix < w && (src[row + ix] === best || best !== best)) out[row + ix]! += share;
          }
        }
      }
    }
  }
  return storage;
}
