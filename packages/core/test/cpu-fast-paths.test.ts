import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/backends/cpu/cpu-backend.js';
import type { PatchGeometry } from '../src/backends/backend.js';
import { jsKernels } from '../src/kernels/index.js';
import { createWasmKernels } from '../src/backends/wasm/wasm-kernels.js';
import { BufferRef, matrixLayout, Storage } from '../src/storage.js';
import { sameElements } from './support/compare.js';

// float32 has kernels of its own on the CPU backends (relu through the bits, 2×2 max pooling in
// WebAssembly SIMD): each is checked against the general loops (Math.max, the `js` backend), element for element with
// Object.is (so −0 against +0 and NaN count), on values full of ties, zeros of both signs,
// infinities and NaN.

const wasm = createWasmKernels()!.kernels;
const js = new CpuBackend('float32-check-js', jsKernels);
const simd = new CpuBackend('float32-check-wasm', wasm);
const PAIRS: PatchGeometry = { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], padValue: -Infinity };

const EDGES = [0, -0, 1, -1, 2, Infinity, -Infinity, NaN, 1e-45, -3.5, 3.5, 1e38];
/** Mostly a few repeated values (ties in most windows), with every edge value among them; NaN
 *  comes with its sign bit set or clear (x86 makes the negative one, 0/0 for example). */
const float32Values = (length: number) =>
  fc.array(fc.oneof({ arbitrary: fc.constantFrom(...EDGES), weight: 3 }, { arbitrary: fc.integer({ min: -3, max: 3 }), weight: 2 }), { minLength: length, maxLength: length }).map((v) => {
    const data = Float32Array.from(v);
    const bits = new Int32Array(data.buffer);
    for (let i = 0; i < data.length; i += 2) if (Number.isNaN(data[i])) bits[i] = 0xffc00000 | 0;
    return data;
  });

/** Finite values, half of them zeros (the kernel skips those), and now and then one infinity or
 *  NaN, which must not be lost to the skipping. */
const productValues = (length: number) =>
  fc
    .tuple(
      fc.array(fc.oneof(fc.constant(0), fc.double({ min: -4, max: 4, noNaN: true })), { minLength: length, maxLength: length }),
      fc.option(fc.tuple(fc.nat(length - 1), fc.constantFrom(Infinity, -Infinity, NaN))),
    )
    .map(([values, special]) => {
      if (special !== null) values[special[0]] = special[1];
      return values;
    });

function storageOf(backend: CpuBackend, data: Float32Array, shape: readonly number[]): Storage {
  return Storage.rowMajor(new BufferRef(backend, data, 'float32', data.length, false), [...shape]);
}

/** Images [n, c, h, w] with h, w from 1 to 19: odd sizes (a row or column in no window) and
 *  widths that leave the SIMD loop a tail. */
const images = fc
  .record({ n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 2, max: 7 }), w: fc.integer({ min: 2, max: 19 }) })
  .chain(({ n, c, h, w }) => fc.tuple(fc.constant([n, c, h, w]), float32Values(n * c * h * w), float32Values(n * c * (h >> 1) * (w >> 1))));

