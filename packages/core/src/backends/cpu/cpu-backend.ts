import { allocate, dtypeOf, type DType } from '../../dtype.js';
import type { FloatArray, Kernels, MatrixView } from '../../kernels/types.js';
import { patchCount } from '../../patch-size.js';
import { rowMajorStrides, sameShape, sizeOf, type Shape } from '../../shape.js';
import { BufferRef, matrixLayout, Storage } from '../../storage.js';
import type { Backend, BinaryKernel, MemoryStats, OptimizerHyperparameters, OptimizerRule, PatchGeometry, ReduceKernel, UnaryKernel } from '../backend.js';
import { BINARY_ROWS, reluFloat32Row, UNARY_ROWS } from './elementwise.js';
import { scatterAdd, take } from './gather.js';
import { elementsOf, type Output } from './memory.js';
import { OPTIMIZER_UPDATES } from './optimizers.js';
import { col2im, im2col, isPlainPairs, maxPool2d, maxUnpool2d } from './patches.js';
import { BufferPool, type Pool } from './pool.js';
import { argReduce, reduce } from './reduce.js';
import { logSoftmaxRows, softmaxCrossEntropy, softmaxRows } from './rows.js';
import { cumsum } from './scan.js';
import { forEachRow, type Walk } from './strided.js';

/**
 * Tensors in JavaScript typed arrays, kernels as loops over strided views. The matrix
 * products come from `matrices` (plain JavaScript for `js`, WebAssembly SIMD128 for `wasm`),
 * which is all the two CPU backends differ in.
 */
