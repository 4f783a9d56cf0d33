// The GPU buffer pool's bookkeeping, with stand-ins for GPU buffers (no GPU needed).
import { describe, expect, it } from 'vitest';
import { GpuBufferPool } from '../src/backends/webgpu/buffer-pool.js';

const MiB = 2 ** 20;

function pool() {
  const retired: number[] = [];
  let made = 0;
  const p = new GpuBufferPool(
    (bytes) => ({ size: bytes, id: made++ }) as unknown as GPUBuffer,
    (buffer) => retired.push(buffer.size),
  );
  return { p, retired };
}

describe('GpuBufferPool', () => {
  it('hands released buffers out again by size and counts fresh and reused ones', () => {
    const { p } = pool();
    const a = p.take(64);
    const b = p.take(64);
    p.give(a);
    expect(p.take(64)).toBe(a);
    p.give(b);
    expect(p.take(128)).not.toBe(b);
    expect(p.stats()).toEqual({ fresh: 3, reused: 1, pooledBuffers: 1, pooledBytes: 64 });
  });

  it('over its limit, retires the sizes asked for least recently, not the buffer coming back', () => {
    const { p, retired } = pool();
    const big = [p.take(400 * MiB), p.take(400 * MiB)];
    for (const b of big) p.give(b);
    const small = p.take(4 * MiB);
    const medium = p.take(300 * MiB);
    p.give(small);
    p.give(medium);
    // 800 MiB of old big buffers + 304 MiB exceeds 1 GiB: one big buffer goes, the fresh ones stay.
    expect(retired).toEqual([400 * MiB]);
    expect(p.take(4 * MiB)).toBe(small);
    expect(p.take(300 * MiB)).toBe(medium);
    expect(p.stats().pooledBytes).toBe(400 * MiB);
  });
});
