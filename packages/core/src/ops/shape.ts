import type { DType } from '../dtype.js';
import { apply } from '../engine.js';
import { defineOp } from '../op.js';
import { broadcastShapes, checkShape, formatShape, packedFilled, sameShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

const reshapeOp = defineOp<{ shape: number[] }>({
  name: 'reshape',
  forward: 'C = reshape(A)',
  identity: 'dA = reshape(dC, shape of A)',
  // Row-major data is viewed under the new shape; a strided view is copied first.
  compute: ([a], { shape }, backend) => (a!.isContiguous ? a! : backend.copy(a!, a!.dtype)).reshaped(shape),
  gradients: [(dC, { inputs: [a] }) => reshape(dC, a!.shape)],
});

/** One axis may be -1: its size is inferred from the others. */
export function reshape(a: Tensor, shape: Shape): Tensor {
  if (!Array.isArray(shape)) throw new TypeError(`reshape: shape must be an array of sizes (one may be -1), got ${shape === null ? 'null' : typeof shape}`);
  const known = shape.filter((d) => d !== -1);
  const inferred = shape.length - known.length;
  if (inferred > 1) reshapeError(a, shape, 'at most one axis may be -1');
  if (!known.every((d) => Number.isInteger(d) && d >= 0)) reshapeError(a, shape, 'sizes must be non-negative integers or -1');
  const knownSize = sizeOf(known);
  let target = [...shape];
  if (inferred === 1) {
    if (knownSize === 0 || a.size % knownSize !== 0) reshapeError(a, shape, `${a.size} is not a multiple of ${knownSize}`);
    target = shape.map((d) => (d === -1 ? a.size / knownSize : d));
  }
  if (sizeOf(target) !== a.size) reshapeError(a, shape, `${sizeOf(target)} elements expected ${a.size}`);
  if (sameShape(target, a.shape)) return a;
  return apply(reshapeOp, [a], { shape: target });
}

function reshapeError(a: Tensor, shape: Shape, why: string): never {
  throw new RangeError(`reshape: cannot reshape ${formatShape(a.shape)} (${a.size} elements) into ${formatShape(shape)}: ${why}`);
}

const transposeOp = defineOp<{ perm: number[] }>({
  name: 'transpose',
  forward: 'C = Aᵀ (axes permuted)',
  identity: 'dA = dCᵀ (the inverse permutation)',
  compute: ([a], { perm }) => a!.permute(perm),
  gradients: [(dC, { attrs: { perm } }) => transpose(dC, inversePermutation(perm))],
});

function inversePermutation(perm: readonly number[]): number[] {
  const inv = packedFilled(perm.length, 0);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** numpy's transpose: reverses the axes by default; a view, nothing is copied. */
export function transpose(a: Tensor, perm?: readonly number[]): Tensor {
  if (perm !== undefined && !Array.isArray(perm)) throw new TypeError(`transpose: perm must be an array of axes, got ${perm === null ? 'null' : typeof perm}`);
  const n = a.shape.length;
  const p = perm === undefined ? Array.from({ length: n }, (_, i) => n - 1 - i) : perm.map((x) => (x < 0 ? x + n : x));
  const isPermutation = p.length === n && new Set(p).size === n && p.every((x) => Number.isInteger(x) && x >= 0 && x < n);
  if (!isPermutation) {
    throw new RangeError(`transpose: ${JSON.stringify(perm)} is not a permutation of the ${n} axes of a tensor of shape ${formatShape(a.shape)}`);
  }
  if (p.every((x, i) => x === i)) return a;
  return apply(transposeOp, [a], { perm: p });
}

/** Swaps the last two axes: the matrix transpose of each matrix in a batch. */
export function matrixTranspose(a: Tensor): Tensor {
  const n = a.shape.length;
  if (n < 2) throw new RangeError(`mT: needs at least 2 dimensions, got shape ${formatShape(a.shape)}`);
  const perm = Array.from({ length: n }, (_, i) => i);
  perm[n - 2] = n - 1;
  perm[n - 1] = n - 2;
  return transpose(a, perm);
}

const broadcastToOp = defineOp<{ shape: number[] }>({
  name: 'broadcastTo',
  forward: 'C = A repeated along new or size-1 axes (C = 1·bᵀ for a bias)',
  identity: 'dA = sumTo(dC, shape of A): dC summed over every broadcast axis (bias: db = 1ᵀ·dC)',
  compute: ([a], { shape }) => a!.broadcast(shape),
  gradients: [(dC, { inputs: [a] }) => sumTo(dC, a!.shape)],
});

/**
 * `a` repeated along new leading axes and its size-1 axes to `shape`, by numpy's rules: a
 * view, nothing is copied (the same tensor when the shape already matches). Its gradient sums
 * back (`sumTo`). Also `a.broadcastTo(shape)`.
 *
 * @throws RangeError when `a`'s shape cannot be broadcast to `shape`.
 */
export function broadcastTo(a: Tensor, shape: Shape): Tensor {
  const target = checkShape('broadcastTo', shape);
  if (!sameShape(broadcastShapes('broadcastTo', a.shape, target), target)) {
    throw new RangeError(`broadcastTo: shape ${formatShape(a.shape)} cannot be broadcast to ${formatShape(target)}`);
  }
  if (sameShape(a.shape, target)) return a;
  return apply(broadcastToOp, [a], { shape: target });
}

const sumToOp = defineOp<{ shape: number[] }>({
  name: 'sumTo',
  forward: 'C = A summed down to a smaller shape (c = 1ᵀ·A over broadcast axes)',
  identity: 'dA = broadcastTo(dC, shape of A)',
  compute: ([a], { shape }, backend) => {
    const kept = [...packedFilled(a!.ndim - shape.length, 1), ...shape];
    return backend.reduce('sum', a!, kept).reshaped(shape);
  },
  gradients: [(dC, { inputs: [a] }) => broadcastTo(dC, a!.shape)],
});

/** Sums `a` down to `shape` (which must broadcast to `a`'s shape): the adjoint of broadcastTo. */
export function sumTo(a: Tensor, shape: Shape): Tensor {
  const target = checkShape('sumTo', shape);
  if (target.length > a.shape.length || !sameShape(broadcastShapes('sumTo', target, a.shape), a.shape)) {
    throw new RangeError(`sumTo: shape ${formatShape(a.shape)} cannot be summed to ${formatShape(target)}; expected a shape that broadcasts to ${formatShape(a.shape)}`);
  }
  if (sameShape(a.shape, target)) return a;
  return apply(sumToOp, [a], { shape: target });
}

const castOp = defineOp<{ dtype: DType }>({
  name: 'cast',
  forward: 'C = A in another dtype',
  identity: 'dA = dC cast back to the dtype of A',
  compute: ([a], { dtype }, backend) => backend.copy(a!, dtype),
  gradients: [(dC, { inputs: [a] }) => cast(dC, a!.dtype)],
});

/**
 * The same values in another dtype (a copy; the same tensor when the dtype already matches).
 * float64 to float32 rounds to nearest; the gradient is cast back. Also `a.cast(dtype)`.
 */
export function cast(a: Tensor, dtype: DType): Tensor {
  return a.dtype === dtype ? a : apply(castOp, [a], { dtype });
}

const cloneOp = defineOp({
  name: 'clone',
  forward: 'C = A (a copy in a buffer of its own)',
  identity: 'dA = dC (the gradient passes through unchanged)',
  compute: ([a], _attrs, backend) => backend.copy(a!, a!.dtype),
  gradients: [(dC) => dC],
});

/**
 * A copy of `a` in a buffer of its own (row-major, even where `a` is a view), that stays in the
 * graph: the gradient passes through unchanged (dA = dC), as PyTorch's `clone`. Writing to the
 * copy (`assign`) leaves `a` as it was. Also `a.clone()`.
 */
export function clone(a: Tensor): Tensor {
  if (!(a instanceof Tensor)) throw new TypeError(`clone: the tensor to copy must be a Tensor, got ${a === null ? 'null' : typeof a}`);
  return apply(cloneOp, [a]);
}

