import { allocate, type DType } from '../../dtype.js';
import type { FloatArray } from '../../kernels/types.js';
import type { MemoryStats } from '../backend.js';
import { BufferPool, type Pool } from '../cpu/pool.js';

const PAGE_BYTES = 65536;

/**
 * Blocks of a WebAssembly memory, handed out by size class: sizes up to 256 bytes round up to
 * 16, larger ones to one of eight steps per doubling (at most 12.5% unused). A freed block waits
 * on its class's free list for the next request of that class; memory only grows. This is the
 * caching allocator of GPU frameworks: a training loop asks for the same sizes every step, so
 * after the first step it neither grows memory nor allocates.
 */
export class Arena {
  readonly #free = new Map<number, number[]>();
  #top: number;
  readonly #start: number;
  #freeBytes = 0;
  #freeBlocks = 0;
  /** Requests that grew the arena, and requests served from a free list. */
  fresh = 0;
  reused = 0;

  constructor(
    readonly memory: WebAssembly.Memory,
    /** First byte the arena may use (16-byte aligned): the module's static data and scratch lie below. */
    start: number,
  ) {
    this.#start = align16(start);
    this.#top = this.#start;
  }

  /** Bytes of blocks handed out and not released. */
  get held(): number {
    return this.#top - this.#start - this.#freeBytes;
  }

  /** A block of at least `bytes` bytes (16-byte aligned), or -1 where memory cannot grow to hold
   *  it or would grow past `limit` bytes of blocks. */
  allocate(bytes: number, limit = Infinity): number {
    const size = classSize(bytes);
    const list = this.#free.get(size);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.reused++;
      this.#freeBlocks--;
      this.#freeBytes -= size;
      return reused;
    }
    const at = this.#top;
    const end = at + size;
    if (end - this.#start > limit) return -1;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
      } catch {
        return -1;
      }
    }
    this.#top = end;
    this.fresh++;
    return at;
  }

  /** Returns a block from `allocate` (with the byte count it was asked for). */
  release(at: number, bytes: number): void {
    const size = classSize(bytes);
    const list = this.#free.get(size);
    if (list === undefined) this.#free.set(size, [at]);
    else list.push(at);
    this.#freeBlocks++;
    this.#freeBytes += size;
  }

  /** Free blocks and their bytes. */
  get idle(): { blocks: number; bytes: number } {
    return { blocks: this.#freeBlocks, bytes: this.#freeBytes };
  }
}

/** Tensors stop coming from the arena past this many bytes of it: a loop that drops tensors
 *  without tidy returns their blocks only when finalizers run, after the loop, so the arena must
 *  not grow without bound meanwhile (past it, tensors use JavaScript memory and the garbage
 *  collector, as on the js backend). Kernels' temporary copies may go past it. */
const TENSOR_LIMIT_BYTES = 512 * 2 ** 20;

/** Smaller buffers (under 256 float32) come from JavaScript memory, pooled there: registering a
 *  buffer with the finalizer and unregistering it costs about a microsecond, more than the
 *  module saves on so few elements (per-op times on 10×10 tensors rose 1–3 µs without this;
 *  4 KiB instead of 1 KiB put the MLP's 100×10 layer outside and its epoch did not gain). */
export const SMALLEST_ARENA_BYTES = 1024;

/**
 * The wasm backend's tensor memory: every buffer is a typed array over the module's shared
 * memory, so the WebAssembly kernels read and write tensors where they lie. The memory is
 * shared because a shared memory's growth leaves the earlier views intact (a plain memory's
 * growth detaches every view, which would empty every tensor). A buffer that is dropped without
 * being released (a tensor made outside tidy and collected) is returned by a finalizer. Where
 * the memory cannot grow (4 GiB, or TENSOR_LIMIT_BYTES), buffers come from JavaScript memory and
 * kernels copy them.
 */
export class ArenaPool implements Pool {
  readonly #arena: Arena;
  readonly #buffers = new WeakSet<ArrayBufferLike>();
  /** The memory's buffer when the latest view was made: nearly every view asked about lies in
   *  it, and an identity test is cheaper than the set's lookup (dozens of asks a step). */
  #latestBuffer: ArrayBufferLike | null = null;
  readonly #collected = new FinalizationRegistry<[number, number]>(([at, bytes]) => this.#arena.release(at, bytes));
  /** Buffers that had to come from JavaScript memory (the arena could not grow). */
  #outside = 0;
  /** Small buffers, in JavaScript memory. */
  readonly #small = new BufferPool();
  /** Released buffers, by their blocks' size class, the last released first. Their blocks stay
   *  out of the arena's free lists, and their views stay registered with the finalizer: a
   *  training step asks for the same sizes every time, and handing the same view out again
   *  spares making a typed array and registering it (about a microsecond a buffer), and a take
   *  and a give are one lookup each (with the views kept by address beside the arena's free
   *  lists they were five, a few microseconds a training step). A view that a dropped tensor
   *  held is never here, so it is still collected and its block returned to the arena. */
  readonly #released = new Map<number, FloatArray[]>();
  #releasedBlocks = 0;
  #releasedBytes = 0;
  #reused = 0;