describe('the fast paths agree with the general ones', () => {
  it('relu through the bits, on row-major and transposed views', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), (rows, cols) => {
        fc.assert(
          fc.property(float32Values(rows * cols), (data) => {
            const x = storageOf(simd, data, [rows, cols]);
            const transposed = Array.from({ length: rows * cols }, (_, i) => data[(i % rows) * cols + Math.floor(i / rows)]!);
            sameElements(simd.readSync(simd.unary('relu', x)), Float32Array.from(data, (v) => Math.max(v, 0)));
            sameElements(simd.readSync(simd.unary('relu', x.permute([1, 0]))), Float32Array.from(transposed, (v) => Math.max(v, 0)));
          }),
          { numRuns: 5 },
        );
      }),
      { numRuns: 20 },
    );
  });

  it('maxPool2d and its backward over 2×2 windows in WebAssembly, against the JavaScript loops', () => {
    fc.assert(
      fc.property(images, ([shape, x, dy]) => {
        const [n, c, h, w] = shape as [number, number, number, number];
        const pooled = [n, c, h >> 1, w >> 1];
        sameElements(simd.readSync(simd.maxPool2d(storageOf(simd, x, shape), PAIRS)), js.readSync(js.maxPool2d(storageOf(js, x, shape), PAIRS)));
        sameElements(simd.readSync(simd.maxUnpool2d(storageOf(simd, x, shape), storageOf(simd, dy, pooled), PAIRS)), js.readSync(js.maxUnpool2d(storageOf(js, x, shape), storageOf(js, dy, pooled), PAIRS)));
      }),
      { numRuns: 300 },
    );
  });

  it('A·B with B transposed, computed as (Bᵀ·Aᵀ)ᵀ: the same bits as the kernel on A and B', () => {
    const arb = fc
      .record({ m: fc.integer({ min: 1, max: 9 }), extra: fc.integer({ min: 1, max: 20 }), k: fc.integer({ min: 300, max: 700 }), float32: fc.boolean() })
      .chain(({ m, extra, k, float32 }) => fc.tuple(fc.constant([m, m + extra, k] as const), fc.constant(float32), productValues(m * k), productValues((m + extra) * k)));
    fc.assert(
      fc.property(arb, ([[m, n, k], float32, av, bv]) => {
        const [dtype, T] = float32 ? (['float32', Float32Array] as const) : (['float64', Float64Array] as const);
        const a = Storage.rowMajor(new BufferRef(simd, T.from(av), dtype, m * k, false), [m, k]);
        // B [k, n] as the transpose of a row-major [n, k].
        const b = Storage.rowMajor(new BufferRef(simd, T.from(bv), dtype, n * k, false), [n, k]).permute([1, 0]);
        const direct = new T(m * n);
        wasm.matmul(m, n, k, { data: T.from(av), ...matrixLayout(a, 0) }, { data: T.from(bv), ...matrixLayout(b, 0) }, direct, 0);
        sameElements(simd.readSync(simd.matmul(a, b)), direct);
      }),
      { numRuns: 60 },
    );
  });

  it("maskPositive, relu's backward in one pass, is mul by the mask positive, on views of both dtypes", () => {
    const arb = fc.record({ rows: fc.integer({ min: 1, max: 6 }), cols: fc.integer({ min: 1, max: 6 }), float32: fc.boolean() }).chain(({ rows, cols, float32 }) =>
      fc.tuple(fc.constant([rows, cols]), fc.constant(float32), float32Values(rows * cols), float32Values(rows * cols)),
    );
    fc.assert(
      fc.property(arb, ([shape, float32, av, bv]) => {
        const [dtype, T] = float32 ? (['float32', Float32Array] as const) : (['float64', Float64Array] as const);
        const of = (v: Float32Array) => Storage.rowMajor(new BufferRef(js, T.from(v), dtype, v.length, false), shape);
        const [a, b] = [of(av), of(bv)];
        const [aT, bT] = [a.permute([1, 0]), b.permute([1, 0])];
        sameElements(js.readSync(js.binary('maskPositive', a, b)), js.readSync(js.binary('mul', a, js.unary('positive', b))));
        sameElements(js.readSync(js.binary('maskPositive', aT, bT)), js.readSync(js.binary('mul', aT, js.unary('positive', bT))));
      }),
      { numRuns: 200 },
    );
  });
});

