import type { DType } from '../dtype.js';
import type { FloatArray } from '../kernels/types.js';
import type { Shape } from '../shape.js';
import type { Storage } from '../storage.js';

/** Elementwise functions of one tensor, by kernel name. `positive` is the mask [A > 0]. */
export type UnaryKernel = 'neg' | 'exp' | 'log' | 'sqrt' | 'relu' | 'positive' | 'sigmoid' | 'tanh' | SmoothUnaryKernel;

/** More elementwise functions: `softplus` is log(1 + exp(A)), `gelu` is A·Φ(A) (Φ the normal
 *  distribution function) and `geluTanh` its tanh approximation. */
export type SmoothUnaryKernel = 'sin' | 'cos' | 'log1p' | 'expm1' | 'erf' | 'softplus' | 'gelu' | 'geluTanh';

/** Elementwise functions of two tensors of one shape; comparisons give 1 or 0. `maskPositive`
 *  is A∘[B > 0] (relu's backward, as mul by the mask `positive` would give it, in one pass). */
export type BinaryKernel = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'maskPositive';

/** Reductions onto a kept shape: every element is combined into the output cell it would be
 *  broadcast from. */
export type ReduceKernel = 'sum' | 'mean' | 'max';

/** The parameter updates of nn's optimizers, done in place by the backend. */
export type OptimizerRule = 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam' | 'adamw';

/** Everything an update reads besides the tensors: the learning rate, the weight decay, the
 *  gradient's clipping factor, the step count (from 1) and the rule's own constants. */
export interface OptimizerHyperparameters {
  /** The learning rate of this step. */
  lr: number;
  /** λ: added to the gradient as λ·w (L2), or for AdamW taken off the weights as lr·λ·w. */
  weightDecay: number;
  /** The factor the gradient is multiplied by first (below 1 when its norm is clipped, else 1). */
  scale: number;
  /** The number of this step, from 1 (Adam's bias correction reads it). */
  step: number;
  /** The velocity's decay, for momentum and nesterov. */
  momentum?: number;
  /** The decay of RMSprop's running average of squared gradients. */
  rho?: number;
  /** Adam's decay of the running mean of gradients. */
  beta1?: number;
  /** Adam's decay of the running mean of squared gradients. */
  beta2?: number;
  /** Added to the denominator's square root, so it is never 0 (adagrad, rmsprop, adam). */
  eps?: number;
}

/** Positions for take / scatterAdd: integers on the host, checked and non-negative; or, on a
 *  backend that cannot read synchronously, the storage of an index tensor, whose values the
 *  kernel checks (an index that does not fit gives NaN). */
export type IndexSource = Int32Array | Storage;

/** Where the patches of a 2-D convolution or pooling lie in an image: kernel size, stride,
 *  zero padding (the same on both sides) and dilation, each as [along height, along width]. */
export interface PatchGeometry {
  /** The kernel's size in taps, [kh, kw]. */
  kernel: readonly [number, number];
  /** The step between neighbouring patches, in pixels. */
  stride: readonly [number, number];
  /** Pixels of `padValue` added on each side of the image. */
  padding: readonly [number, number];
  /** The spacing between a patch's taps, in pixels (1: dense). */
  dilation: readonly [number, number];
  /** What a patch reads outside the image: 0 for convolution and average pooling, −∞ for max pooling. */
  padValue: number;
}

/** What a backend's buffer pool has done and holds (see `memoryStats()`). */
export interface MemoryStats {
  /** Buffers allocated anew (the pool had none of that dtype and size). */
  fresh: number;
  /** Buffers handed out again from the pool. */
  reused: number;
  /** Buffers and bytes waiting in the pool now. */
  pooledBuffers: number;
  /** The bytes of the buffers waiting in the pool. */
  pooledBytes: number;
  /** Bytes of the buffers handed out and not yet given back, where the backend owns its memory
   *  (the wasm backend's WebAssembly memory); absent where the JavaScript heap holds them. A
   *  buffer dropped without being released counts until a finalizer returns it, which runs
   *  only after the current synchronous code. */
  heldBytes?: number;
}

