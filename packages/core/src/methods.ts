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
    /**
     * Runs the backward pass from this tensor and adds ∂this/∂leaf to the `.grad` of every leaf
     * that requires grad (gradients accumulate across calls: `zeroGrad` between steps). The
     * seed is 1 for a scalar; any other shape needs `options.gradient`. Frees the graph it ran
     * through unless `retainGraph` (or `retainGrads` / `createGraph`) is passed.
     *
     * @throws Error when this tensor does not require grad.
     * @example
     * ```ts
     * const w = tensor([1, 2, 3], { requiresGrad: true });
     * w.mul(w).sum().backward();
     * w.grad!.toArray(); // [2, 4, 6]
     * ```
     */
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
    /** e^this elementwise (see `exp`). */
    exp(): Tensor;
    /** The natural logarithm elementwise: −Infinity at 0, NaN below 0 (see `log`). */
    log(): Tensor;
    /** √this elementwise: NaN below 0 (see `sqrt`). */
    sqrt(): Tensor;
    /** max(this, 0) elementwise (see `relu`). */
    relu(): Tensor;
    /** 1 / (1 + e^−this) elementwise (see `sigmoid`). */
    sigmoid(): Tensor;
    /** The hyperbolic tangent elementwise (see `tanh`). */
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
    /** |this| elementwise; the gradient at 0 is 0. */
    abs(): Tensor;
    /** Limited to [lo, hi] (either bound may be null). */
    clamp(lo?: Operand | null, hi?: Operand | null): Tensor;
    /** this > other as a mask of 1s and 0s (a constant: no graph is recorded), with broadcasting. */
    gt(other: Operand): Tensor;
    /** this ≥ other as a mask of 1s and 0s (a constant), with broadcasting. */
    ge(other: Operand): Tensor;
    /** this < other as a mask of 1s and 0s (a constant), with broadcasting. */
    lt(other: Operand): Tensor;
    /** this ≤ other as a mask of 1s and 0s (a constant), with broadcasting. */
    le(other: Operand): Tensor;
    /** this = other as a mask of 1s and 0s (a constant), with broadcasting; NaN equals nothing. */
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
    /** A copy in a buffer of its own that stays in the graph (the gradient passes through). */
    clone(): Tensor;
    /** The sine of each entry, in radians. */
    sin(): Tensor;
    /** The cosine of each entry, in radians. */
    cos(): Tensor;
    /** log(1 + this), exact for tiny values. */
    log1p(): Tensor;
    /** exp(this) − 1, exact for tiny values. */
    expm1(): Tensor;
    /** The Gauss error function (2/√π)·∫₀ˣ exp(−t²) dt of each entry (PyTorch's torch.erf). */
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

// Each method is the op function with the tensor as its first argument (same defaults).
const methods: Record<string, (self: Tensor, ...args: never[]) => unknown> = {
  backward,
  ...pick(arithmetic, ['add', 'sub', 'mul', 'div', 'neg', 'pow']),
  ...pick(elementwise, ['exp', 'log', 'sqrt', 'relu', 'sigmoid', 'tanh']),
  ...pick(select, ['maximum', 'minimum', 'abs', 'clamp']),
  ...pick(compare, ['gt', 'ge', 'lt', 'le', 'eq', 'argmax', 'argmin']),
  ...pick(shapeOps, ['transpose', 'reshape', 'broadcastTo', 'sumTo', 'clone']),
  matmul,
  softmax,
  logSoftmax,
  sum,
  mean,
  max,
  min,
  slice,
  take,
  cast: (self: Tensor, dtype: DType) => shapeOps.cast(self, checkDtype('cast', dtype)),
  ...pick(smooth, ['sin', 'cos', 'log1p', 'expm1', 'erf', 'softplus', 'gelu']),
  ...pick(activations, ['leakyRelu', 'elu']),
  cumsum,
  ...pick(reductions, ['logsumexp', 'std', 'prod', 'norm']),
  var: reductions.variance,
  ...pick(reshaping, ['squeeze', 'unsqueeze', 'flatten', 'split', 'chunk']),
};

function pick<M extends object>(module: M, names: ReadonlyArray<keyof M & string>): Record<string, (self: Tensor, ...args: never[]) => unknown> {
  return Object.fromEntries(names.map((name) => [name, module[name]])) as Record<string, (self: Tensor, ...args: never[]) => unknown>;
}

for (const [name, op] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...args: never[]) {
      return op(this, ...args);
    },
    writable: true,
    configurable: true,
  });
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
