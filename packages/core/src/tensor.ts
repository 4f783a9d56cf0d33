import { full } from './creation.js';
import { checkDtype, dtypeOf, type DType } from './dtype.js';
import { backwardPass, noGrad } from './engine.js';
import { formatArray } from './format.js';
import type { FloatArray } from './kernels/types.js';
import type { Creator } from './op.js';
import * as arithmetic from './ops/arithmetic.js';
import * as compare from './ops/compare.js';
import * as elementwise from './ops/elementwise.js';
import { take, type Indices } from './ops/gather.js';
import { slice, type SliceSpec } from './ops/indexing.js';
import { matmul } from './ops/matmul.js';
import { max, mean, min, sum, type Axes } from './ops/reduce.js';
import * as select from './ops/select.js';
import * as shapeOps from './ops/shape.js';
import { logSoftmax, softmax } from './ops/softmax.js';
import { formatShape, sameShape, sizeOf, type Shape } from './shape.js';
import { contiguous, copyAs, isContiguous, type Storage } from './storage.js';

type Operand = Tensor | number;

export interface BackwardOptions {
  /** dL/d(this tensor); required when the tensor is not a scalar. */
  gradient?: Tensor | number;
  /** Keep the graph so backward can run through it again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, so the gradients can be differentiated again. */
  createGraph?: boolean;
  /** Also keep `.grad` on every intermediate tensor (for figures and explanations). */
  retainGrads?: boolean;
}

/** An n-dimensional float array that remembers the op that made it, so gradients can flow back. */
export class Tensor {
  readonly nd: Storage;
  /** The op and inputs this tensor was computed from; null for a leaf. */
  readonly creator: Creator | null;
  /** A label for explanations and figures, e.g. `W1`. */
  name: string | undefined;
  /** ∂L/∂(this), filled by `backward()` on leaves that require grad; summed across calls. */
  grad: Tensor | null = null;
  #requiresGrad: boolean;

  constructor(nd: Storage, { requiresGrad, creator, name }: { requiresGrad: boolean; creator: Creator | null; name?: string }) {
    this.nd = nd;
    this.#requiresGrad = requiresGrad;
    this.creator = creator;
    this.name = name;
  }

  get shape(): readonly number[] {
    return this.nd.shape;
  }
  get dtype(): DType {
    return dtypeOf(this.nd.data);
  }
  get size(): number {
    return this.nd.size;
  }
  get ndim(): number {
    return this.nd.dimension;
  }
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
  get isLeaf(): boolean {
    return this.creator === null;
  }

  /** Marks a leaf as a parameter to differentiate with respect to. */
  requireGrad(flag = true): this {
    if (!this.isLeaf) throw new Error(`requireGrad: only leaf tensors can change requiresGrad; this one was made by '${this.creator!.op.name}' (use detach() first)`);
    this.#requiresGrad = flag;
    return this;
  }

  named(name: string): this {
    this.name = name;
    return this;
  }

  /** The elements in row-major order. Shares memory with the tensor when its storage is
   *  already contiguous (so writing to it updates the tensor, as optimizers do). */
  values(): FloatArray {
    return contiguous(this.nd).data;
  }