describe('softmax after softmaxCrossEntropy (the loss keeps the probabilities it computed)', () => {
  /** Logits rows (edge values among them: a row of all −∞, ∞, NaN, 1e38) and one-hot targets. */
  const lossCases = fc
    .record({ rows: fc.integer({ min: 1, max: 5 }), cols: fc.integer({ min: 1, max: 7 }), float32: fc.boolean() })
    .chain(({ rows, cols, float32 }) => fc.tuple(fc.constant([rows, cols] as const), fc.constant(float32), float32Values(rows * cols), fc.array(fc.nat(cols - 1), { minLength: rows, maxLength: rows })));

  /** A backend of its own per case, so that what one case kept cannot reach another. */
  function setUp([rows, cols]: readonly [number, number], float32: boolean, values: Float32Array, classes: number[]) {
    const backend = new CpuBackend('loss-probabilities-check', jsKernels);
    const dtype = float32 ? 'float32' : 'float64';
    const logits = backend.upload(values, dtype, [rows, cols]);
    const oneHot = new Float64Array(rows * cols);
    classes.forEach((k, row) => (oneHot[row * cols + k] = 1));
    const targets = backend.upload(oneHot, dtype, [rows, cols]);
    return { backend, logits, targets, fresh: () => new CpuBackend('fresh', jsKernels).readSync(new CpuBackend('fresh', jsKernels).softmax(logits, 1)) };
  }

  it('are handed over with the bits softmax computes, without allocating; a second softmax computes them', () => {
    fc.assert(
      fc.property(lossCases, ([shape, float32, values, classes]) => {
        const { backend, logits, targets, fresh } = setUp(shape, float32, values, classes);
        backend.softmaxCrossEntropy(logits, targets);
        const before = backend.memoryStats();
        const kept = backend.softmax(logits, 1);
        const after = backend.memoryStats();
        expect([after.fresh, after.reused]).toEqual([before.fresh, before.reused]);
        sameElements(backend.readSync(kept), fresh());
        sameElements(backend.readSync(backend.softmax(logits, 1)), fresh());
        expect(backend.memoryStats().fresh + backend.memoryStats().reused).toBeGreaterThan(after.fresh + after.reused);
      }),
      { numRuns: 150 },
    );
  });

  it('are not used once the logits were written to, and go back to the pool with the logits', () => {
    fc.assert(
      fc.property(lossCases, ([shape, float32, values, classes]) => {
        const { backend, logits, targets, fresh } = setUp(shape, float32, values, classes);
        backend.softmaxCrossEntropy(logits, targets);
        // A write through the public API (assign) bumps the version.
        logits.ref.buffer<Float32Array | Float64Array>().reverse();
        logits.ref.version++;
        sameElements(backend.readSync(backend.softmax(logits, 1)), fresh());

        backend.softmaxCrossEntropy(logits, targets);
        const pooled = backend.memoryStats().pooledBuffers;
        logits.ref.release();
        expect(backend.memoryStats().pooledBuffers).toBe(pooled + 2);
      }),
      { numRuns: 100 },
    );
  });
});

