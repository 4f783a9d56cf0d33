import { afterAll, describe, expect, it, vi } from 'vitest';
import { matmul, randn, setThreads, threadCount, transpose } from '../src/index.js';
import { createWasmKernels, SPLIT_MIN_MACS } from '../src/backends/wasm/wasm-kernels.js';
import { referenceKernels, type FloatArray, type MatrixView } from '../src/kernels/index.js';

const set = createWasmKernels({ smallestArenaBytes: 0 })!;
const pool = set.pool!;

/** A rows×cols operand in the module's memory: row-major, or stored transposed; every fifth
 *  value zero, or (mostly zeros, which the kernel multiplies through its non-zeros) four in five. */
function operand(T: 'float32' | 'float64', rows: number, cols: number, transposed: boolean, seed: number, mostlyZeros = false): MatrixView {
  const data = pool.take(T, rows * cols + 3).subarray(3);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed * 7919 + i * 0.37) * ((mostlyZeros ? i % 5 !== 0 : i % 5 === 0) ? 0 : 1);
  return transposed ? { data, offset: 0, rowStride: 1, colStride: rows } : { data, offset: 0, rowStride: cols, colStride: 1 };
}

describe('products on several threads', () => {
  afterAll(async () => {
    await set.setThreads(1);
    await setThreads(1);
  });

  it('give bit for bit what one thread gives, and agree with the reference, split by rows or by columns', async () => {
    // Each shape is past the size at which a product is split; m < 8·threads splits columns.
    const shapes: [number, number, number][] = [
      [64, 330, 400],
      [131, 257, 251],
      [6, 1500, 940],
      [9, 1030, 910],
    ];
    for (const [m, n, k] of shapes) expect(m * n * k).toBeGreaterThanOrEqual(SPLIT_MIN_MACS);
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [m, n, k] of shapes) {
        for (const [ta, tb, sparse] of [
          [false, false, false],
          [true, false, false],
          [false, true, false],
          [false, false, true],
          [true, false, true],
        ] as const) {
          const a = operand(dtype, m, k, ta, m + k, sparse);
          const b = operand(dtype, k, n, tb, n);
          const single: FloatArray = pool.take(dtype, m * n);
          await set.setThreads(1);
          set.kernels.matmul(m, n, k, a, b, single, 0);
          for (const threads of [2, 3]) {
            await set.setThreads(threads);
            expect(set.threads()).toBe(threads);
            const split: FloatArray = pool.take(dtype, m * n + 2).fill(7);
            set.kernels.matmul(m, n, k, a, b, split, 1);
            expect(split[0]).toBe(7);
            expect(split[m * n + 1]).toBe(7);
            const same = split.subarray(1, 1 + m * n).every((v, i) => Object.is(v, single[i]));
            expect(same, `${dtype} ${m}×${k}·${k}×${n} on ${threads} threads (${ta ? 'Aᵀ' : 'A'}${sparse ? ' mostly zeros' : ''}, ${tb ? 'Bᵀ' : 'B'})`).toBe(true);
          }
          const want = new (dtype === 'float32' ? Float32Array : Float64Array)(m * n);
          referenceKernels.matmul(m, n, k, a, b, want, 0);
          const u = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
          for (let i = 0; i < want.length; i++) expect(Math.abs(single[i]! - want[i]!)).toBeLessThanOrEqual((k + 2) * u * k + Number.MIN_VALUE);
        }
      }
    }
  });

  it('serve the default backend through setThreads, with the same results', async () => {
    const x = randn([200, 300], { seed: 5 });
    const w = randn([200, 150], { seed: 6 });
    expect(300 * 200 * 150).toBeGreaterThanOrEqual(SPLIT_MIN_MACS);
    await setThreads(1);
    const one = matmul(transpose(x), w).values();
    await setThreads(2);
    expect(threadCount()).toBe(2);
    const two = matmul(transpose(x), w).values();
    expect(two.every((v, i) => Object.is(v, one[i]))).toBe(true);
    await setThreads(1);
    expect(threadCount()).toBe(1);
  });

  it('refuse a count that is not an integer from 1 to 64, naming it', async () => {
    await expect(setThreads(0)).rejects.toThrow(/setThreads: count must be an integer from 1 to 64, got 0/);
    await expect(setThreads(1.5)).rejects.toThrow(/got 1.5/);
    await expect(setThreads(65)).rejects.toThrow(/got 65/);
  });

  it('say why where there is no SharedArrayBuffer', async () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    const plain = createWasmKernels()!;
    vi.unstubAllGlobals();
    await expect(plain.setThreads(2)).rejects.toThrow(/setThreads: more than one thread needs SharedArrayBuffer/);
    await plain.setThreads(1);
    expect(plain.threads()).toBe(1);
  });
});