  constructor(
    arena: Arena,
    /** Buffers below this many bytes come from JavaScript memory. */
    private readonly smallestBytes = SMALLEST_ARENA_BYTES,
  ) {
    this.#arena = arena;
  }

  take(dtype: DType, length: number): FloatArray {
    const bytes = Math.max(length * (dtype === 'float32' ? 4 : 8), 16);
    if (bytes < this.smallestBytes) return this.#small.take(dtype, length);
    const size = classSize(bytes);
    const released = this.#released.get(size)?.pop();
    if (released !== undefined) {
      this.#reused++;
      this.#releasedBlocks--;
      this.#releasedBytes -= size;
      if (released.length === length && released instanceof (dtype === 'float32' ? Float32Array : Float64Array)) return released;
      // Another length or type in the same block: the old view's registration would release
      // the block a second time once the old view is collected.
      this.#collected.unregister(released);
      return this.#view(dtype, length, released.byteOffset, bytes);
    }
    const at = this.#arena.allocate(bytes, TENSOR_LIMIT_BYTES);
    if (at < 0) {
      this.#outside++;
      return allocate(dtype, length);
    }
    return this.#view(dtype, length, at, bytes);
  }

  /** A view of `length` elements on the block at `at`, registered to return the block (asked
   *  for as `bytes`) to the arena once it is collected. */
  #view(dtype: DType, length: number, at: number, bytes: number): FloatArray {
    const buffer = this.#arena.memory.buffer;
    this.#buffers.add(buffer);
    this.#latestBuffer = buffer;
    const view = dtype === 'float32' ? new Float32Array(buffer, at, length) : new Float64Array(buffer, at, length);
    this.#collected.register(view, [at, bytes], view);
    return view;
  }

  give(buffer: FloatArray, dtype: DType): void {
    if (!this.holds(buffer)) {
      if (buffer.byteLength < this.smallestBytes) this.#small.give(buffer, dtype);
      return;
    }
    const size = classSize(Math.max(buffer.byteLength, 16));
    const list = this.#released.get(size);
    if (list === undefined) this.#released.set(size, [buffer]);
    else list.push(buffer);
    this.#releasedBlocks++;
    this.#releasedBytes += size;
  }

  /** Whether `data` lies in the arena's memory (so kernels can use its address). */
  holds(data: FloatArray): boolean {
    // The arena's memory is shared, so an ArrayBuffer (a small tensor's) is never in it.
    const buffer = data.buffer;
    return buffer === this.#latestBuffer || (buffer instanceof SharedArrayBuffer && this.#buffers.has(buffer));
  }

  stats(): MemoryStats {
    const idle = this.#arena.idle;
    const small = this.#small.stats();
    return {
      fresh: this.#arena.fresh + this.#outside + small.fresh,
      reused: this.#arena.reused + this.#reused + small.reused,
      pooledBuffers: idle.blocks + this.#releasedBlocks + small.pooledBuffers,
      pooledBytes: idle.bytes + this.#releasedBytes + small.pooledBytes,
      heldBytes: this.#arena.held - this.#releasedBytes,
    };
  }
}

function align16(byte: number): number {
  return (byte + 15) & ~15;
}

/** The size class of a request: 16-byte steps to 256 bytes, then eight steps per doubling. */
export function classSize(bytes: number): number {
  if (bytes <= 256) return align16(Math.max(bytes, 16));
  if (bytes <= 2 ** 30) {
    // The same steps in 32-bit integer arithmetic (every tensor op asks twice, and log2/pow
    // showed up in the per-op profile).
    const shift = 31 - Math.clz32(bytes - 1) - 3;
    return ((bytes + (1 << shift) - 1) >>> shift) << shift;
  }
  const octave = Math.floor(Math.log2(bytes - 1));
  const step = 2 ** (octave - 3);
  return Math.ceil(bytes / step) * step;
}