describe("elementwise kernels on tensors in the wasm module's memory", () => {
  // Even the smallest tensors in the module's memory, so every case runs the WebAssembly rows.
  const set = createWasmKernels({ smallestArenaBytes: 0 })!;
  const inMemory = new CpuBackend('arena-check-wasm', set.kernels, set.pool!);
  /** A row-major tensor of `backend` holding `values` (in the module's memory for inMemory). */
  const upload = (backend: CpuBackend, values: Float32Array, shape: readonly number[], dtype: 'float32' | 'float64', length = values.length) =>
    backend.upload(Float32Array.from({ length }, (_, i) => values[i % values.length]!), dtype, [...shape]);
  // The default pool: tensors under 1 KiB (a bias, its gradient) stay in JavaScript memory, and
  // the kernels copy them in.
  const defaults = createWasmKernels()!;
  const smallOutside = new CpuBackend('small-outside-check-wasm', defaults.kernels, defaults.pool!);
  const shapes = fc.record({ rows: fc.integer({ min: 1, max: 5 }), cols: fc.oneof(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 14, max: 70 })), float32: fc.boolean() });
  const cases = shapes.chain(({ rows, cols, float32 }) =>
    fc.tuple(fc.constant([rows, cols] as const), fc.constant(float32), float32Values(rows * cols), float32Values(rows * cols), float32Values(cols), float32Values(rows)),
  );

  it('give the bits of the JavaScript loops for add, sub, mul, div and maskPositive, same-shape and broadcast, for relu and for a sum over rows', () => {
    fc.assert(
      fc.property(cases, ([[rows, cols], float32, av, bv, rowValues, colValues]) => {
        const dtype = float32 ? 'float32' : 'float64';
        for (const kernel of ['add', 'sub', 'mul', 'div', 'maskPositive'] as const) {
          const run = (backend: CpuBackend) => {
            const a = upload(backend, av, [rows, cols], dtype);
            const b = upload(backend, bv, [rows, cols], dtype);
            // A row vector along the rows, a column vector along the columns, a transposed view.
            const row = upload(backend, rowValues, [cols], dtype).broadcast([rows, cols]);
            const col = upload(backend, colValues, [rows, 1], dtype).broadcast([rows, cols]);
            const aT = upload(backend, av, [cols, rows], dtype).permute([1, 0]);
            return [backend.binary(kernel, a, b), backend.binary(kernel, a, row), backend.binary(kernel, col, b), backend.binary(kernel, aT, b)].map((s) => backend.readSync(s));
          };
          const [got, want] = [run(inMemory), run(js)];
          got.forEach((g, i) => sameElements(g, want[i]!));
        }
        sameElements(inMemory.readSync(inMemory.unary('relu', upload(inMemory, av, [rows, cols], dtype))), js.readSync(js.unary('relu', upload(js, av, [rows, cols], dtype))));
        // ReLU on views: a transpose (stride > 1 along rows) and a permutation that keeps rows contiguous.
        for (const view of [(t: Storage) => t.permute([1, 0]), (t: Storage) => t.reshaped([rows, 1, cols]).permute([1, 0, 2])]) {
          sameElements(inMemory.readSync(inMemory.unary('relu', view(upload(inMemory, av, [rows, cols], dtype)))), js.readSync(js.unary('relu', view(upload(js, av, [rows, cols], dtype)))));
        }
        // Small arrays outside the module are copied in only for calls over 1024 elements or
        // more: there the rows repeat to reach that.
        for (const [backend, r] of [
          [inMemory, rows],
          [smallOutside, Math.max(rows, Math.ceil(1024 / cols))],
        ] as const) {
          // A bias gradient: the sum over the rows, row after row into one running sum.
          sameElements(backend.readSync(backend.reduce('sum', upload(backend, av, [r, cols], dtype, r * cols), [1, cols])), js.readSync(js.reduce('sum', upload(js, av, [r, cols], dtype, r * cols), [1, cols])));
          // A layer's forward: the product (this backend's), then the bias added to every row.
          const [x, w, bias] = [upload(backend, av, [r, cols], dtype, r * cols), upload(backend, bv, [cols, cols], dtype, cols * cols), upload(backend, rowValues, [cols], dtype)];
          const expected = backend.readSync(backend.matmul(x, w));
          for (let i = 0; i < expected.length; i++) expected[i]! += rowValues[i % cols]!;
          sameElements(backend.readSync(backend.affine(x, w, bias)), expected);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("take copies the loop's elements with the module's memory.copy, along any axis, indices repeated, both dtypes", () => {
    // Counted when the kernel ran (true), not merely when it was asked.
    let kernelCalls = 0;
    const counted = new CpuBackend('take-check-wasm', { ...set.kernels, gather: (...args) => { const ran = set.kernels.gather!(...args); if (ran) kernelCalls++; return ran; } }, set.pool!);
    const takes = fc.tuple(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }), fc.boolean()).chain(([shape, float32]) =>
      fc.tuple(
        fc.constant(shape),
        fc.constant(float32),
        fc.nat(shape.length - 1).chain((axis) => fc.tuple(fc.constant(axis), fc.array(fc.nat(shape[axis]! - 1), { minLength: 1, maxLength: 8 }))),
        float32Values(shape.reduce((a, b) => a * b, 1)),
      ),
    );
    fc.assert(
      fc.property(takes, ([shape, float32, [axis, positions], values]) => {
        const dtype = float32 ? 'float32' : 'float64';
        const indices = Int32Array.from(positions);
        const run = (backend: CpuBackend) => backend.readSync(backend.take(upload(backend, values, shape, dtype), axis, indices, [indices.length]));
        const before = kernelCalls;
        sameElements(run(counted), run(js));
        expect(kernelCalls).toBe(before + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('fill stores the value TypedArray.prototype.fill stores, in the module, both dtypes', () => {
    let kernelCalls = 0;
    const counted = new CpuBackend('fill-check-wasm', { ...set.kernels, fill: (...args) => { const ran = set.kernels.fill!(...args); if (ran) kernelCalls++; return ran; } }, set.pool!);
    const fills = fc.tuple(fc.integer({ min: 1, max: 70 }), fc.boolean(), fc.oneof(fc.constantFrom(...EDGES, 0.1, -1e-40, 3e38, 4e38), fc.double()));
    fc.assert(
      fc.property(fills, ([length, float32, value]) => {
        const dtype = float32 ? 'float32' : 'float64';
        const before = kernelCalls;
        sameElements(counted.readSync(counted.fill(dtype, [length], value)), js.readSync(js.fill(dtype, [length], value)));
        expect(kernelCalls).toBe(before + 1);
      }),
      { numRuns: 300 },
    );
    expect(set.kernels.fill!(new Float32Array(8), 1)).toBe(false);
  });

  it('gather runs for arrays in the module, and leaves arrays outside and indices out of range to the loop', () => {
    const x = set.pool!.take('float32', 12);
    x.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const out = set.pool!.take('float32', 6);
    // Rows of 3 taken from a 4×3 matrix: rows 3, 0, then axis 1 of a 2×2×3 (outer 2).
    expect(set.kernels.gather!(1, 4, 3, x, Int32Array.from([3, 0]), out)).toBe(true);
    expect([...out]).toEqual([9, 10, 11, 0, 1, 2]);
    expect(set.kernels.gather!(2, 2, 3, x, Int32Array.from([1]), out)).toBe(true);
    expect([...out]).toEqual([3, 4, 5, 9, 10, 11]);
    expect(set.kernels.gather!(1, 4, 3, x, Int32Array.from([4]), out)).toBe(false);
    expect(set.kernels.gather!(1, 4, 3, x, Int32Array.from([-1]), out)).toBe(false);
    expect(set.kernels.gather!(1, 4, 3, new Float32Array(12), Int32Array.from([0]), out)).toBe(false);
    expect(set.kernels.gather!(1, 4, 3, x, Int32Array.from([0]), new Float32Array(3))).toBe(false);
    expect(set.kernels.gather!(1, 4, 3, x, Int32Array.from([0]), set.pool!.take('float64', 3))).toBe(false);
  });

  it('run in the module for tensors it holds, and leave other arrays to the loops', () => {
    const held = set.pool!.take('float32', 8);
    const outside = new Float32Array(8);
    const large = new Float32Array(256);
    const rows = set.pool!.take('float32', 1024);
    expect(set.kernels.binaryRows!('add', 1, 8, held, 0, 0, 1, held, 0, 0, 1, held, 0, 0)).toBe(true);
    // An array outside is left to the loop, unless it is small and the call covers many
    // elements (1024 here: two rows of 512, the outside array's one value broadcast).
    expect(set.kernels.binaryRows!('add', 1, 8, outside, 0, 0, 1, held, 0, 0, 1, held, 0, 0)).toBe(false);
    expect(set.kernels.binaryRows!('add', 2, 4, outside, 0, 4, 1, held, 0, 4, 1, held, 0, 4)).toBe(false);
    expect(set.kernels.binaryRows!('add', 2, 512, rows, 0, 512, 1, outside, 0, 0, 0, rows, 0, 512)).toBe(true);
    expect(set.kernels.binaryRows!('add', 2, 512, rows, 0, 512, 1, large, 0, 0, 0, rows, 0, 512)).toBe(false);
    expect(set.kernels.binaryRows!('pow', 1, 8, held, 0, 0, 1, held, 0, 0, 1, held, 0, 0)).toBe(false);
    expect(set.kernels.binaryRows!('add', 1, 4, held, 0, 0, 2, held, 0, 0, 1, held, 0, 0)).toBe(false);
    // A copied-in `out` keeps the elements no row writes: 128 rows of 8 into its first 8.
    held.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const out = Float32Array.from({ length: 16 }, () => 9);
    expect(set.kernels.binaryRows!('mul', 128, 8, held, 0, 0, 1, held, 0, 0, 1, out, 0, 0)).toBe(true);
    expect([...out]).toEqual([1, 4, 9, 16, 25, 36, 49, 64, 9, 9, 9, 9, 9, 9, 9, 9]);
    expect(set.kernels.reluRow!(8, held, 0, held, 0)).toBe(true);
  });
});
