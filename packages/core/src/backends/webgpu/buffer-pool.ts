/// <reference types="@webgpu/types" />
import type { MemoryStats } from '../backend.js';

/** Past this many pooled bytes the sizes least recently asked for are destroyed. */
const POOL_LIMIT_BYTES = 1024 * 2 ** 20;

/** The bytes a buffer of `length` float32 elements takes: never 0 (a binding must have a
 *  size), and a multiple of 4 as copies require. */
export function bytesFor(length: number): number {
  return Math.max(16, length * 4);
}

/**
 * Released GPU buffers kept for reuse by size, as the CPU backends keep typed arrays: a
 * training loop asks for the same sizes every step, so after the first step it creates no
 * buffer at all. Over the limit, the sizes asked for least recently go first (big products
 * measured earlier must not crowd out the training loop's buffers). `retire` receives buffers
 * to destroy; the owner destroys them once the commands recorded with them are submitted.
 */
/** The pooled buffers of one size, and when that size was last asked for. */
interface SizeClass {
  buffers: GPUBuffer[];
  used: number;
}

export class GpuBufferPool {
  readonly #free = new Map<number, SizeClass>();
  #clock = 0;
  #fresh = 0;
  #reused = 0;
  #pooledBuffers = 0;
  #pooledBytes = 0;

  constructor(
    private readonly create: (bytes: number) => GPUBuffer,
    private readonly retire: (buffer: GPUBuffer) => void,
  ) {}

  take(bytes: number): GPUBuffer {
    let size = this.#free.get(bytes);
    if (size === undefined) this.#free.set(bytes, (size = { buffers: [], used: 0 }));
    size.used = ++this.#clock;
    const buffer = size.buffers.pop();
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
    if (bytes > POOL_LIMIT_BYTES) {
      this.retire(buffer);
      return;
    }
    if (this.#pooledBytes + bytes > POOL_LIMIT_BYTES) this.#evict(POOL_LIMIT_BYTES - bytes);
    let size = this.#free.get(bytes);
    if (size === undefined) this.#free.set(bytes, (size = { buffers: [], used: this.#clock }));
    size.buffers.push(buffer);
    this.#pooledBuffers++;
    this.#pooledBytes += bytes;
  }

  /** Retires buffers of the sizes least recently asked for until at most `limit` bytes stay. */
  #evict(limit: number): void {
    const sizes = [...this.#free].sort(([, a], [, b]) => a.used - b.used);
    for (const [bytes, size] of sizes) {
      while (size.buffers.length > 0 && this.#pooledBytes > limit) {
        this.retire(size.buffers.pop()!);
        this.#pooledBuffers--;
        this.#pooledBytes -= bytes;
      }
      if (this.#pooledBytes <= limit) return;
    }
  }

  /** Destroys every pooled buffer (the backend is shutting down). */
  clear(): void {
    for (const size of this.#free.values()) for (const b of size.buffers) b.destroy();
    this.#free.clear();
    this.#pooledBuffers = 0;
    this.#pooledBytes = 0;
  }

  stats(): MemoryStats {
    return { fresh: this.#fresh, reused: this.#reused, pooledBuffers: this.#pooledBuffers, pooledBytes: this.#pooledBytes };
  }
}
