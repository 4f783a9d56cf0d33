/// <reference types="@webgpu/types" />
import { COPY_DST_USAGE, MAP_READ_MODE, STAGING_USAGE, STORAGE_USAGE } from './gpu-flags.js';
import type { Params } from './params.js';

/** A compiled kernel and the layout its bind groups follow (binding 0, the parameters, at a
 *  dynamic offset). */
export interface Kernel {
  name: string;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/** A range of a buffer bound to a kernel (the whole buffer when offset and size are absent). */
export interface Binding {
  buffer: GPUBuffer;
  offset?: number;
  size?: number;
}

/** Bytes of kernel parameters and small staged data recorded between two submits. */
const ARENA_BYTES = 1 << 20;
/** The window of the arena a kernel's parameter binding covers (its block starts there). */
export const PARAMS_BYTES = 1024;
/** Bind groups kept for reuse before the cache is cleared (a training loop needs a few dozen). */
const BIND_GROUP_CACHE_LIMIT = 4096;
/** Submits after this many recorded dispatches, so the GPU starts while the host records more. */
const DISPATCHES_PER_SUBMIT = 48;

/**
 * Records kernels into one command encoder and submits them in batches: a dispatch costs the
 * host a few calls, not a submit. Each dispatch's parameters go to its own aligned block of an
 * arena buffer that is written once per submit, right before it, so every dispatch of a batch
 * sees its own values; the block is bound at a dynamic offset, so a bind group depends only on
 * the kernel and its tensors' buffers and is made once (a training loop's pooled buffers come
 * back in the same order every step). Anything the queue does at once (writeBuffer, mapAsync)
 * first submits what was recorded, which keeps the queue's order the program's.
 */
export class CommandRecorder {
  readonly #arena: GPUBuffer;
  readonly #arenaWords = new Uint32Array(ARENA_BYTES / 4);
  readonly #align: number;
  #arenaUsed = 0;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #pipeline: GPUComputePipeline | null = null;
  readonly #dynamicOffset = new Uint32Array(1);
  #dispatches = 0;
  /** Buffers to destroy once the commands that use them are submitted. */
  #retired: GPUBuffer[] = [];
  readonly #staging = new Map<number, GPUBuffer[]>();
  #error: Error | null = null;
  readonly #groups = new Map<string, GPUBindGroup>();
  readonly #bufferIds = new WeakMap<GPUBuffer, number>();
  #nextBufferId = 0;

  constructor(readonly device: GPUDevice) {
    this.#align = device.limits.minStorageBufferOffsetAlignment;
    this.#arena = device.createBuffer({ size: ARENA_BYTES, usage: STORAGE_USAGE | COPY_DST_USAGE });
    device.onuncapturederror = (event: GPUUncapturedErrorEvent) => {
      this.#error ??= new Error(`webgpu: the device reported an error: ${event.error.message}`);
    };
    void device.lost.then((info) => {
      this.#error ??= new Error(`webgpu: the device was lost (${info.reason}): ${info.message}`);
    });
  }

  /** Throws the first error the device reported (validation, out of memory, device lost):
   *  results computed after it cannot be trusted. */
  checkHealthy(): void {
    if (this.#error !== null) throw this.#error;
  }

  /** Copies `words` into the arena (submitting first if it is full) and returns the binding. */
  stage(words: Uint32Array): Binding {
    const bytes = Math.max(16, words.byteLength);
    if (bytes > ARENA_BYTES / 4) {
      // Too large for the arena: a fresh buffer, which no recorded command can be using yet.
      const buffer = this.device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: STORAGE_USAGE | COPY_DST_USAGE });
      this.device.queue.writeBuffer(buffer, 0, words);
      this.#retired.push(buffer);
      return { buffer };
    }
    const offset = this.#reserve(bytes, words.byteLength);
    this.#arenaWords.set(words, offset / 4);
    return { buffer: this.#arena, offset, size: bytes };
  }

  /** An aligned arena offset with `window` bytes after it inside the arena (submitting first
   *  when the arena is full), of which the next `used` bytes are taken. */
  #reserve(window: number, used: number): number {
    let offset = Math.ceil(this.#arenaUsed / this.#align) * this.#align;
    if (offset + window > ARENA_BYTES) {
      this.submit();
      offset = 0;
    }
    this.#arenaUsed = offset + Math.max(16, used);
    return offset;
  }

