import type { Shape } from '../../shape.js';
import type { Storage } from '../../storage.js';
import type { PatchGeometry } from '../backend.js';
import { patchCount } from '../../patch-size.js';
import { elementsOf, type Allocate } from './memory.js';

interface Walk {
  n: number;
  c: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
}

function walkOf(shape: Shape, g: PatchGeometry): Walk {
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

/**
 * Visits every (row of col, image row) pair: `visit(colStart, imageStart, ix0)` for the OW
 * entries of one output row, where entry ow of the column row sits at colStart + ow and reads
 * image pixel imageStart + ix0 + ow·sw (or the padding when that pixel is outside the row).
 * A whole output row whose image row lies in the padding is reported with imageStart = -1.
 */
function forEachPatchRow(walk: Walk, g: PatchGeometry, visit: (colStart: number, imageStart: number, ix0: number) => void): void {
  const { n, c, h, w, oh, ow } = walk;
  const [kh, kw] = g.kernel;
  const [sh] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const columns = n * oh * ow;
  for (let ch = 0; ch < c; ch++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = ((ch * kh + ki) * kw + kj) * columns;
        const ix0 = kj * dw - pw;
        for (let img = 0; img < n; img++) {
          const plane = (img * c + ch) * h * w;
          for (let y = 0; y < oh; y++) {
            const iy = y * sh - ph + ki * dh;
            const colStart = row + (img * oh + y) * ow;
            visit(colStart, iy < 0 || iy >= h ? -1 : plane + iy * w, ix0);
          }
        }
      }
    }
  }
}

/** The first and one-past-last output columns ow whose input column ix0 + ow·sw lies in [0, w). */
function inside(ix0: number, sw: number, ow: number, w: number): [number, number] {
  const first = ix0 >= 0 ? 0 : Math.min(ow, Math.ceil(-ix0 / sw));
  const last = Math.max(first, Math.min(ow, Math.ceil((w - ix0) / sw)));
  return [first, last];
}

/** im2col of row-major images x [N, C, H, W] into [C·kh·kw, N·OH·OW]. */
export function im2col(alloc: Allocate, x: Storage, g: PatchGeometry): Storage {
  const walk = walkOf(x.shape, g);
  const { storage, data: out } = alloc(x.dtype, [walk.c * g.kernel[0] * g.kernel[1], walk.n * walk.oh * walk.ow]);
  const src = elementsOf(x);
  const sw = g.stride[1];
  const { ow, w } = walk;
  const pad = g.padValue;
  forEachPatchRow(walk, g, (colStart, imageStart, ix0) => {
    if (imageStart < 0) {
      out.fill(pad, colStart, colStart + ow);
      return;
    }
    const [first, last] = inside(ix0, sw, ow, w);
    for (let k = 0; k < first; k++) out[colStart + k] = pad;
    if (sw === 1) out.set(src.subarray(imageStart + ix0 + first, imageStart + ix0 + last), colStart + first);
    else for (let k = first, at = imageStart + ix0 + first * sw; k < last; k++, at += sw) out[colStart + k] = src[at]!;
    for (let k = last; k < ow; k++) out[colStart + k] = pad;
  });
  return storage;
}

/** col2im of row-major columns [C·kh·kw, N·OH·OW] into images of `imageShape` [N, C, H, W]. */
export function col2im(alloc: Allocate, col: Storage, g: PatchGeometry, imageShape: Shape): Storage {
  const walk = walkOf(imageShape, g);
  const { storage, data: out } = alloc(col.dtype, imageShape);
  out.fill(0);
  const src = elementsOf(col);
  const sw = g.stride[1];
  const { ow, w } = walk;
  forEachPatchRow(walk, g, (colStart, imageStart, ix0) => {
    if (imageStart < 0) return;
    const [first, last] = inside(ix0, sw, ow, w);
    for (let k = first, at = imageStart + ix0 + first * sw; k < last; k++, at += sw) out[at]! += src[colStart + k]!;
  });
  return storage;
}
