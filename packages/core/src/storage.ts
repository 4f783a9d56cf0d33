import type { Backend } from './backends/backend.js';
import type { DType } from './dtype.js';
import { formatShape, packedCopy, rowMajorStrides, sizeOf, type Shape } from './shape.js';

/** One allocation of a backend: a typed array on the CPU backends, a GPU buffer elsewhere.
 *  Every view of the allocation shares this object, so releasing it invalidates them all. */
export class BufferRef {
  #buffer: unknown;
  /** Whether the backend lent this buffer from its pool (and may take it back); memory that a
   *  user handed in (`fromBuffer`) is never pooled. */
  readonly pooled: boolean;

  constructor(
    /** The backend that allocated the buffer (and takes it back). */
    readonly backend: Backend,
    buffer: unknown,
    /** The element type of the buffer. */
    readonly dtype: DType,
    /** The number of elements in the buffer (not bytes). */
    readonly length: number,
    pooled: boolean,
  ) {
    this.#buffer = buffer;
    this.pooled = pooled;
  }

  /** Bumped by every write through the public API (assign, optimizer steps), so that a
   *  backward pass can tell that a value its rules read was changed after the forward. */
  version = 0;

  /** Set by `keep` (a kept tensor, a gradient stored in `.grad`): no `tidy` hands this buffer
   *  back, the one it was made in nor any enclosing one. */
  keptFromTidy = false;

  /** True once `release()` has handed the buffer back; reading it then throws. */
  get released(): boolean {
    return this.#buffer === null;
  }

  /** The backend's buffer; a clear error once it went back to the pool. */
  buffer<B>(): B {
    if (this.#buffer === null) {
      throw new Error(
        'tensor memory was released: this tensor was made inside tidy() (or fit()) or disposed, and its buffer went back to the pool; ' +
          'return it from the tidy function, or call keep(tensor) inside it, to use it afterwards',
      );
    }
    return this.#buffer as B;
  }

  /** Hands the buffer back to its backend's pool; every view of it becomes unusable. */
  release(): void {
    if (this.#buffer === null) return;
    const buffer = this.#buffer;
    this.#buffer = null;
    if (this.pooled) this.backend.recycle(buffer, this.dtype, this.length);
  }
}

/** A tensor's elements: a strided window (shape, strides, offset, in elements) onto one
 *  backend buffer. Views (transpose, broadcast, slice, reshape of row-major data) are new
 *  windows onto the same buffer; nothing is copied. */
export class Storage {
  // Computed on first use: a window never changes, and ops, kernels and the engine ask for
  // these several times per op.
  #size = -1;
  #contiguous: boolean | undefined;

  /** The length of each axis. */
  readonly shape: readonly number[];
  /** Per axis, how many elements to step in the buffer for one position (0 along a broadcast axis). */
  readonly strides: readonly number[];

  constructor(
    /** The allocation this window looks into (shared by every view of it). */
    readonly ref: BufferRef,
    shape: readonly number[],
    strides: readonly number[],
    /** Where element [0, 0, ...] sits in the buffer, in elements. */
    readonly offset: number,
  ) {
    this.shape = packedCopy(shape);
    this.strides = packedCopy(strides);
  }

  /** A row-major window over the whole of `ref`. */
  static rowMajor(ref: BufferRef, shape: Shape): Storage {
    return new Storage(ref, shape, rowMajorStrides(shape), 0);
  }

  /** The buffer's element type. */
  get dtype(): DType {
    return this.ref.dtype;
  }
  /** The backend holding the buffer. */
  get backend(): Backend {
    return this.ref.backend;
  }
  /** The number of elements the window covers (the product of its shape). */
  get size(): number {
    if (this.#size < 0) this.#size = sizeOf(this.shape);
    return this.#size;
  }
  /** The number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Row-major over exactly the whole buffer (the layout kernels write). */
  get isContiguous(): boolean {
    if (this.#contiguous === undefined) this.#contiguous = this.#rowMajorOverWholeBuffer();
    return this.#contiguous;
  }

  #rowMajorOverWholeBuffer(): boolean {
    if (this.offset !== 0 || this.ref.length !== this.size) return false;
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      const d = this.shape[i]!;
      if (d !== 1 && this.strides[i] !== expected) return false;
      expected *= d;
    }
    return true;
  }

  /** The axes in the order `perm` gives. */
  permute(perm: readonly number[]): Storage {
    return new Storage(
      this.ref,
      perm.map((p) => this.shape[p]!),
      perm.map((p) => this.strides[p]!),
      this.offset,
    );
  }

  /** A read-only view at a larger `shape` (numpy's rules): broadcast axes get stride 0. */
  broadcast(shape: Shape): Storage {
    const lead = shape.length - this.ndim;
    const strides = shape.map((d, i) => {
      if (i < lead) return 0;
      return this.shape[i - lead] === 1 && d !== 1 ? 0 : this.strides[i - lead]!;
    });
    return new Storage(this.ref, [...shape], strides, this.offset);
  }

  /** Per axis: from `start`, every `step`-th position, `count` positions. */
  window(start: readonly number[], step: readonly number[], count: readonly number[]): Storage {
    const offset = this.offset + start.reduce((o, s, i) => o + s * this.strides[i]!, 0);
    return new Storage(
      this.ref,
      [...count],
      this.strides.map((s, i) => s * step[i]!),
      offset,
    );
  }

  /** The same row-major elements under another shape; only for contiguous storage. */
  reshaped(shape: Shape): Storage {
    if (!this.isContiguous) throw new Error(`reshaped: storage ${formatShape(this.shape)} is not row-major; copy it first`);
    return Storage.rowMajor(this.ref, shape);
  }
}


/** Where a matrix of a batch sits in a buffer: element (i, j) is at
 *  `offset + i·rowStride + j·colStride`. Transposes are swapped strides, never copies. */
export interface MatrixLayout {
  /** Where element (0, 0) is, in elements. */
  offset: number;
  /** Elements between (i, j) and (i + 1, j). */
  rowStride: number;
  /** Elements between (i, j) and (i, j + 1). */
  colStride: number;
}

/** The last two axes of `s` at a batch offset, read in place. */
export function matrixLayout(s: Storage, batchOffset: number): MatrixLayout {
  const r = s.ndim;
  return { offset: s.offset + batchOffset, rowStride: s.strides[r - 2]!, colStride: s.strides[r - 1]! };
}