  dispatch(kernel: Kernel, params: Params, bindings: readonly Binding[], workgroups: readonly [number, number, number]): void {
    if (params.byteLength > PARAMS_BYTES) throw new Error(`webgpu: the parameters of '${kernel.name}' exceed ${PARAMS_BYTES} bytes (a tensor of too many axes)`);
    const offset = this.#reserve(PARAMS_BYTES, params.byteLength);
    params.copyTo(this.#arenaWords, offset / 4);
    const group = this.#bindGroup(kernel, bindings);
    const pass = this.#computePass();
    if (this.#pipeline !== kernel.pipeline) pass.setPipeline((this.#pipeline = kernel.pipeline));
    this.#dynamicOffset[0] = offset;
    pass.setBindGroup(0, group, this.#dynamicOffset, 0, 1);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    if (++this.#dispatches >= DISPATCHES_PER_SUBMIT) this.submit();
  }

  #bindGroup(kernel: Kernel, bindings: readonly Binding[]): GPUBindGroup {
    // Windows of a buffer (staged indices) change every time: only whole buffers are cached.
    let key: string | null = kernel.name;
    for (const b of bindings) {
      if (b.offset !== undefined) {
        key = null;
        break;
      }
      key += `|${this.#idOf(b.buffer)}`;
    }
    let group = key === null ? undefined : this.#groups.get(key);
    if (group === undefined) {
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.#arena, offset: 0, size: PARAMS_BYTES } }];
      bindings.forEach((b, i) => entries.push({ binding: i + 1, resource: b.offset === undefined ? { buffer: b.buffer } : { buffer: b.buffer, offset: b.offset, size: b.size! } }));
      group = this.device.createBindGroup({ layout: kernel.layout, entries });
      if (key !== null) {
        if (this.#groups.size >= BIND_GROUP_CACHE_LIMIT) this.#groups.clear();
        this.#groups.set(key, group);
      }
    }
    return group;
  }

  #idOf(buffer: GPUBuffer): number {
    let id = this.#bufferIds.get(buffer);
    if (id === undefined) this.#bufferIds.set(buffer, (id = this.#nextBufferId++));
    return id;
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.#endPass();
    this.#encoder ??= this.device.createCommandEncoder();
    this.#encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Writes host data into a buffer, after everything recorded before (which may still read
   *  the buffer's old contents: pooled buffers are handed out again at once). */
  write(buffer: GPUBuffer, byteOffset: number, data: Float32Array): void {
    if (this.#encoder !== null) this.submit();
    this.device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** The float32 elements in [byteOffset, byteOffset + bytes) of `buffer`, once every command
   *  recorded so far has run. The copy is recorded now, so the buffer may be reused at once. */
  async read(buffer: GPUBuffer, byteOffset: number, bytes: number): Promise<Float32Array> {
    this.checkHealthy();
    const staging = this.#stagingBuffer(bytes);
    this.copy(buffer, byteOffset, staging, 0, bytes);
    this.submit();
    try {
      await staging.mapAsync(MAP_READ_MODE, 0, bytes);
    } catch (e) {
      this.checkHealthy();
      throw new Error(`webgpu: reading a tensor failed: ${(e as Error).message}`, { cause: e });
    }
    const out = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    staging.unmap();
    this.#staging.get(bytes)!.push(staging);
    this.checkHealthy();
    return out;
  }

  /** Destroys `buffer` once the commands recorded with it are submitted. */
  retire(buffer: GPUBuffer): void {
    this.#retired.push(buffer);
  }

  submit(): void {
    this.#endPass();
    if (this.#encoder !== null) {
      if (this.#arenaUsed > 0) this.device.queue.writeBuffer(this.#arena, 0, this.#arenaWords.buffer, 0, Math.ceil(this.#arenaUsed / 4) * 4);
      this.device.queue.submit([this.#encoder.finish()]);
    }
    this.#encoder = null;
    this.#arenaUsed = 0;
    this.#dispatches = 0;
    for (const b of this.#retired) b.destroy();
    this.#retired = [];
  }

  /** Resolves when the GPU has finished everything submitted so far. */
  async idle(): Promise<void> {
    this.submit();
    await this.device.queue.onSubmittedWorkDone();
    this.checkHealthy();
  }

  destroy(): void {
    this.submit();
    for (const list of this.#staging.values()) for (const b of list) b.destroy();
    this.#staging.clear();
    this.#arena.destroy();
  }

  #computePass(): GPUComputePassEncoder {
    if (this.#pass === null) {
      this.#encoder ??= this.device.createCommandEncoder();
      this.#pass = this.#encoder.beginComputePass();
    }
    return this.#pass;
  }

  #endPass(): void {
    this.#pass?.end();
    this.#pass = null;
    this.#pipeline = null;
  }

  #stagingBuffer(bytes: number): GPUBuffer {
    let list = this.#staging.get(bytes);
    if (list === undefined) this.#staging.set(bytes, (list = []));
    return list.pop() ?? this.device.createBuffer({ size: bytes, usage: STAGING_USAGE });
  }
}
