// Installs the op methods on Tensor (DeZero's setup_variable): the ops import Tensor, and
// Tensor imports no op, so the class and the op files do not import each other in a circle.
import { checkDtype, type DType } from './dtype.js';
import { backward, type BackwardOptions } from './engine.js';
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
import * as smooth from './ops/smooth.js';
import * as activations from './ops/activations.js';
import { cumsum } from './ops/cumsum.js';
import * as reductions from './ops/composed-reductions.js';
import * as reshaping from './ops/reshape-and-split.js';
import type { Shape } from './shape.js';
import { Tensor } from './tensor.js';

type Operand = Tensor | number;

declare module './tensor.js' {
  interface Tensor {
    /** Runs the backward pass from this tensor and adds ∂this/∂leaf to every leaf's `.grad`. */
    backward(options?: BackwardOptions): void;
    /** this + other, with numpy broadcasting; a number keeps this tensor's dtype. */
    add(other: Operand): Tensor;
    /** this − other, with broadcasting. */
    sub(other: Operand): Tensor;
    /** this ∘ other (elementwise), with broadcasting. */
    mul(other: Operand): Tensor;
    /** this / other (elementwise), with broadcasting. */
    div(other: Operand): Tensor;
    /** −this. */
    neg(): Tensor;
    /** this raised elementwise to a number, or to a tensor (broadcast with this). */
    pow(exponent: number | Tensor): Tensor;
    /** The matrix product (numpy's matmul: batches broadcast, vectors allowed). */
    matmul(other: Tensor): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    /** Probabilities along `axis` (default: the last). */
    softmax(axis?: number): Tensor;
    /** log softmax along `axis`, computed without overflow. */
    logSoftmax(axis?: number): Tensor;
    /** The sum over `axis` (all axes when omitted). */
    sum(axis?: Axes, keepDims?: boolean): Tensor;
    /** The mean over `axis` (all axes when omitted). */
    mean(axis?: Axes, keepDims?: boolean): Tensor;
    /** The maximum over `axis`; tied entries share the gradient. */
    max(axis?: Axes, keepDims?: boolean): Tensor;
    /** The minimum over `axis`; tied entries share the gradient. */
    min(axis?: Axes, keepDims?: boolean): Tensor;
    /** Index of the largest entry along `axis` (of the flat tensor without one), as float64; no graph. */
    argmax(axis?: number, keepDims?: boolean): Tensor;
    /** Index of the smallest entry along `axis`, as float64; no graph. */
    argmin(axis?: number, keepDims?: boolean): Tensor;
    /** Elementwise maximum with broadcasting; NaN propagates. */
    maximum(other: Operand): Tensor;
    /** Elementwise minimum with broadcasting; NaN propagates. */
    minimum(other: Operand): Tensor;
    abs(): Tensor;
    /** Limited to [lo, hi] (either bound may be null). */
    clamp(lo?: Operand | null, hi?: Operand | null): Tensor;
    /** Masks of 1s and 0s (constants, no graph), with broadcasting. */
    gt(other: Operand): Tensor;
    ge(other: Operand): Tensor;
    lt(other: Operand): Tensor;
    le(other: Operand): Tensor;
    eq(other: Operand): Tensor;
    /** numpy's basic slicing, one entry per leading axis: `x.slice([[1, 3], null, [0, null, 2]])`
     *  is x[1:3, :, ::2]; an integer picks one position and drops the axis. A view: no copy. */
    slice(ranges: readonly SliceSpec[]): Tensor;
    /** The entries at `indices` along `axis` (rows by index: embeddings, batches). */
    take(indices: Indices, axis?: number): Tensor;
    /** numpy's transpose: the axes reversed, or permuted by `perm`. A view. */
    transpose(perm?: readonly number[]): Tensor;
    /** All axes reversed (the matrix transpose for 2-D). */
    readonly T: Tensor;
    /** The last two axes swapped: the transpose of every matrix in a batch. */
    readonly mT: Tensor;
    /** The same elements in another shape (one axis may be -1). */
    reshape(shape: Shape): Tensor;
    /** Repeated along new or size-1 axes, without copying. */
    broadcastTo(shape: Shape): Tensor;
    /** Summed down to a shape that broadcasts to this one (the adjoint of broadcastTo). */
    sumTo(shape: Shape): Tensor;
    /** The same values in another dtype. */
    cast(dtype: DType): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    /** log(1 + this), exact for tiny values. */
    log1p(): Tensor;
    /** exp(this) − 1, exact for tiny values. */
    expm1(): Tensor;
    erf(): Tensor;
    /** log(1 + exp(β·this))/β without overflow (β = 1 by default). */
    softplus(beta?: number): Tensor;
    /** this·Φ(this), exact or with the tanh approximation. */
    gelu(approximate?: 'none' | 'tanh'): Tensor;
    /** this where positive, slope·this elsewhere (slope 0.01 by default). */
    leakyRelu(negativeSlope?: number): Tensor;
    /** this where positive, α·(exp(this) − 1) elsewhere (α = 1 by default). */
    elu(alpha?: number): Tensor;
    /** Running sums along `axis` (of the flattened tensor without one). */
    cumsum(axis?: number): Tensor;
    /** log Σ exp over `axis` (all axes when omitted), without overflow. */
    logsumexp(axis?: Axes, keepDims?: boolean): Tensor;
    /** The variance over `axis` (correction 1 by default, as in PyTorch). */
    var(axis?: Axes, options?: reductions.VarianceOptions): Tensor;
    /** The standard deviation over `axis` (correction 1 by default). */
    std(axis?: Axes, options?: reductions.VarianceOptions): Tensor;
    /** The product over `axis` (all axes when omitted). */
    prod(axis?: Axes, keepDims?: boolean): Tensor;
    /** The vector norm (ord 2, 1 or Infinity) over `axis` (all axes when omitted). */
    norm(ord?: reductions.NormOrder, axis?: Axes, keepDims?: boolean): Tensor;
    /** Without size-1 axes (all, or those named). */
    squeeze(axis?: number | readonly number[]): Tensor;
    /** With a new size-1 axis at `axis`. */
    unsqueeze(axis: number): Tensor;
    /** Axes startAxis…endAxis merged (all by default). */
    flatten(startAxis?: number, endAxis?: number): Tensor;
    /** Consecutive pieces along `axis`: of `sizes` each, or of the listed sizes. */
    split(sizes: number | readonly number[], axis?: number): Tensor[];
    /** `chunks` pieces of equal size (the last may be shorter) along `axis`. */
    chunk(chunks: number, axis?: number): Tensor[];
  }
}