export class CpuBackend implements Backend {
  readonly readsSynchronously: boolean = true;
  readonly #alloc = (dtype: DType, shape: readonly number[]): Output => {
    const length = sizeOf(shape);
    const data = this.#pool.take(dtype, length);
    return { storage: Storage.rowMajor(new BufferRef(this, data, dtype, length, true), shape), data };
  };

  constructor(
    readonly name: string,
    /** The matrix kernels; the `wasm` backend swaps in the compiled module once it loads. */
    public matrices: Kernels,
    /** Where buffers come from: JavaScript typed arrays, or the WebAssembly module's memory. */
    pool: Pool = new BufferPool(),
  ) {
    this.#pool = pool;
  }

  #pool: Pool;

  /** Switches to other kernels (and their pool, if they keep tensors in memory of their own);
   *  buffers from the previous pool stay valid and are left to the garbage collector. */
  useKernels(matrices: Kernels, pool: Pool | null): void {
    this.matrices = matrices;
    if (pool !== null) this.#pool = pool;
  }

  upload(data: ArrayLike<number>, dtype: DType, shape: Shape): Storage {
    const { storage, data: out } = this.#alloc(dtype, shape);
    if (ArrayBuffer.isView(data)) out.set(data as FloatArray);
    else for (let i = 0; i < out.length; i++) out[i] = data[i]!;
    return storage;
  }

  adopt(data: FloatArray, shape: Shape): Storage {
    return Storage.rowMajor(new BufferRef(this, data, dtypeOf(data), data.length, false), shape);
  }

  readSync(x: Storage): FloatArray {
    const out = allocate(x.dtype, x.size);
    const src = elementsOf(x);
    if (x.isContiguous) out.set(src);
    else this.#rows(x, out, 'copy', src);
    return out;
  }

  read(x: Storage): Promise<FloatArray> {
    return Promise.resolve(this.readSync(x));
  }

  write(x: Storage, data: ArrayLike<number>): void {
    const dst = elementsOf(x);
    if (x.isContiguous && ArrayBuffer.isView(data)) {
      dst.set(data as FloatArray);
      return;
    }
    let next = 0;
    forEachRow(x.shape, [x], ([d], n, [ds]) => {
      for (let k = 0, at = d!; k < n; k++, at += ds!) dst[at] = data[next++]!;
    });
  }

  recycle(buffer: unknown, dtype: DType): void {
    // Probabilities kept for a gradient that can no longer come (see #lossProbabilities).
    if (this.#lossProbabilities?.logitsBuffer === buffer) this.#dropLossProbabilities();
    this.#pool.give(buffer as FloatArray, dtype);
  }

  memoryStats(): MemoryStats {
    return this.#pool.stats();
  }

  fill(dtype: DType, shape: Shape, value: number): Storage {
    const { storage, data } = this.#alloc(dtype, shape);
    if (!this.matrices.fill?.(data, value)) data.fill(value);
    return storage;
  }

  copy(x: Storage, dtype: DType): Storage {
    const { storage, data } = this.#alloc(dtype, x.shape);
    this.#rows(x, data, 'copy', elementsOf(x));
    return storage;
  }

  copyInto(dst: Storage, src: Storage): void {
    const out = elementsOf(dst);
    const from = elementsOf(src);
    forEachRow(src.shape, [dst, src], ([d, s], n, [ds, ss]) => {
      for (let k = 0, at = d!, i = s!; k < n; k++, at += ds!, i += ss!) out[at] = from[i]!;
    });
  }

  unary(kernel: UnaryKernel, x: Storage): Storage {
    const { storage, data } = this.#alloc(x.dtype, x.shape);
    const src = elementsOf(x);
    if (kernel !== 'relu') {
      this.#rows(x, data, kernel, src);
      return storage;
    }
    // ReLU: rows in WebAssembly where they lie in its memory, else float32 through its bits.
    const fast = this.matrices.reluRow;
    const loop = UNARY_ROWS.relu;
    if (x.isContiguous) {
      // One row, without the walk's set-up (a small tensor's ReLU took twice as long with it).
      if (fast !== undefined && fast(src.length, src, 0, data, 0)) return storage;
      if (src instanceof Float32Array) reluFloat32Row(bitsOf(data), 0, bitsOf(src), 0, 1, src.length);
      else loop(data, 0, src, 0, 1, src.length);
      return storage;
    }
    const [bits, outBits] = src instanceof Float32Array ? [bitsOf(src), bitsOf(data)] : [null, null];
    forEachRow(x.shape, [rowMajorWalk(x.shape), x], ([o, i], n, [, s]) => {
      if (s === 1 && fast !== undefined && fast(n, src, i!, data, o!)) return;
      if (bits !== null) reluFloat32Row(outBits!, o!, bits, i!, s!, n);
      else loop(data, o!, src, i!, s!, n);
    });
    return storage;
  }

  binary(kernel: BinaryKernel, a: Storage, b: Storage): Storage {
    const { storage, data: out } = this.#alloc(a.dtype, a.shape);
    const x = elementsOf(a);
    const y = elementsOf(b);
    const row = BINARY_ROWS[kernel];
    const fast = this.matrices.binaryRows;
    if (a.isContiguous && b.isContiguous && sameShape(a.shape, b.shape)) {
      // Both whole row-major buffers of one shape: a single row, without the walk's set-up.
      const n = out.length;
      if (fast === undefined || !fast(kernel, 1, n, x, 0, 0, 1, y, 0, 0, 1, out, 0, 0)) row(out, 0, x, 0, 1, y, 0, 1, n);
      return storage;
    }
    forEachRow(a.shape, [rowMajorWalk(a.shape), a, b], ([o, i, j], n, [, as, bs]) => {
      if (fast === undefined || !fast(kernel, 1, n, x, i!, 0, as!, y, j!, 0, bs!, out, o!, 0)) row(out, o!, x, i!, as!, y, j!, bs!, n);
    });
    return storage;
  }

  reduce(kernel: ReduceKernel, x: Storage, keptShape: Shape): Storage {
    return reduce(this.#alloc, kernel, x, keptShape, this.matrices);
  }

  matmul(a: Storage, b: Storage): Storage {
    const r = a.ndim;
    const [m, k, n] = [a.shape[r - 2]!, a.shape[r - 1]!, b.shape[r - 1]!];
    const batchShape = a.shape.slice(0, r - 2);
    const { storage, data: out } = this.#alloc(a.dtype, [...batchShape, m, n]);
    const [x, y] = [elementsOf(a), elementsOf(b)];
    if (r === 2 && prefersTransposedProduct(m, n, k, a, b)) {
      this.#transposedProduct(m, n, k, { data: x, ...matrixLayout(a, 0) }, { data: y, ...matrixLayout(b, 0) }, out);
      return storage;
    }
    if (r === 2) {
      this.#noteFinite(b, this.matrices.matmul(m, n, k, { data: x, ...matrixLayout(a, 0) }, this.#rightOperand(b), out, 0));
      return storage;
    }
    let index = 0;
    // One kernel call per matrix of the batch; operands are read in place through their strides.
    const batchWalks = [a, b].map((s) => ({ strides: s.strides.slice(0, r - 2), offset: 0 }));
    forEachRow(batchShape, batchWalks, ([ai, bi], count, [as, bs]) => {
      for (let c = 0; c < count; c++) {
        const left = { data: x, ...matrixLayout(a, ai! + c * as!) };
        const right = { data: y, ...matrixLayout(b, bi! + c * bs!) };
        this.matrices.matmul(m, n, k, left, right, out, index++ * m * n);
      }
    });
    return storage;
  }

  affine(x: Storage, w: Storage, b: Storage): Storage {
    const [n, k, m] = [x.shape[0]!, x.shape[1]!, w.shape[1]!];
    const { storage, data: out } = this.#alloc(x.dtype, [n, m]);
    this.#noteFinite(w, this.matrices.matmul(n, m, k, { data: elementsOf(x), ...matrixLayout(x, 0) }, this.#rightOperand(w), out, 0));
    const bias = elementsOf(b);
    const [bo, bs] = [b.offset, b.strides[0]!];
    // The bias added to every row: one call into WebAssembly where the arrays lie in its memory.
    if (this.matrices.binaryRows?.('add', n, m, out, 0, m, 1, bias, bo, 0, bs, out, 0, m)) return storage;
    for (let row = 0; row < n * m; row += m) {
      for (let j = 0; j < m; j++) out[row + j]! += bias[bo + j * bs]!;
    }
    return storage;
  }

  /** Buffers found free of Inf and NaN, by a product that checked them or an update that wrote
   *  them, with the version they had then (every write through the API bumps it: assign, the
   *  optimizers). A product that skips the zeros of its left operand
   *  must know that the right one is finite (0·Inf is NaN); x·W for one sample (inference)
   *  checked all of W every time, several times the product's own reads. Pooled buffers only:
   *  the user's array behind fromBuffer can change without the version knowing. */
  readonly #finiteAt = new WeakMap<BufferRef, number>();

  /** The right operand of a 2-D product, marked finite where #finiteAt says so. */
  #rightOperand(b: Storage): MatrixView {
    const view: MatrixView = { data: elementsOf(b), ...matrixLayout(b, 0) };
    if (this.#finiteAt.get(b.ref) === b.ref.version) view.finite = true;
    return view;
  }

  /** Remembers what the kernel found of `b`, where its window is the whole buffer. */
  #noteFinite(b: Storage, found: boolean | void): void {
    if (found === true && b.ref.pooled && b.offset === 0 && b.isContiguous && b.size === b.ref.length) this.#finiteAt.set(b.ref, b.ref.version);
  }

  logSoftmax(x: Storage, axis: number): Storage {
    return this.#alongLastAxis(x, axis, (rows) => logSoftmaxRows(this.#alloc, rows, undefined, this.matrices));
  }

  softmax(x: Storage, axis: number): Storage {
    const kept = this.#lossProbabilities;
    if (kept !== null && kept.logits === x && kept.version === x.ref.version && !x.ref.released && axis === x.ndim - 1) {
      this.#lossProbabilities = null;
      return kept.probabilities;
    }
    return this.#alongLastAxis(x, axis, (rows) => softmaxRows(this.#alloc, rows, this.matrices));
  }

  softmaxCrossEntropy(logits: Storage, targets: Storage): Storage {
    const { loss, probabilities } = this.#withRowMajor(logits, (a) => this.#withRowMajor(targets, (y) => softmaxCrossEntropy(this.#alloc, a, y, this.matrices)));
    this.#dropLossProbabilities();
    this.#lossProbabilities = { logits, logitsBuffer: logits.ref.buffer<unknown>(), version: logits.ref.version, probabilities };
    return loss;
  }

  /** softmax(logits) of the last softmaxCrossEntropy, which computed it on the way: the loss's
   *  gradient asks for exactly that next, and it is handed over once instead of computed again
   *  (the exponentials are most of the loss's time). Given back when the next loss replaces it
   *  or the logits' memory is released (the end of a tidy step, a disposed tensor). */
  #lossProbabilities: { logits: Storage; logitsBuffer: unknown; version: number; probabilities: Storage } | null = null;

  #dropLossProbabilities(): void {
    const kept = this.#lossProbabilities;
    this.#lossProbabilities = null;
    kept?.probabilities.ref.release();
  }

  take(x: Storage, axis: number, indices: Int32Array, indexShape: Shape): Storage {
    return this.#withRowMajor(x, (rows) => take(this.#alloc, rows, axis, indices, indexShape, this.matrices.gather));
  }

  scatterAdd(x: Storage, axis: number, indices: Int32Array, indexShape: Shape, size: number): Storage {
    return this.#withRowMajor(x, (rows) => scatterAdd(this.#alloc, rows, axis, indices, indexShape, size));
  }

  where(mask: Storage, a: Storage, b: Storage): Storage {
    const { storage, data: out } = this.#alloc(a.dtype, a.shape);
    const [m, x, y] = [elementsOf(mask), elementsOf(a), elementsOf(b)];
    forEachRow(a.shape, [rowMajorWalk(a.shape), mask, a, b], ([o, c, i, j], n, [, cs, as, bs]) => {
      for (let k = 0, p = c!, q = i!, r = j!; k < n; k++, p += cs!, q += as!, r += bs!) out[o! + k] = m[p] !== 0 ? x[q]! : y[r]!;
    });
    return storage;
  }

  argReduce(kernel: 'argmax' | 'argmin', x: Storage, axis: number): Storage {
    return this.#withRowMajor(x, (rows) => argReduce(this.#alloc, kernel, rows, axis));
  }

  im2col(x: Storage, geometry: PatchGeometry): Storage {
    const fast = this.matrices.im2col;
    if (fast === undefined) return this.#withRowMajor(x, (images) => im2col(this.#alloc, images, geometry));
    return this.#withRowMajor(x, (images) => {
      const rows = images.shape[1]! * geometry.kernel[0] * geometry.kernel[1];
      const [oh, ow] = [0, 1].map((i) => patchCount(images.shape[2 + i]!, geometry.kernel[i]!, geometry.stride[i]!, geometry.padding[i]!, geometry.dilation[i]!));
      const { storage, data } = this.#alloc(images.dtype, [rows, images.shape[0]! * oh! * ow!]);
      if (fast(elementsOf(images), images.shape, geometry, data)) return storage;
      storage.ref.release();
      return im2col(this.#alloc, images, geometry);
    });
  }

  col2im(col: Storage, geometry: PatchGeometry, imageShape: Shape): Storage {
    const fast = this.matrices.col2im;
    if (fast === undefined) return this.#withRowMajor(col, (columns) => col2im(this.#alloc, columns, geometry, imageShape));
    return this.#withRowMajor(col, (columns) => {
      const { storage, data } = this.#alloc(columns.dtype, imageShape);
      if (fast(elementsOf(columns), imageShape, geometry, data)) return storage;
      storage.ref.release();
      return col2im(this.#alloc, columns, geometry, imageShape);
    });
  }

  maxPool2d(x: Storage, geometry: PatchGeometry): Storage {
    const fast = this.matrices.maxPoolPairs;
    return this.#withRowMajor(x, (images) => {
      const src = elementsOf(images);
      if (fast === undefined || !(src instanceof Float32Array) || !isPlainPairs(geometry)) return maxPool2d(this.#alloc, images, geometry);
      const [n, c, h, w] = images.shape as [number, number, number, number];
      const { storage, data } = this.#alloc(images.dtype, [n, c, h >> 1, w >> 1]);
      if (fast(src, n * c, h, w, data as Float32Array)) return storage;
      storage.ref.release();
      return maxPool2d(this.#alloc, images, geometry);
    });
  }

  maxUnpool2d(x: Storage, dy: Storage, geometry: PatchGeometry): Storage {
    const fast = this.matrices.maxUnpoolPairs;
    return this.#withRowMajor(x, (images) =>
      this.#withRowMajor(dy, (grad) => {
        const [src, g] = [elementsOf(images), elementsOf(grad)];
        if (fast === undefined || !(src instanceof Float32Array) || !(g instanceof Float32Array) || !isPlainPairs(geometry)) {
          return maxUnpool2d(this.#alloc, images, grad, geometry);
        }
        const [n, c, h, w] = images.shape as [number, number, number, number];
        const { storage, data } = this.#alloc(images.dtype, images.shape);
        if (fast(src, g, n * c, h, w, data as Float32Array)) return storage;
        storage.ref.release();
        return maxUnpool2d(this.#alloc, images, grad, geometry);
      }),
    );
  }

  cumsum(x: Storage, axis: number, reverse: boolean): Storage {
    return this.#withRowMajor(x, (rows) => cumsum(this.#alloc, rows, axis, reverse));
  }

  optimizerStep(rule: OptimizerRule, w: Storage, g: Storage, slots: readonly Storage[], h: OptimizerHyperparameters): void {
    if (!w.isContiguous || slots.some((s) => !s.isContiguous)) throw new Error(`optimizerStep: the parameter and its slots must be row-major, whole buffers`);
    this.#withRowMajor(g, (grad) => this.#noteFinite(w, OPTIMIZER_UPDATES[rule](elementsOf(w), elementsOf(grad), slots.map(elementsOf), h, this.matrices)));
  }

  /** out = A·B computed as (Bᵀ·Aᵀ)ᵀ: the same products summed in the same order, so the same
   *  bits, with the operands' roles swapped for the kernel's faster packing. */
  #transposedProduct(m: number, n: number, k: number, a: MatrixView, b: MatrixView, out: FloatArray): void {
    const dtype = dtypeOf(out);
    const transposed = this.#pool.take(dtype, m * n);
    this.matrices.matmul(n, m, k, swap(b), swap(a), transposed, 0);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) out[i * n + j] = transposed[j * m + i]!;
    }
    this.#pool.give(transposed, dtype);
  }

  /** Runs a unary row kernel over `x` into the row-major `out`. */
  #rows(x: Storage, out: FloatArray, kernel: UnaryKernel | 'copy', src: FloatArray): void {
    const row = UNARY_ROWS[kernel];
    if (x.isContiguous) {
      row(out, 0, src, 0, 1, out.length);
      return;
    }
    forEachRow(x.shape, [rowMajorWalk(x.shape), x], ([o, i], n, [, s]) => row(out, o!, src, i!, s!, n));
  }

  /** `fn` on a row-major version of `x` (copied only when it is a strided view). */
  #withRowMajor<T>(x: Storage, fn: (rows: Storage) => T): T {
    if (x.isContiguous) return fn(x);
    const copy = this.copy(x, x.dtype);
    try {
      return fn(copy);
    } finally {
      copy.ref.release();
    }
  }

  /** A row kernel applied along any axis: that axis is moved last, and moved back after. */
  #alongLastAxis(x: Storage, axis: number, rowsKernel: (rows: Storage) => Storage): Storage {
    const last = x.ndim - 1;
    if (axis === last) return this.#withRowMajor(x, rowsKernel);
    const perm = [...x.shape.keys()].filter((i) => i !== axis).concat(axis);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    const moved = this.copy(x.permute(perm), x.dtype);
    const result = rowsKernel(moved);
    moved.ref.release();
    const back = this.copy(result.permute(inverse), x.dtype);
    result.ref.release();
    return back;
  }
}

/**
 * Whether A·B runs faster as (Bᵀ·Aᵀ)ᵀ. The kernels pack a row-major left operand a SIMD block
 * at a time, but a transposed right operand one element at a time, for every k and every one
 * of its columns: with A row-major and B transposed, swapping the roles packs m columns that
 * way instead of n. Worth it where m < n and the product is small against the shared dimension,
 * so the final transpose costs little: a weight gradient over many columns, conv2d's
 * dW = dY·col(X)ᵀ (measured 1.3–2× faster with the CNN's shapes).
 */
function prefersTransposedProduct(m: number, n: number, k: number, a: Storage, b: Storage): boolean {
  return a.strides[1] === 1 && b.strides[0] === 1 && b.strides[1] !== 1 && m < n && m * n <= k;
}

/** The same matrix read transposed (its strides swapped). */
function swap(v: MatrixView): MatrixView {
  return { data: v.data, offset: v.offset, rowStride: v.colStride, colStride: v.rowStride };
}

/** A float32 array's elements as their bits. */
function bitsOf(a: FloatArray): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

function rowMajorWalk(shape: Shape): Walk {
  return { strides: rowMajorStrides(shape), offset: 0 };
}
