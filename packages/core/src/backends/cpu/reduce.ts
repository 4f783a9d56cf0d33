import type { ReduceKernel } from '../backend.js';
import type { FloatArray, Kernels } from '../../kernels/types.js';
import { rowMajorStrides, sizeOf, type Shape } from '../../shape.js';
import type { Storage } from '../../storage.js';
import { elementsOf, type Allocate } from './memory.js';
import { forEachRow } from './strided.js';

/** Each element of `x` summed into (or compared with) the output cell it is broadcast from. */
export function reduce(alloc: Allocate, kernel: ReduceKernel, x: Storage, kept: Shape, kernels?: Kernels): Storage {
  const { storage, data: out } = alloc(x.dtype, kept);
  const max = kernel === 'max';
  out.fill(max ? -Infinity : 0);
  const src = elementsOf(x);
  if (x.size > 0 && !(x.isContiguous && reduceMatrix(src, kept, x.shape, out, max, kernels))) {
    // The general case walks x with the output seen as a stride-0 broadcast of x's shape.
    const outStrides = rowMajorStrides(kept).map((s, i) => (kept[i] === 1 ? 0 : s));
    forEachRow(x.shape, [{ strides: outStrides, offset: 0 }, x], ([o, i], n, [os, xs]) => {
      let at = o!;
      let from = i!;
      if (max) for (let k = 0; k < n; k++, at += os!, from += xs!) out[at] = Math.max(out[at]!, src[from]!);
      else for (let k = 0; k < n; k++, at += os!, from += xs!) out[at]! += src[from]!;
    });
  }
  if (kernel === 'mean') {
    const count = x.size / Math.max(1, sizeOf(kept));
    for (let i = 0; i < out.length; i++) out[i]! /= count;
  }
  return storage;
}

/** The common reductions of row-major data, over all leading axes (a bias gradient, 1ᵀ·A) or
 *  all trailing axes (a row sum), as plain loops over rows × cols; false for other patterns. */
function reduceMatrix(src: FloatArray, kept: Shape, full: Shape, dst: FloatArray, max: boolean, kernels?: Kernels): boolean {
  const n = full.length;
  let lead = n;
  while (lead > 0 && kept[lead - 1] === full[lead - 1]) lead--;
  let trail = 0;
  while (trail < n && kept[trail] === full[trail]) trail++;
  if (kept.slice(0, lead).every((d) => d === 1)) {
    const cols = sizeOf(full.slice(lead));
    if (cols === 1) {
      // Everything into one value (sum() of a whole tensor), in order, rounded to dst's type
      // after each step as dst[0] += x stores it.
      let acc = dst[0]!;
      if (max) for (let i = 0; i < src.length; i++) acc = Math.max(acc, src[i]!);
      else if (dst instanceof Float32Array) for (let i = 0; i < src.length; i++) acc = Math.fround(acc + src[i]!);
      else for (let i = 0; i < src.length; i++) acc += src[i]!;
      dst[0] = acc;
      return true;
    }
    // A sum of rows is one vector add a row, each row added in turn into the running sum: one
    // call into WebAssembly where the arrays lie in its memory.
    if (!max && cols > 0 && kernels?.binaryRows?.('add', src.length / cols, cols, dst, 0, 0, 1, src, 0, cols, 1, dst, 0, 0)) return true;
    for (let row = 0; row < src.length; row += cols) {
      if (max) for (let c = 0; c < cols; c++) dst[c] = Math.max(dst[c]!, src[row + c]!);
      else for (let c = 0; c < cols; c++) dst[c]! += src[row + c]!;
    }
    return true;
  }
  if (kept.slice(trail).every((d) => d === 1)) {
    const cols = sizeOf(full.slice(trail));
    for (let r = 0, row = 0; row < src.length; r++, row += cols) {
      let acc = dst[r]!;
      if (max) for (let c = 0; c < cols; c++) acc = Math.max(acc, src[row + c]!);
      else for (let c = 0; c < cols; c++) acc += src[row + c]!;
      dst[r] = acc;
    }
    return true;
  }
  return false;
}

/** numpy's argmax / argmin along `axis` (kept as size 1): the first extreme, or the first NaN,
 *  since NaN compares as neither larger nor smaller. `x` is row-major. */
export function argReduce(alloc: Allocate, kernel: 'argmax' | 'argmin', x: Storage, axis: number): Storage {
  const src = elementsOf(x);
  const n = x.shape[axis]!;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const { storage, data: out } = alloc('float64', x.shape.map((d, i) => (i === axis ? 1 : d)));
  const better = kernel === 'argmax' ? (v: number, best: number) => v > best : (v: number, best: number) => v < best;
  for (let r = 0; r < out.length; r++) {
    const base = Math.floor(r / inner) * n * inner + (r % inner);
    let best = 0;
    let bestValue = src[base]!;
    for (let j = 1; j < n && !Number.isNaN(bestValue); j++) {
      const v = src[base + j * inner]!;
      if (Number.isNaN(v) || better(v, bestValue)) [best, bestValue] = [j, v];
    }
    out[r] = best;
  }
  return storage;
}
