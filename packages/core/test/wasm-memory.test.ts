import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { matmul, randn, tensor, tidy } from '../src/index.js';
import { classSize } from '../src/backends/wasm/arena.js';
import { createWasmKernels } from '../src/backends/wasm/wasm-kernels.js';
import { referenceKernels } from '../src/kernels/index.js';

const MiB = 2 ** 20;

describe("the wasm backend's memory", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('rounds a request up by at most 1/8 (or to 16 bytes), never down', () => {
    let previous = 0;
    for (let bytes = 1; bytes < 5e6; bytes = Math.ceil(bytes * 1.013) + 1) {
      const size = classSize(bytes);
      expect(size).toBeGreaterThanOrEqual(bytes);
      expect(size % 16).toBe(0);
      expect(size).toBeLessThanOrEqual(Math.max(bytes * 1.125, 16 * Math.ceil(bytes / 16)));
      expect(size).toBeGreaterThanOrEqual(previous);
      previous = size;
    }
    // The integer steps agree with the octave formula up to 1 GiB, and beyond it hands over.
    for (let bytes = 257; bytes < 2 ** 31; bytes = Math.ceil(bytes * 1.07) + 1) {
      const step = 2 ** (Math.floor(Math.log2(bytes - 1)) - 3);
      expect(classSize(bytes)).toBe(Math.ceil(bytes / step) * step);
    }
    for (const bytes of [2 ** 30 - 1, 2 ** 30, 2 ** 30 + 1, 2 ** 31, 2 ** 32 + 5]) {
      const step = 2 ** (Math.floor(Math.log2(bytes - 1)) - 3);
      expect(classSize(bytes)).toBe(Math.ceil(bytes / step) * step);
    }
  });

  it('keeps earlier tensors intact when it grows, and products read them in place', () => {
    const set = createWasmKernels({ smallestArenaBytes: 0 })!;
    const pool = set.pool!;
    const a = pool.take('float32', 6);
    const b = pool.take('float32', 6);
    a.set([1, 2, 3, 4, 5, 6]);
    b.set([7, 8, 9, 10, 11, 12]);
    const before = pool.stats();
    // 64 MiB more than the module starts with: the shared memory grows under the views.
    const big = pool.take('float64', (64 * MiB) / 8);
    big.fill(1);
    expect(pool.stats().fresh).toBe(before.fresh + 1);
    expect([...a]).toEqual([1, 2, 3, 4, 5, 6]);
    const out = pool.take('float32', 4);
    const stats = pool.stats();
    set.kernels.matmul(2, 2, 3, { data: a, offset: 0, rowStride: 3, colStride: 1 }, { data: b, offset: 0, rowStride: 2, colStride: 1 }, out, 0);
    expect([...out]).toEqual([58, 64, 139, 154]);
    // No staging block was taken: every operand was used where it lies.
    expect(pool.stats()).toEqual(stats);
    pool.give(big, 'float64');
  });

  it('hands a released block to the next request of its size class', () => {
    const pool = createWasmKernels({ smallestArenaBytes: 0 })!.pool!;
    const first = pool.take('float32', 1000);
    const at = first.byteOffset;
    pool.give(first, 'float32');
    const { reused } = pool.stats();
    const second = pool.take('float32', 990);
    expect(second.byteOffset).toBe(at);
    expect(second.length).toBe(990);
    expect(pool.stats().reused).toBe(reused + 1);
  });

  it('counts a released buffer as pooled and not held until it is handed out again', () => {
    const pool = createWasmKernels({ smallestArenaBytes: 0 })!.pool!;
    const start = pool.stats();
    const buffer = pool.take('float32', 1000);
    const taken = pool.stats();
    expect(taken.heldBytes! - start.heldBytes!).toBe(classSize(4000));
    pool.give(buffer, 'float32');
    const given = pool.stats();
    expect(given.heldBytes).toBe(start.heldBytes);
    expect([given.pooledBuffers - start.pooledBuffers, given.pooledBytes - start.pooledBytes]).toEqual([1, classSize(4000)]);
    expect(pool.take('float32', 1000)).toBe(buffer);
    expect(pool.stats()).toEqual({ ...taken, reused: taken.reused + 1 });
  });

  it('hands the same view back for the same request, and a dropped view still returns its block, once', async () => {
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    const pool = createWasmKernels({ smallestArenaBytes: 0 })!.pool!;
    // Views made inside functions, so that nothing here keeps them from the collector.
    const at = ((): number => {
      const first = pool.take('float32', 1000);
      pool.give(first, 'float32');
      expect(pool.take('float32', 1000)).toBe(first);
      pool.give(first, 'float32');
      // Another length in the same block: a new view, and the old one's finalizer must not fire.
      const other = pool.take('float32', 990);
      expect(other).not.toBe(first);
      expect(other.byteOffset).toBe(first.byteOffset);
      return first.byteOffset;
    })();
    for (let i = 0; i < 20 && pool.stats().pooledBuffers === 0; i++) {
      collectGarbage();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // The dropped view's block came back (once: two requests get two blocks).
    expect(pool.stats().pooledBuffers).toBe(1);
    const [a, b] = [pool.take('float32', 1000), pool.take('float32', 1000)];
    expect(a.byteOffset).toBe(at);
    expect(b.byteOffset).not.toBe(at);
  });

  it('puts tensors past 512 MiB of it in JavaScript memory, so dropped tensors cannot grow it without bound', () => {
    const pool = createWasmKernels()!.pool!;
    const blocks = Array.from({ length: 8 }, () => pool.take('float64', (64 * MiB) / 8 - 2));
    expect(blocks.every((b) => pool.holds(b))).toBe(true);
    const outside = pool.take('float64', (64 * MiB) / 8);
    expect(pool.holds(outside)).toBe(false);
    expect(outside.length).toBe((64 * MiB) / 8);
    pool.give(blocks[0]!, 'float64');
    expect(pool.holds(pool.take('float64', (64 * MiB) / 8 - 2))).toBe(true);
  });

  it('leaves a large buffer from JavaScript memory alone when it is given back', () => {
    const pool = createWasmKernels()!.pool!;
    const stats = pool.stats();
    pool.give(new Float32Array(1024), 'float32');
    expect(pool.stats()).toEqual(stats);
  });

  it('keeps buffers under 1 KiB in pooled JavaScript memory, where the finalizer would cost more than the module saves', () => {
    const pool = createWasmKernels()!.pool!;
    const small = pool.take('float32', 255);
    expect(pool.holds(small)).toBe(false);
    expect(pool.holds(pool.take('float32', 256))).toBe(true);
    pool.give(small, 'float32');
    expect(pool.take('float32', 255)).toBe(small);
  });

  it('without SharedArrayBuffer, keeps tensors in JavaScript memory and copies operands in, also after growing', () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    const set = createWasmKernels()!;
    expect(set.pool).toBeNull();
    for (const [m, n, k] of [
      [3, 4, 5],
      [300, 200, 20],
      [2, 3, 4],
    ] as const) {
      const a = { data: Float64Array.from({ length: m * k }, (_, i) => Math.sin(i)), offset: 0, rowStride: k, colStride: 1 };
      const b = { data: Float64Array.from({ length: k * n }, (_, i) => Math.cos(i)), offset: 0, rowStride: 1, colStride: k };
      const want = new Float64Array(m * n);
      const got = new Float64Array(m * n);
      referenceKernels.matmul(m, n, k, a, b, want, 0);
      set.kernels.matmul(m, n, k, a, b, got, 0);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want[i]!)));
    }
  });

  it('gives the same training-step numbers as before a 16 MiB tensor grew it', () => {
    const x = randn([64, 32], { seed: 3 });
    const w = randn([32, 16], { seed: 4 });
    const first = matmul(x, w).values();
    const filler = tidy(() => tensor(new Float32Array(4 * MiB)));
    expect(matmul(x, w).values()).toEqual(first);
    expect(filler.shape).toEqual([4 * MiB]);
  });
});
