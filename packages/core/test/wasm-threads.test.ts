import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { matmul, randn, setThreads, threadCount, transpose } from '../src/index.js';
import { createWasmKernels, SPLIT_MIN_ELEMENTS, SPLIT_MIN_GATHER_BYTES, SPLIT_MIN_MACS } from '../src/backends/wasm/wasm-kernels.js';
import { referenceKernels, type FloatArray, type MatrixView } from '../src/kernels/index.js';
import { Arena } from '../src/backends/wasm/arena.js';
import { ThreadTeam } from '../src/backends/wasm/threads.js';

const set = createWasmKernels({ smallestArenaBytes: 0 })!;
const pool = set.pool!;

/** Arrays taken from the pool by a test, given back after each case (the pool reuses a block for
 *  its own size only, and past its limit hands out JavaScript memory, which kernels cannot split). */
const taken: [FloatArray, 'float32' | 'float64'][] = [];
function take(T: 'float32' | 'float64', length: number): FloatArray {
  const data = pool.take(T, length);
  taken.push([data, T]);
  return data;
}
function giveBack(): void {
  for (const [data, T] of taken) pool.give(data, T);
  taken.length = 0;
}
afterEach(giveBack);

/** A rows×cols operand in the module's memory: row-major, or stored transposed; every fifth
 *  value zero, or (mostly zeros, which the kernel multiplies through its non-zeros) four in five. */
function operand(T: 'float32' | 'float64', rows: number, cols: number, transposed: boolean, seed: number, mostlyZeros = false): MatrixView {
  const data = take(T, rows * cols + 3).subarray(3);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed * 7919 + i * 0.37) * ((mostlyZeros ? i % 5 !== 0 : i % 5 === 0) ? 0 : 1);
  return transposed ? { data, offset: 0, rowStride: 1, colStride: rows } : { data, offset: 0, rowStride: cols, colStride: 1 };
}

/** An array of `length` in the module's memory, element i set to value(i). */
function filled(T: 'float32' | 'float64', length: number, value: (i: number) => number): FloatArray {
  const data = take(T, length);
  for (let i = 0; i < length; i++) data[i] = value(i);
  return data;
}

