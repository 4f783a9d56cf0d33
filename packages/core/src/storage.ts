import ndarray, { type NdArray } from 'ndarray';
import ops from 'ndarray-ops';
import { allocate, type DType } from './dtype.js';
import type { FloatArray, MatrixView } from './kernels/types.js';
import { rowMajorStrides, sizeOf, type Shape } from './shape.js';

/** A tensor's storage: an ndarray view (shape, strides, offset) over a float buffer. */
export type Storage = NdArray<FloatArray>;

export function createStorage(dtype: DType, shape: Shape): Storage {
  return ndarray(allocate(dtype, sizeOf(shape)), [...shape]);
}

export function wrap(data: FloatArray, shape: Shape): Storage {
  return ndarray(data, [...shape]);
}

export function isContiguous(nd: Storage): boolean {
  if (nd.offset !== 0 || nd.data.length !== nd.size) return false;
  const expected = rowMajorStrides(nd.shape);
  return nd.shape.every((d, i) => d === 1 || nd.stride[i] === expected[i]);
}

/** ndarray-ops cannot loop over 0-d arrays; a scalar is handed to them as one element. */
export function kernelView(nd: Storage): Storage {
  return nd.dimension === 0 ? ndarray(nd.data, [1], [1], nd.offset) : nd;
}

/** A row-major copy, or the storage itself when it already is one. */
export function contiguous(nd: Storage): Storage {
  return isContiguous(nd) ? nd : copyAs(nd, nd.dtype as DType);
}

/** A fresh row-major copy in `dtype`. */
export function copyAs(nd: Storage, dtype: DType): Storage {
  const out = createStorage(dtype, nd.shape);
  if (out.size > 0) ops.assign(kernelView(out), kernelView(nd));
  return out;
}

/** A read-only view of `nd` at a larger `shape`: broadcast axes get stride 0, no copy. */
export function broadcastView(nd: Storage, shape: Shape): Storage {
  const lead = shape.length - nd.dimension;
  const stride = shape.map((d, i) => {
    if (i < lead) return 0;
    return nd.shape[i - lead] === 1 && d !== 1 ? 0 : nd.stride[i - lead]!;
  });
  return ndarray(nd.data, [...shape], stride, nd.offset);
}

/** Element (i, j) of the last two axes of `nd` at a batch offset, read in place. */
export function matrixView(nd: Storage, batchOffset: number): MatrixView {
  const r = nd.dimension;
  return { data: nd.data, offset: nd.offset + batchOffset, rowStride: nd.stride[r - 2]!, colStride: nd.stride[r - 1]! };
}

/** Fresh storage computed elementwise from equally shaped inputs by an ndarray-ops kernel. */
export function elementwise(
  dtype: DType,
  shape: Shape,
  inputs: readonly Storage[],
  kernel: (out: Storage, ...args: Storage[]) => unknown,
): Storage {
  const out = createStorage(dtype, shape);
  if (out.size > 0) kernel(kernelView(out), ...inputs.map(kernelView));
  return out;
}

/** Fresh storage of `input`'s shape and dtype, filled by a loop over `input`'s elements in
 *  row-major order (copied first if it is a strided view). */
export function mapContiguous(input: Storage, fill: (src: FloatArray, dst: FloatArray) => void): Storage {
  const out = createStorage(input.dtype as DType, input.shape);
  fill(contiguous(input).data, out.data);
  return out;
}

export function isFloatArray(x: unknown): x is FloatArray {
  return x instanceof Float32Array || x instanceof Float64Array;
}

export type Reduction = 'sum' | 'max';

/** Reduces `a` into fresh storage of `shape` (which broadcasts to `a`'s shape): each element
 *  of `a` is summed into (or compared with) the output cell it was broadcast from. */
export function reduceInto(a: Storage, shape: Shape, reduction: Reduction): Storage {
  const out = createStorage(a.dtype as DType, shape);
  if (reduction === 'max') out.data.fill(-Infinity);
  if (a.size === 0) return out;
  const kept = [...new Array<number>(a.dimension - shape.length).fill(1), ...shape];
  if (isContiguous(a) && reduceMatrix(a.data, kept, a.shape, out.data, reduction)) return out;
  // The general case sees the output through a stride-0 view of a's shape.
  const accumulate = reduction === 'max' ? ops.maxeq : ops.addeq;
  accumulate(kernelView(broadcastView(out, a.shape)), kernelView(a));
  return out;
}

/** The common reductions of a row-major array, over all leading axes (a bias gradient,
 *  1ᵀ·A) or all trailing axes (a row sum), as plain loops over rows × cols. Returns false
 *  for any other pattern of axes. */
function reduceMatrix(src: FloatArray, kept: Shape, full: Shape, dst: FloatArray, reduction: Reduction): boolean {
  const n = full.length;
  let lead = n;
  while (lead > 0 && kept[lead - 1] === full[lead - 1]) lead--;
  let trail = 0;
  while (trail < n && kept[trail] === full[trail]) trail++;
  const max = reduction === 'max';
  if (kept.slice(0, lead).every((d) => d === 1)) {
    const cols = sizeOf(full.slice(lead));
    for (let row = 0; row < src.length; row += cols) {
      for (let c = 0; c < cols; c++) dst[c] = max ? Math.max(dst[c]!, src[row + c]!) : dst[c]! + src[row + c]!;
    }
    return true;
  }
  if (kept.slice(trail).every((d) => d === 1)) {
    const cols = sizeOf(full.slice(trail));
    for (let r = 0, row = 0; row < src.length; r++, row += cols) {
      let acc = dst[r]!;
      for (let c = 0; c < cols; c++) acc = max ? Math.max(acc, src[row + c]!) : acc + src[row + c]!;
      dst[r] = acc;
    }
    return true;
  }
  return false;
}