  toArray(): number | NestedArray {
    const values = this.values();
    const build = (axis: number, offset: number): NestedArray => {
      const n = this.shape[axis]!;
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: n }, (_, i) => (axis === this.ndim - 1 ? values[offset + i]! : build(axis + 1, offset + i * stride)));
    };
    return this.ndim === 0 ? values[0]! : build(0, 0);
  }

  item(): number {
    if (this.size !== 1) throw new RangeError(`item: only a tensor with one element can be converted to a number, got shape ${formatShape(this.shape)}`);
    return this.values()[0]!;
  }

  toString(): string {
    const prefix = 'tensor(';
    const extras = [this.dtype === 'float64' ? '' : `dtype=${this.dtype}`, this.requiresGrad ? 'requiresGrad=true' : ''].filter(Boolean);
    const body = this.size === 0 ? `[], shape=${formatShape(this.shape)}` : formatArray(this.values(), this.shape, prefix);
    return `${prefix}${body}${extras.map((e) => ', ' + e).join('')})`;
  }

  /** The same values, cut off from the graph (shares memory). */
  detach(): Tensor {
    return new Tensor(this.nd, { requiresGrad: false, creator: null, name: this.name });
  }

  zeroGrad(): void {
    this.grad = null;
  }

  /** Runs the backward pass from this tensor and adds ∂this/∂leaf to every leaf's `.grad`. */
  backward(options: BackwardOptions = {}): void {
    if (!this.requiresGrad) {
      throw new Error(`backward: this tensor (shape ${formatShape(this.shape)}) does not require grad; none of the tensors it was computed from has requiresGrad: true`);
    }
    const seed = upstreamGradient(this, options.gradient);
    const createGraph = options.createGraph === true;
    const retainGrads = options.retainGrads === true;
    const grads = backwardPass([this], [seed], { retainGraph: options.retainGraph ?? createGraph, createGraph, retainGrads });
    const store = (): void => {
      const aliased = aliasedBuffers(grads, seed);
      for (const [t, g] of grads) {
        if (!(t.isLeaf ? t.requiresGrad : retainGrads)) continue;
        const own = createGraph || ownsBuffer(g, aliased) ? g : materialize(g);
        t.grad = t.grad === null ? own : t.grad.add(own);
      }
    };
    if (createGraph) store();
    else noGrad(store);
  }

  add(other: Operand): Tensor {
    return arithmetic.add(this, other);
  }
  sub(other: Operand): Tensor {
    return arithmetic.sub(this, other);
  }
  mul(other: Operand): Tensor {
    return arithmetic.mul(this, other);
  }
  div(other: Operand): Tensor {
    return arithmetic.div(this, other);
  }
  neg(): Tensor {
    return arithmetic.neg(this);
  }
  pow(exponent: number): Tensor {
    return arithmetic.pow(this, exponent);
  }
  matmul(other: Tensor): Tensor {
    return matmul(this, other);
  }
  exp(): Tensor {
    return elementwise.exp(this);
  }
  log(): Tensor {
    return elementwise.log(this);
  }
  sqrt(): Tensor {
    return elementwise.sqrt(this);
  }
  relu(): Tensor {
    return elementwise.relu(this);
  }
  sigmoid(): Tensor {
    return elementwise.sigmoid(this);
  }
  tanh(): Tensor {
    return elementwise.tanh(this);
  }
  softmax(axis = -1): Tensor {
    return softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return logSoftmax(this, axis);
  }
  sum(axis?: Axes, keepDims = false): Tensor {
    return sum(this, axis, keepDims);
  }
  mean(axis?: Axes, keepDims = false): Tensor {
    return mean(this, axis, keepDims);
  }
  max(axis?: Axes, keepDims = false): Tensor {
    return max(this, axis, keepDims);
  }
  min(axis?: Axes, keepDims = false): Tensor {
    return min(this, axis, keepDims);
  }
  /** Index of the largest entry along `axis` (of the flat tensor without one), as float64; no graph. */
  argmax(axis?: number, keepDims = false): Tensor {
    return compare.argmax(this, axis, keepDims);
  }
  argmin(axis?: number, keepDims = false): Tensor {
    return compare.argmin(this, axis, keepDims);
  }
  maximum(other: Operand): Tensor {
    return select.maximum(this, other);
  }
  minimum(other: Operand): Tensor {
    return select.minimum(this, other);
  }
  abs(): Tensor {
    return select.abs(this);
  }
  clamp(lo?: Operand | null, hi?: Operand | null): Tensor {
    return select.clamp(this, lo, hi);
  }
  /** Masks of 1s and 0s (constants, no graph), with broadcasting. */
  gt(other: Operand): Tensor {
    return compare.gt(this, other);
  }
  ge(other: Operand): Tensor {
    return compare.ge(this, other);
  }
  lt(other: Operand): Tensor {
    return compare.lt(this, other);
  }
  le(other: Operand): Tensor {
    return compare.le(this, other);
  }
  eq(other: Operand): Tensor {
    return compare.eq(this, other);
  }
  /** numpy's basic slicing, one entry per leading axis: `x.slice([[1, 3], null, [0, null, 2]])`
   *  is x[1:3, :, ::2]; an integer picks one position and drops the axis. A view: no copy. */
  slice(ranges: readonly SliceSpec[]): Tensor {
    return slice(this, ranges);
  }
  /** The entries at `indices` along `axis` (rows by index: embeddings, batches). */
  take(indices: Indices, axis?: number): Tensor {
    return take(this, indices, axis);
  }
  transpose(perm?: readonly number[]): Tensor {
    return shapeOps.transpose(this, perm);
  }
  /** All axes reversed (the matrix transpose for 2-D). */
  get T(): Tensor {
    return shapeOps.transpose(this);
  }
  /** The last two axes swapped: the transpose of every matrix in a batch. */
  get mT(): Tensor {
    return shapeOps.matrixTranspose(this);
  }
  reshape(shape: Shape): Tensor {
    return shapeOps.reshape(this, shape);
  }
  broadcastTo(shape: Shape): Tensor {
    return shapeOps.broadcastTo(this, shape);
  }
  sumTo(shape: Shape): Tensor {
    return shapeOps.sumTo(this, shape);
  }
  cast(dtype: DType): Tensor {
    return shapeOps.cast(this, checkDtype('cast', dtype));
  }
}