describe('products on several threads', () => {
  afterAll(async () => {
    await set.setThreads(1);
    await setThreads(1);
  });

  it('give bit for bit what one thread gives, and agree with the reference, split by rows, by columns or along k', async () => {
    // Each shape is past the size at which a product is split; m < 8·threads splits columns;
    // k at least twice m and n splits k (784 = four blocks of 196; 7000 = 28 blocks of 252,
    // the last 196; 1000 = four of 252, the last 244).
    const shapes: [number, number, number][] = [
      [64, 330, 400],
      [131, 257, 251],
      [6, 1500, 940],
      [9, 1030, 910],
      [100, 100, 784],
      [64, 70, 1000],
      [20, 30, 7000],
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
          const single: FloatArray = take(dtype, m * n);
          await set.setThreads(1);
          set.kernels.matmul(m, n, k, a, b, single, 0);
          for (const threads of [2, 3]) {
            await set.setThreads(threads);
            expect(set.threads()).toBe(threads);
            const split: FloatArray = take(dtype, m * n + 2).fill(7);
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
          giveBack();
        }
      }
    }
  });

  it('give what one thread gives when B holds Inf or NaN in the part of k another thread takes', async () => {
    // A is all zeros at B's non-finite rows, so only the dense path's 0·Inf makes the NaNs.
    const [m, n, k] = [60, 50, 1600];
    for (const dtype of ['float32', 'float64'] as const) {
      const a = operand(dtype, m, k, false, 3, true);
      const b = operand(dtype, k, n, false, 4);
      for (let i = 0; i < m; i++) a.data[i * k + 1500] = 0;
      b.data[1500 * n + 7] = Infinity;
      b.data[1500 * n + 9] = NaN;
      const single: FloatArray = take(dtype, m * n);
      await set.setThreads(1);
      set.kernels.matmul(m, n, k, a, b, single, 0);
      expect(Number.isNaN(single[3 * n + 7]!) && Number.isNaN(single[3 * n + 9]!)).toBe(true);
      for (const threads of [2, 3]) {
        await set.setThreads(threads);
        const split: FloatArray = take(dtype, m * n);
        set.kernels.matmul(m, n, k, a, b, split, 0);
        expect(split.every((v, i) => Object.is(v, single[i])), `${dtype} on ${threads} threads`).toBe(true);
      }
    }
  });

  it('give one thread\'s bits for a long k and a tiny C (256 blocks of k: too many partial products to cut k)', async () => {
    const [m, n, k] = [8, 8, 65_536];
    expect(m * n * k).toBeGreaterThanOrEqual(SPLIT_MIN_MACS);
    for (const dtype of ['float32', 'float64'] as const) {
      const a = operand(dtype, m, k, false, 5);
      const b = operand(dtype, k, n, true, 6);
      const single: FloatArray = take(dtype, m * n);
      await set.setThreads(1);
      set.kernels.matmul(m, n, k, a, b, single, 0);
      await set.setThreads(2);
      const split: FloatArray = take(dtype, m * n);
      set.kernels.matmul(m, n, k, a, b, split, 0);
      expect(split.every((v, i) => Object.is(v, single[i])), dtype).toBe(true);
      const want = new (dtype === 'float32' ? Float32Array : Float64Array)(m * n);
      referenceKernels.matmul(m, n, k, a, b, want, 0);
      const u = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
      for (let i = 0; i < want.length; i++) expect(Math.abs(split[i]! - want[i]!)).toBeLessThanOrEqual(k * u * k);
    }
  });

  it('split the update y ← y + αx, with the bits of one thread', async () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const n = 78_401;
      expect(n).toBeGreaterThanOrEqual(SPLIT_MIN_ELEMENTS);
      const g = filled(dtype, n, (i) => Math.sin(i * 0.37));
      const w = filled(dtype, n, (i) => Math.cos(i * 0.37));
      await set.setThreads(1);
      const one: FloatArray = take(dtype, n);
      one.set(w);
      set.kernels.axpy(-0.1, g, one);
      for (const threads of [2, 3]) {
        await set.setThreads(threads);
        const split: FloatArray = take(dtype, n);
        split.set(w);
        set.kernels.axpy(-0.1, g, split);
        expect(split.every((v, i) => Object.is(v, one[i])), `axpy ${dtype} on ${threads} threads`).toBe(true);
        expect(split[n - 1]).not.toBe(w[n - 1]);
      }
    }
  });

  it('report the update\'s result finite only where every thread found its part finite', async () => {
    // The backend then lets the next product skip checking the weights (0·Inf is NaN): an Inf or
    // a NaN written by any thread's part, the vectors' or a scalar tail's, must say no.
    const n = 78_401;
    for (const dtype of ['float32', 'float64'] as const) {
      for (const threads of [1, 2, 3]) {
        await set.setThreads(threads);
        for (const [at, bad] of [[-1, 0], [5, NaN], [40_000, Infinity], [78_000, -Infinity], [n - 1, NaN]] as const) {
          const g = filled(dtype, n, (i) => (i === at ? bad : Math.sin(i * 0.37)));
          const w = filled(dtype, n, (i) => Math.cos(i * 0.37));
          expect(set.kernels.axpy(-0.1, g, w), `${dtype} on ${threads} threads, ${bad} at ${at}`).toBe(at < 0);
          giveBack();
        }
      }
    }
  });

  it('report B finite after a split product only where every task found its part so', async () => {
    // x·W cut along k (each thread checks its rows of W) and by rows (each checks all of W).
    for (const [m, n, k] of [[100, 100, 784], [784, 100, 100]] as const) {
      for (const threads of [2, 3]) {
        await set.setThreads(threads);
        for (const badRow of [-1, 3, k - 2]) {
          const a = operand('float32', m, k, false, 11, true);
          const b = operand('float32', k, n, false, 12);
          if (badRow >= 0) b.data[badRow * n + 5] = Infinity;
          const out: FloatArray = take('float32', m * n);
          expect(set.kernels.matmul(m, n, k, a, b, out, 0), `${m}×${k}·${k}×${n} on ${threads} threads, Inf in row ${badRow}`).toBe(badRow < 0);
          giveBack();
        }
      }
    }
  });

  it('split a large take between threads by columns, with the bytes one thread copies', async () => {
    // 100 rows of 784 (the benchmark's batch), rows of 33 float64 (not whole cache lines), and
    // a take along a middle axis (several blocks of rows).
    for (const [outer, size, inner, count, dtype] of [
      [1, 1000, 784, 100, 'float32'],
      [1, 500, 33, 300, 'float64'],
      [3, 40, 200, 50, 'float32'],
    ] as const) {
      const x = filled(dtype, outer * size * inner, (i) => Math.sin(i * 0.11) * 1e3);
      const indices = Int32Array.from({ length: count }, (_, j) => (j * 7919 + 13) % size);
      expect(outer * count * inner * (dtype === 'float32' ? 4 : 8)).toBeGreaterThanOrEqual(SPLIT_MIN_GATHER_BYTES);
      await set.setThreads(1);
      const one: FloatArray = take(dtype, outer * count * inner);
      expect(set.kernels.gather!(outer, size, inner, x, indices, one)).toBe(true);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < count; j++) {
          for (let i = 0; i < inner; i++) expect(one[(o * count + j) * inner + i]).toBe(x[(o * size + indices[j]!) * inner + i]);
        }
      }
      for (const threads of [2, 3]) {
        await set.setThreads(threads);
        const split: FloatArray = take(dtype, outer * count * inner).fill(-7);
        expect(set.kernels.gather!(outer, size, inner, x, indices, split)).toBe(true);
        expect(split.every((v, i) => Object.is(v, one[i])), `take of ${outer}×${count}×${inner} ${dtype} on ${threads} threads`).toBe(true);
      }
      giveBack();
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

  it('take calls of setThreads one after another, the last one winning', async () => {
    await set.setThreads(1);
    await Promise.all([set.setThreads(3), set.setThreads(2), set.setThreads(3)]);
    expect(set.threads()).toBe(3);
    await Promise.all([set.setThreads(2), set.setThreads(1)]);
    expect(set.threads()).toBe(1);
    const [m, n, k] = [100, 100, 784];
    const a = operand('float32', m, k, false, 11, true);
    const b = operand('float32', k, n, false, 12);
    const single: FloatArray = take('float32', m * n);
    set.kernels.matmul(m, n, k, a, b, single, 0);
    await Promise.all([set.setThreads(3), set.setThreads(2)]);
    expect(set.threads()).toBe(2);
    const split: FloatArray = take('float32', m * n);
    set.kernels.matmul(m, n, k, a, b, split, 0);
    expect(split.every((v, i) => Object.is(v, single[i]))).toBe(true);
  });

  it('report a helper thread that failed, on the next job', async () => {
    // A module that imports the shared memory and exports nothing: the helper's first call
    // (useScratch) throws in the worker.
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 16, shared: true });
    const importMemory = [0x02, 0x10, 0x01, 0x03, ...'env'.split('').map((c) => c.charCodeAt(0)), 0x06, ...'memory'.split('').map((c) => c.charCodeAt(0)), 0x02, 0x03, 0x01, 0x10];
    const module = new WebAssembly.Module(Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...importMemory]));
    const team = await ThreadTeam.start(1, module, memory, new Arena(memory, 1024), 4096);
    for (let waited = 0; !team.failed && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(team.failed).toBe(true);
    expect(() => team.run({ tasks: [], segmentStarts: [] }, () => {})).toThrow(/wasm threads: a helper thread failed \(.*useScratch.*\); call setThreads again/);
    await team.stop();
  });

  it.runIf(process.platform === 'linux')('run their helpers below the caller in priority (nice 10), the caller unchanged', async () => {
    // The nice value is field 19 of /proc/<pid>/task/<tid>/stat (after the name in parentheses).
    const niceOf = (task: string) => {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    await set.setThreads(1);
    const before = new Set(readdirSync('/proc/self/task'));
    const callerNice = niceOf(readlinkSync('/proc/thread-self').split('/').pop()!);
    await set.setThreads(2);
    // The helper sets its own priority once its script runs (a worker takes some milliseconds to start).
    const helperNices = () => readdirSync('/proc/self/task').filter((task) => !before.has(task)).map(niceOf);
    for (let waited = 0; waited < 5000 && !helperNices().includes(10); waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(helperNices()).toContain(10);
    expect(niceOf(readlinkSync('/proc/thread-self').split('/').pop()!)).toBe(callerNice);
    await set.setThreads(1);
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