/**
 * A backend owns tensor memory and runs every kernel; ops only name kernels and pass views.
 * Inputs are `Storage` windows onto this backend's buffers (strided, possibly broadcast with
 * stride 0); every kernel that returns a `Storage` returns a fresh row-major one. A backend
 * never sees gradients or graphs.
 */
export interface Backend {
  /** The name it is registered and chosen under (`js`, `wasm`, ...). */
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
  /** The elements in row-major order, as a fresh array, synchronously; only where
   *  `readsSynchronously` (otherwise it throws). */
  readSync(x: Storage): FloatArray;
  /** Overwrites the elements of `x` (row-major order), in place. */
  write(x: Storage, data: ArrayLike<number>): void;
  /** Takes back a buffer that no tensor uses any more (see BufferRef.release). */
  recycle(buffer: unknown, dtype: DType, length: number): void;
  /** Counts of this backend's buffer pool. */
  memoryStats(): MemoryStats;

  // Kernels.
  /** A fresh row-major storage of `shape` with every element `value`. */
  fill(dtype: DType, shape: Shape, value: number): Storage;
  /** A row-major copy of `x` in `dtype`. */
  copy(x: Storage, dtype: DType): Storage;
  /** Writes `src` into the (possibly strided) window `dst` of an existing buffer. */
  copyInto(dst: Storage, src: Storage): void;
  /** The elementwise function `kernel` of `x`, in `x`'s dtype and shape. */
  unary(kernel: UnaryKernel, x: Storage): Storage;
  /** `a` and `b` have the output's shape (broadcast views) and one dtype. */
  binary(kernel: BinaryKernel, a: Storage, b: Storage): Storage;
  /** `x` reduced onto `keptShape` (its shape with the reduced axes set to 1). */
  reduce(kernel: ReduceKernel, x: Storage, keptShape: Shape): Storage;
  /** Batched C = A·B over the last two axes; batch axes of A and B are equal (broadcast views). */
  matmul(a: Storage, b: Storage): Storage;
  /** Z = X·W + 1·bᵀ for X [N, K], W [K, M], b [M]. */
  affine(x: Storage, w: Storage, b: Storage): Storage;
  /** log softmax along `axis`, shifted by the maximum so large inputs stay finite. */
  logSoftmax(x: Storage, axis: number): Storage;
  /** softmax along `axis` (a non-negative axis), shifted by the maximum so large inputs stay finite. */
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
  /** The patches of images `x` [N, C, H, W] as columns: row (c, i, j) of the output
   *  [C·kh·kw, N·OH·OW] holds pixel (i, j) of channel c's patch under every output position
   *  (n, oh, ow), so a convolution is one matrix product. */
  im2col(x: Storage, geometry: PatchGeometry): Storage;
  /** The adjoint of im2col: zeros of `imageShape` [N, C, H, W], every entry of `col` added
   *  back at the pixel it was read from (patches that overlap sum); padding is dropped. */
  col2im(col: Storage, geometry: PatchGeometry, imageShape: Shape): Storage;
  /** The largest entry of each window of images `x` [N, C, H, W], per channel: [N, C, OH, OW]
   *  (padding never wins; a window holding NaN gives NaN). */
  maxPool2d(x: Storage, geometry: PatchGeometry): Storage;
  /** Zeros shaped like `x`, each entry of `dy` [N, C, OH, OW] added at the largest entry of its
   *  window of `x` (split evenly between ties; NaN over a window holding NaN). */
  maxUnpool2d(x: Storage, dy: Storage, geometry: PatchGeometry): Storage;
  /** Running sums along `axis`, from its start (or from its end when `reverse`). */
  cumsum(x: Storage, axis: number, reverse: boolean): Storage;
  /** Updates the parameter `w` and its `slots` in place from the gradient `g`. */
  optimizerStep(rule: OptimizerRule, w: Storage, g: Storage, slots: readonly Storage[], h: OptimizerHyperparameters): void;
}
