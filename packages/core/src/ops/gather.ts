import type { IndexSource } from '../backends/backend.js';
import { apply, internal } from '../engine.js';
import { defineOp, type Op } from '../op.js';
import { formatShape, normalizeAxis } from '../shape.js';
import { tensor, type TensorData } from '../creation.js';
import { Tensor } from '../tensor.js';
import { reshape } from './shape.js';

interface GatherAttrs {
  axis: number;
  /** Non-negative positions along the axis, row-major over `indexShape`; or, on a backend
   *  that cannot read synchronously, the index tensor itself, checked by the kernel. */
  indices: Int32Array | Tensor;
  indexShape: number[];
  /** The length of the indexed axis (of take's input, of scatterAdd's output). */
  size: number;
}

const takeOp: Op = defineOp<GatherAttrs>({
  name: 'take',
  forward: 'C = A[idx] along an axis (gather: rows by index)',
  identity: 'dA = scatterAdd(dC, idx): each slice of dC is added back at the position it was taken from; a position taken k times gets the sum of its k gradients (the fan-out rule)',
  compute: ([a], { axis, indices, indexShape }, backend) => backend.take(a!, axis, indexSource(indices), indexShape),
  gradients: [(dC, { attrs }) => apply(scatterAddOp, [dC], attrs)],
});

const scatterAddOp: Op = defineOp<GatherAttrs>({
  name: 'scatterAdd',
  forward: 'C = zeros with the slices of A added at positions idx along an axis (repeats summed)',
  identity: 'dA = take(dC, idx): the gradient gathered back from where each slice went',
  compute: ([a], { axis, indices, indexShape, size }, backend) => backend.scatterAdd(a!, axis, indexSource(indices), indexShape, size),
  gradients: [(dC, { attrs }) => apply(takeOp, [dC], attrs)],
});

function indexSource(indices: Int32Array | Tensor): IndexSource {
  return indices instanceof Tensor ? indices.storage : indices;
}

/** Positions along an axis: a number, (nested) arrays of integers, an Int32Array, or a tensor
 *  of integer values (such as argmax's result). */
export type Indices = Tensor | TensorData;

/** Checks the indices against an axis of `size` and wraps negative ones, as numpy does;
 *  `axisText` names that axis for the error (a function: the text is built only then). */
function resolveIndices(op: string, indices: Indices, size: number, axisText: () => string): { indices: Int32Array | Tensor; indexShape: number[] } {
  if (indices instanceof Tensor && !indices.storage.backend.readsSynchronously) {
    // Read on the device, where the kernel checks each index: an index that does not fit
    // gives NaN in the result (the check cannot throw from the GPU).
    return { indices: indices.detach(), indexShape: [...indices.shape] };
  }
  if (indices instanceof Int32Array) return { indices: resolvedInt32(op, indices, size, axisText), indexShape: [indices.length] };
  // A flat array of numbers is read as it is; other indices through a tensor on the host
  // backend, whatever the current one is (a GPU may hold no float64).
  const flat = Array.isArray(indices) && indices.every((k) => typeof k === 'number');
  const t = flat ? null : indices instanceof Tensor ? indices : internal(tensor(indices, { backend: 'js' }));
  const values = t === null ? (indices as ArrayLike<number>) : t.values();
  const resolved = new Int32Array(values.length);
  for (let j = 0; j < values.length; j++) {
    const k = values[j]!;
    if (!Number.isInteger(k) || k < -size || k >= size) throw indexError(op, k, j, size, axisText);
    resolved[j] = k < 0 ? k + size : k;
  }
  return { indices: resolved, indexShape: t === null ? [values.length] : [...t.shape] };
}

/** A copy of Int32Array indices (the caller may change theirs before the backward pass reads
 *  them), negative ones counted from the end, each checked against the axis: integers already,
 *  so one copy and one pass (a training step's batch of 100 rows took 0.7 µs through the
 *  general path). */
function resolvedInt32(op: string, indices: Int32Array, size: number, axisText: () => string): Int32Array {
  const resolved = indices.slice();
  for (let j = 0; j < resolved.length; j++) {
    const k = resolved[j]!;
    if (k >= 0 && k < size) continue;
    if (k < 0 && k >= -size) resolved[j] = k + size;
    else throw indexError(op, k, j, size, axisText);
  }
  return resolved;
}

/** Index k, at position j, does not fit an axis of `size`. */
function indexError(op: string, k: number, j: number, size: number, axisText: () => string): RangeError {
  const expected = size === 0 ? 'no index fits an empty axis' : `expected an integer in [${-size}, ${size - 1}]`;
  return new RangeError(`${op}: index ${k} at position ${j} does not fit ${axisText()}; ${expected}`);
}

/** An index tensor read on the device must live where the values do. */
function sameBackend(op: string, a: Tensor, indices: Int32Array | Tensor): void {
  if (indices instanceof Tensor && indices.storage.backend !== a.storage.backend) {
    throw new Error(`${op}: the indices are on the '${indices.backend}' backend, the tensor on '${a.backend}'; move one with tensor.to()`);
  }
}

/** numpy's take: the entries of `a` at `indices` along `axis`; the axis is replaced by the
 *  indices' shape (one index drops it, a matrix of indices gives two axes). Without an axis,
 *  `a` is read flat, as in numpy. Indices may repeat: their gradients are summed. */
export function take(a: Tensor, indices: Indices, axis?: number): Tensor {
  if (axis === undefined) return take(reshape(a, [a.size]), indices, 0);
  if (a.shape.length === 0) throw new RangeError('take: cannot index a scalar (0-d tensor) along an axis; pass no axis to read it flat');
  const ax = normalizeAxis('take', axis, a.shape.length);
  const size = a.shape[ax]!;
  const resolved = resolveIndices('take', indices, size, () => `axis ${ax} of size ${size} (shape ${formatShape(a.shape)})`);
  sameBackend('take', a, resolved.indices);
  return apply(takeOp, [a], { axis: ax, size, ...resolved });
}

/** The adjoint of take: zeros with `size` positions along `axis`, and every slice of `a` added
 *  at its index (numpy's np.add.at). `a` has the indices' axes where the result has `axis`. */
export function scatterAdd(a: Tensor, indices: Indices, axis: number, size: number): Tensor {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`scatterAdd: size must be a non-negative integer, got ${size}`);
  const { indices: resolved, indexShape } = resolveIndices('scatterAdd', indices, size, () => `an output axis of size ${size}`);
  const rank = a.shape.length - indexShape.length + 1;
  const ax = rank > 0 ? normalizeAxis('scatterAdd', axis, rank) : 0;
  if (rank <= 0 || a.shape.slice(ax, ax + indexShape.length).some((d, i) => d !== indexShape[i])) {
    throw new RangeError(
      `scatterAdd: a tensor of shape ${formatShape(a.shape)} does not hold indices of shape ${formatShape(indexShape)} at axis ${axis}; ` +
        `expected its axes from ${axis} on to begin with ${formatShape(indexShape)}`,
    );
  }
  sameBackend('scatterAdd', a, resolved);
  return apply(scatterAddOp, [a], { axis: ax, size, indices: resolved, indexShape });
}