export type NestedArray = Array<number | NestedArray>;
function upstreamGradient(t: Tensor, gradient: Tensor | number | undefined): Tensor {
  if (gradient === undefined) {
    if (t.size !== 1) {
      throw new RangeError(
        `backward: the output has shape ${formatShape(t.shape)}; backward() without an upstream gradient needs a scalar output. ` +
          `Pass { gradient } of shape ${formatShape(t.shape)} or reduce the output first (e.g. .sum() or .mean())`,
      );
    }
    return full(t.shape, 1, { dtype: t.dtype });
  }
  const g = typeof gradient === 'number' ? full(t.shape, gradient, { dtype: t.dtype }) : gradient;
  if (!sameShape(g.shape, t.shape)) {
    throw new RangeError(`backward: the upstream gradient has shape ${formatShape(g.shape)}, expected the output's shape ${formatShape(t.shape)}`);
  }
  // In the output's dtype, so a float64 seed does not turn a float32 graph's gradients float64.
  return shapeOps.cast(g, t.dtype);
}

/** A gradient handed out owns its memory: rules pass one gradient to several inputs (add) or
 *  hand out views, and an optimizer that clips gradients in place must not touch another's. */
export function materialize(g: Tensor): Tensor {
  return new Tensor(copyAs(g.nd, g.dtype), { requiresGrad: false, creator: null });
}

/** Buffers that more than one gradient views, and the caller's seed: those must be copied. */
function aliasedBuffers(grads: Map<Tensor, Tensor>, seed: Tensor): Set<FloatArray> {
  const seen = new Set<FloatArray>();
  const aliased = new Set<FloatArray>([seed.nd.data]);
  for (const g of grads.values()) {
    if (seen.has(g.nd.data)) aliased.add(g.nd.data);
    seen.add(g.nd.data);
  }
  return aliased;
}

/** A fresh row-major gradient nobody else views can be stored as it is, without a copy. */
function ownsBuffer(g: Tensor, aliased: Set<FloatArray>): boolean {
  return isContiguous(g.nd) && !aliased.has(g.nd.data);
}
