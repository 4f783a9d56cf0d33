import { allocate, checkDtype, dtypeOf, type DType } from './dtype.js';
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
import { checkShape, formatShape, sameShape, sizeOf, type Shape } from './shape.js';
import { contiguous, copyAs, isContiguous, isFloatArray, wrap, type Storage } from './storage.js';

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
export type TensorData = number | NestedArray | readonly number[] | FloatArray | Int32Array | Uint8Array;

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  name?: string;
  /** The shape of flat data (a typed array or a flat list); nested arrays carry their own. */
  shape?: Shape;
}

/** A new leaf tensor from a number, nested arrays, or flat data with a shape. The data is copied. */
export function tensor(data: TensorData, options: TensorOptions = {}): Tensor {
  const dtype = checkDtype('tensor', options.dtype ?? (data instanceof Float32Array ? 'float32' : 'float64'));
  const { flat, shape } = flatten(data, options.shape);
  const buffer = allocate(dtype, flat.length);
  buffer.set(flat);
  return leaf(wrap(buffer, shape), options);
}

/** A leaf over an existing buffer, without copying it (for data loaders and weight loading). */
export function fromBuffer(data: FloatArray, shape: Shape, options: Omit<TensorOptions, 'dtype' | 'shape'> = {}): Tensor {
  if (!isFloatArray(data)) throw new TypeError('fromBuffer: data must be a Float32Array or a Float64Array');
  const s = checkShape('fromBuffer', shape);
  if (sizeOf(s) !== data.length) throw new RangeError(`fromBuffer: shape ${formatShape(s)} needs ${sizeOf(s)} elements, the buffer has ${data.length}`);
  return leaf(wrap(data, s), options);
}

function leaf(nd: Storage, options: TensorOptions): Tensor {
  const t = new Tensor(nd, { requiresGrad: options.requiresGrad === true, creator: null });
  if (options.name !== undefined) t.name = options.name;
  return t;
}

function flatten(data: TensorData, shape: Shape | undefined): { flat: ArrayLike<number>; shape: number[] } {
  if (typeof data === 'number') {
    const s = shape === undefined ? [] : checkShape('tensor', shape);
    if (sizeOf(s) !== 1) throw new RangeError(`tensor: a single number cannot fill shape ${formatShape(s)}`);
    return { flat: [data], shape: s };
  }
  if (ArrayBuffer.isView(data)) {
    const s = shape === undefined ? [data.length] : checkShape('tensor', shape);
    if (sizeOf(s) !== data.length) throw new RangeError(`tensor: shape ${formatShape(s)} needs ${sizeOf(s)} elements, the data has ${data.length}`);
    return { flat: data, shape: s };
  }
  if (!Array.isArray(data)) throw new TypeError(`tensor: expected a number, a (nested) array of numbers or a typed array, got ${typeof data}`);
  const nestedShape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) nestedShape.push(level.length);
  const flat = (data as unknown[]).flat(Infinity) as unknown[];
  if (flat.length !== sizeOf(nestedShape) || !checkRectangular(data, nestedShape, 0)) {
    throw new RangeError(`tensor: nested arrays are ragged; every row at the same depth must have the same length (first row's shape ${formatShape(nestedShape)})`);
  }
  const bad = flat.findIndex((v) => typeof v !== 'number');
  if (bad >= 0) throw new TypeError(`tensor: element ${bad} is ${JSON.stringify(flat[bad])}, expected a number`);
  if (shape !== undefined) {
    const s = checkShape('tensor', shape);
    if (sizeOf(s) !== flat.length) throw new RangeError(`tensor: shape ${formatShape(s)} needs ${sizeOf(s)} elements, the data has ${flat.length}`);
    return { flat: flat as number[], shape: s };
  }
  return { flat: flat as number[], shape: nestedShape };
}

function checkRectangular(data: unknown, shape: number[], depth: number): boolean {
  if (depth === shape.length) return !Array.isArray(data);
  return Array.isArray(data) && data.length === shape[depth] && data.every((d) => checkRectangular(d, shape, depth + 1));
}

/** A 0-d tensor holding one number (how plain-number operands enter the graph). */
export function scalar(value: number, dtype: DType = 'float64'): Tensor {
  const buffer = allocate(dtype, 1);
  buffer[0] = value;
  return new Tensor(wrap(buffer, []), { requiresGrad: false, creator: null });
}

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  name?: string;
}

export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  const s = checkShape('full', shape);
  const buffer = allocate(checkDtype('full', options.dtype ?? 'float64'), sizeOf(s));
  buffer.fill(value);
  return leaf(wrap(buffer, s), options);
}

export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

/** numpy's arange: start, start + step, ... up to but excluding stop. */
export function arange(start: number, stop?: number, step = 1, options: CreateOptions = {}): Tensor {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a finite non-zero number, got ${step}`);
  const n = Math.max(0, Math.ceil((to - from) / step));
  const buffer = allocate(checkDtype('arange', options.dtype ?? 'float64'), n);
  for (let i = 0; i < n; i++) buffer[i] = from + i * step;
  return leaf(wrap(buffer, [n]), options);
}

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

/** A stored gradient owns its memory: rules pass one gradient to several inputs (add) or
 *  hand out views, and an optimizer that clips gradients in place must not touch another's. */
function materialize(g: Tensor): Tensor {
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
