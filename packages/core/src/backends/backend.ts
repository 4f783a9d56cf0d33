import type { DType } from '../dtype.js';
import type { FloatArray } from '../kernels/types.js';
import type { Shape } from '../shape.js';
import type { Storage } from '../storage.js';

/** Elementwise functions of one tensor, by kernel name. `positive` is the mask [A > 0]. */
export type UnaryKernel = 'neg' | 'exp' | 'log' | 'sqrt' | 'relu' | 'positive' | 'sigmoid' | 'tanh';

/** Elementwise functions of two tensors of one shape; comparisons give 1 or 0. */
export type BinaryKernel = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'gt' | 'ge' | 'lt' | 'le' | 'eq';

/** Reductions onto a kept shape: every element is combined into the output cell it would be
 *  broadcast from. */
export type ReduceKernel = 'sum' | 'mean' | 'max';

/** The parameter updates of nn's optimizers, done in place by the backend. */
export type OptimizerRule = 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam' | 'adamw';

/** Everything an update reads besides the tensors: the learning rate, the weight decay, the
 *  gradient's clipping factor, the step count (from 1) and the rule's own constants. */
export interface OptimizerHyperparameters {
  lr: number;
  weightDecay: number;
  scale: number;
  step: number;
  momentum?: number;
  rho?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Positions for take / scatterAdd: integers on the host, checked and non-negative; or, on a
 *  backend that cannot read synchronously, the storage of an index tensor, whose values the
 *  kernel checks (an index that does not fit gives NaN). */
export type IndexSource = Int32Array | Storage;

export interface MemoryStats {
  /** Buffers allocated anew (the pool had none of that dtype and size). */
  fresh: number;
  /** Buffers handed out again from the pool. */
  reused: number;
  /** Buffers and bytes waiting in the pool now. */
  pooledBuffers: number;
  pooledBytes: number;
}

/**
 * A backend owns tensor memory and runs every kernel; ops only name kernels and pass views.
 * Inputs are `Storage` windows onto this backend's buffers (strided, possibly broadcast with
 * stride 0); every kernel that returns a `Storage` returns a fresh row-major one. A backend
 * never sees gradients or graphs.
 */
export interface Backend {
  readonly name: string;
  /** Whether `readSync` works (CPU backends) or values come only through promises (GPUs). */
  readonly readsSynchronously: boolean;
  /** The dtypes its memory holds, where not every dtype (WebGPU: float32 only). */
  readonly dtypes?: readonly DType[];

  // Memory.
  /** A row-major copy of `data` in this backend's memory. */
  upload(data: ArrayLike<number>, dtype: DType, shape: Shape): Storage;
  /** `data` itself as a tensor's memory where the backend can (CPU), else a copy. */
  adopt(data: FloatArray, shape: Shape): Storage;
  /** The elements in row-major order, as a fresh array. */
  read(x: Storage): Promise<FloatArray>;
  readSync(x: Storage): FloatArray;
  /** Overwrites the elements of `x` (row-major order), in place. */
  write(x: Storage, data: ArrayLike<number>): void;
  /** Takes back a buffer that no tensor uses any more (see BufferRef.release). */
  recycle(buffer: unknown, dtype: DType, length: number): void;
  memoryStats(): MemoryStats;

  // Kernels.
  fill(dtype: DType, shape: Shape, value: number): Storage;
  /** A row-major copy of `x` in `dtype`. */
  copy(x: Storage, dtype: DType): Storage;
  /** Writes `src` into the (possibly strided) window `dst` of an existing buffer. */
  copyInto(dst: Storage, src: Storage): void;
  unary(kernel: UnaryKernel, x: Storage): Storage;
  /** `a` and `b` have the output's shape (broadcast views) and one dtype. */
  binary(kernel: BinaryKernel, a: Storage, b: Storage): Storage;
  reduce(kernel: ReduceKernel, x: Storage, keptShape: Shape): Storage;
  /** Batched C = A·B over the last two axes; batch axes of A and B are equal (broadcast views). */
  matmul(a: Storage, b: Storage): Storage;
  /** Z = X·W + 1·bᵀ for X [N, K], W [K, M], b [M]. */
  affine(x: Storage, w: Storage, b: Storage): Storage;
  logSoftmax(x: Storage, axis: number): Storage;
  softmax(x: Storage, axis: number): Storage;
  /** −(1/N)·Σ Y∘log softmax(A) over rows of A [N, C], as a 0-d storage. */
  softmaxCrossEntropy(logits: Storage, targets: Storage): Storage;
  /** The slices of `x` at `indices` along `axis`, the axis replaced by `indexShape`. */
  take(x: Storage, axis: number, indices: IndexSource, indexShape: Shape): Storage;
  /** Zeros with `size` positions along `axis`; the slices of `x` (whose axes from `axis` on
   *  begin with `indexShape`) added at their indices. */
  scatterAdd(x: Storage, axis: number, indices: IndexSource, indexShape: Shape, size: number): Storage;
  /** `a` where `mask` is non-zero, `b` elsewhere; all three of one shape. */
  where(mask: Storage, a: Storage, b: Storage): Storage;
  /** The position of the first extreme along `axis` (the axis kept, size 1), as float64
   *  (float32, exact to 2²⁴, on a backend without float64). */
  argReduce(kernel: 'argmax' | 'argmin', x: Storage, axis: number): Storage;
  /** Updates the parameter `w` and its `slots` in place from the gradient `g`. */
  optimizerStep(rule: OptimizerRule, w: Storage, g: Storage, slots: readonly Storage[], h: OptimizerHyperparameters): void;
}
