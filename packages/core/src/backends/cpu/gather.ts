import { sizeOf, type Shape } from '../../shape.js';
import type { Storage } from '../../storage.js';
import type { Kernels } from '../../kernels/types.js';
import { elementsOf, type Allocate } from './memory.js';

/** The blocks of a row-major array around `axes` axes starting at `axis`: outer × (…) × inner. */
function blocks(shape: Shape, axis: number, axes: number): { outer: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), inner: sizeOf(shape.slice(axis + axes)) };
}

/** Gather along `axis` of row-major `x`: the axis is replaced by the indices' shape. `gather`
 *  copies where a kernel set can (see Kernels.gather). */
export function take(alloc: Allocate, x: Storage, axis: number, indices: Int32Array, indexShape: Shape, gather?: Kernels['gather']): Storage {
  const src = elementsOf(x);
  const size = x.shape[axis]!;
  const { outer, inner } = blocks(x.shape, axis, 1);
  const { storage, data: out } = alloc(x.dtype, [...x.shape.slice(0, axis), ...indexShape, ...x.shape.slice(axis + 1)]);
  if (gather?.(outer, size, inner, src, indices, out)) return storage;
  const m = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const from = (o * size + indices[j]!) * inner;
      out.set(src.subarray(from, from + inner), (o * m + j) * inner);
    }
  }
  return storage;
}

/** The adjoint of take for row-major `x`: zeros of `size` along `axis`, slices added back. */
export function scatterAdd(alloc: Allocate, x: Storage, axis: number, indices: Int32Array, indexShape: Shape, size: number): Storage {
  const src = elementsOf(x);
  const { outer, inner } = blocks(x.shape, axis, indexShape.length);
  const { storage, data: out } = alloc(x.dtype, [...x.shape.slice(0, axis), size, ...x.shape.slice(axis + indexShape.length)]);
  out.fill(0);
  const m = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const to = (o * size + indices[j]!) * inner;
      const from = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[to + i]! += src[from + i]!;
    }
  }
  return storage;
}
