/// <reference types="@webgpu/types" />
import type { MemoryStats } from '../backend.js';

/** Past this many pooled bytes a recycled buffer is destroyed instead of kept. */
const POOL_LIMIT_BYTES = 1024 * 2 ** 20;

/** The bytes a buffer of `length` float32 elements takes: never 0 (a binding must have a
 *  size), and a multiple of 4 as copies require. */
export function bytesFor(length: number): number {
  return Math.max(16, length * 4);
}

/**
 * Released GPU buffers kept for reuse by size, as the CPU backends keep typed arrays: a
 * training loop asks for the same sizes every step, so after the first step it creates no
 * buffer at all. `retire` receives buffers to destroy; the owner destroys them only once the
 * commands already recorded with them have been submitted.
 */
export class GpuBufferPool {
  readonly #free = new Map<number, GPUBuffer[]>();
  #fresh = 0;
  #reused = 0;
  #pooledBuffers = 0;
  #pooledBytes = 0;

  constructor(
    private readonly create: (bytes: number) => GPUBuffer,
    private readonly retire: (buffer: GPUBuffer) => void,
  ) {}

  take(bytes: number): GPUBuffer {
    const buffer = this.#free.get(bytes)?.pop();
    if (buffer !== undefined) {
      this.#reused++;
      this.#pooledBuffers--;
      this.#pooledBytes -= bytes;
      return buffer;
    }
    this.#fresh++;
    return this.create(bytes);
  }

  give(buffer: GPUBuffer): void {
    const bytes = buffer.size;
    if (this.#pooledBytes + bytes > POOL_LIMIT_BYTES) {
      this.retire(buffer);
      return;
    }
    const list = this.#free.get(bytes);
    if (list === undefined) this.#free.set(bytes, [buffer]);
    else list.push(buffer);
    this.#pooledBuffers++;
    this.#pooledBytes += bytes;
  }

  /** Destroys every pooled buffer (the backend is shutting down). */
  clear(): void {
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    this.#free.clear();
    this.#pooledBuffers = 0;
    this.#pooledBytes = 0;
  }

  stats(): MemoryStats {
    return { fresh: this.#fresh, reused: this.#reused, pooledBuffers: this.#pooledBuffers, pooledBytes: this.#pooledBytes };
  }
}