const methods: Record<string, (this: Tensor, ...args: never[]) => unknown> = {
  backward(this: Tensor, options?: BackwardOptions) {
    backward(this, options);
  },
  add(this: Tensor, other: Operand) {
    return arithmetic.add(this, other);
  },
  sub(this: Tensor, other: Operand) {
    return arithmetic.sub(this, other);
  },
  mul(this: Tensor, other: Operand) {
    return arithmetic.mul(this, other);
  },
  div(this: Tensor, other: Operand) {
    return arithmetic.div(this, other);
  },
  neg(this: Tensor) {
    return arithmetic.neg(this);
  },
  pow(this: Tensor, exponent: number | Tensor) {
    return arithmetic.pow(this, exponent);
  },
  matmul(this: Tensor, other: Tensor) {
    return matmul(this, other);
  },
  exp(this: Tensor) {
    return elementwise.exp(this);
  },
  log(this: Tensor) {
    return elementwise.log(this);
  },
  sqrt(this: Tensor) {
    return elementwise.sqrt(this);
  },
  relu(this: Tensor) {
    return elementwise.relu(this);
  },
  sigmoid(this: Tensor) {
    return elementwise.sigmoid(this);
  },
  tanh(this: Tensor) {
    return elementwise.tanh(this);
  },
  softmax(this: Tensor, axis = -1) {
    return softmax(this, axis);
  },
  logSoftmax(this: Tensor, axis = -1) {
    return logSoftmax(this, axis);
  },
  sum(this: Tensor, axis?: Axes, keepDims = false) {
    return sum(this, axis, keepDims);
  },
  mean(this: Tensor, axis?: Axes, keepDims = false) {
    return mean(this, axis, keepDims);
  },
  max(this: Tensor, axis?: Axes, keepDims = false) {
    return max(this, axis, keepDims);
  },
  min(this: Tensor, axis?: Axes, keepDims = false) {
    return min(this, axis, keepDims);
  },
  argmax(this: Tensor, axis?: number, keepDims = false) {
    return compare.argmax(this, axis, keepDims);
  },
  argmin(this: Tensor, axis?: number, keepDims = false) {
    return compare.argmin(this, axis, keepDims);
  },
  maximum(this: Tensor, other: Operand) {
    return select.maximum(this, other);
  },
  minimum(this: Tensor, other: Operand) {
    return select.minimum(this, other);
  },
  abs(this: Tensor) {
    return select.abs(this);
  },
  clamp(this: Tensor, lo?: Operand | null, hi?: Operand | null) {
    return select.clamp(this, lo, hi);
  },
  gt(this: Tensor, other: Operand) {
    return compare.gt(this, other);
  },
  ge(this: Tensor, other: Operand) {
    return compare.ge(this, other);
  },
  lt(this: Tensor, other: Operand) {
    return compare.lt(this, other);
  },
  le(this: Tensor, other: Operand) {
    return compare.le(this, other);
  },
  eq(this: Tensor, other: Operand) {
    return compare.eq(this, other);
  },
  slice(this: Tensor, ranges: readonly SliceSpec[]) {
    return slice(this, ranges);
  },
  take(this: Tensor, indices: Indices, axis?: number) {
    return take(this, indices, axis);
  },
  transpose(this: Tensor, perm?: readonly number[]) {
    return shapeOps.transpose(this, perm);
  },
  reshape(this: Tensor, shape: Shape) {
    return shapeOps.reshape(this, shape);
  },
  broadcastTo(this: Tensor, shape: Shape) {
    return shapeOps.broadcastTo(this, shape);
  },
  sumTo(this: Tensor, shape: Shape) {
    return shapeOps.sumTo(this, shape);
  },
  cast(this: Tensor, dtype: DType) {
    return shapeOps.cast(this, checkDtype('cast', dtype));
  },
  sin(this: Tensor) {
    return smooth.sin(this);
  },
  cos(this: Tensor) {
    return smooth.cos(this);
  },
  log1p(this: Tensor) {
    return smooth.log1p(this);
  },
  expm1(this: Tensor) {
    return smooth.expm1(this);
  },
  erf(this: Tensor) {
    return smooth.erf(this);
  },
  softplus(this: Tensor, beta?: number) {
    return smooth.softplus(this, beta);
  },
  gelu(this: Tensor, approximate?: 'none' | 'tanh') {
    return smooth.gelu(this, approximate);
  },
  leakyRelu(this: Tensor, negativeSlope?: number) {
    return activations.leakyRelu(this, negativeSlope);
  },
  elu(this: Tensor, alpha?: number) {
    return activations.elu(this, alpha);
  },
  cumsum(this: Tensor, axis?: number) {
    return cumsum(this, axis);
  },
  logsumexp(this: Tensor, axis?: Axes, keepDims = false) {
    return reductions.logsumexp(this, axis, keepDims);
  },
  var(this: Tensor, axis?: Axes, options?: reductions.VarianceOptions) {
    return reductions.variance(this, axis, options);
  },
  std(this: Tensor, axis?: Axes, options?: reductions.VarianceOptions) {
    return reductions.std(this, axis, options);
  },
  prod(this: Tensor, axis?: Axes, keepDims = false) {
    return reductions.prod(this, axis, keepDims);
  },
  norm(this: Tensor, ord?: reductions.NormOrder, axis?: Axes, keepDims = false) {
    return reductions.norm(this, ord, axis, keepDims);
  },
  squeeze(this: Tensor, axis?: number | readonly number[]) {
    return reshaping.squeeze(this, axis);
  },
  unsqueeze(this: Tensor, axis: number) {
    return reshaping.unsqueeze(this, axis);
  },
  flatten(this: Tensor, startAxis?: number, endAxis?: number) {
    return reshaping.flatten(this, startAxis, endAxis);
  },
  split(this: Tensor, sizes: number | readonly number[], axis?: number) {
    return reshaping.split(this, sizes, axis);
  },
  chunk(this: Tensor, chunks: number, axis?: number) {
    return reshaping.chunk(this, chunks, axis);
  },
};

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}
Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor) {
    return shapeOps.transpose(this);
  },
  configurable: true,
});
Object.defineProperty(Tensor.prototype, 'mT', {
  get(this: Tensor) {
    return shapeOps.matrixTranspose(this);
  },
  configurable: true,
});
