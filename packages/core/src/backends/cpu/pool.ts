import { allocate, type DType } from '../../dtype.js';
import type { FloatArray } from '../../kernels/types.js';
import type { MemoryStats } from '../backend.js';

/** Past this many pooled bytes a recycled buffer is left to the garbage collector. */
const POOL_LIMIT_BYTES = 256 * 2 ** 20;

/** Where a CPU backend's buffers come from and go back to. */
export interface Pool {
  /** A buffer of `length` elements; its contents are whatever was there (kernels overwrite it). */
  take(dtype: DType, length: number): FloatArray;
  /** Takes back a buffer from `take`, for reuse. */
  give(buffer: FloatArray, dtype: DType): void;
  stats(): MemoryStats;
}

/** Released buffers kept for reuse, by dtype and length: a steady training loop asks for the
 *  same sizes every step, so after the first step it allocates almost nothing. */
export class BufferPool implements Pool {
  // By dtype, then length: no key string to build on every take and give.
  readonly #free: Record<DType, Map<number, FloatArray[]>> = { float32: new Map(), float64: new Map() };
  #fresh = 0;
  #reused = 0;
  #pooledBuffers = 0;
  #pooledBytes = 0;

  /** A buffer of `length` elements; its contents are whatever was there (kernels overwrite it). */
  take(dtype: DType, length: number): FloatArray {
    const list = this.#free[dtype].get(length);
    const buffer = list?.pop();
    if (buffer !== undefined) {
      this.#reused++;
      this.#pooledBuffers--;
      this.#pooledBytes -= buffer.byteLength;
      return buffer;
    }
    this.#fresh++;
    return allocate(dtype, length);
  }

  give(buffer: FloatArray, dtype: DType): void {
    if (this.#pooledBytes + buffer.byteLength > POOL_LIMIT_BYTES) return;
    const lists = this.#free[dtype];
    const list = lists.get(buffer.length);
    if (list === undefined) lists.set(buffer.length, [buffer]);
    else list.push(buffer);
    this.#pooledBuffers++;
    this.#pooledBytes += buffer.byteLength;
  }

  stats(): MemoryStats {
    return { fresh: this.#fresh, reused: this.#reused, pooledBuffers: this.#pooledBuffers, pooledBytes: this.#pooledBytes };
  }
}
