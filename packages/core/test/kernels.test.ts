import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assemblySourceHash } from '../scripts/assembly-hash.js';
import { getBackend } from '../src/index.js';
import { jsKernels, referenceKernels } from '../src/kernels/index.js';
import type { FloatArray, Kernels, MatrixView } from '../src/kernels/index.js';
import { wasmSourceHash } from '../src/backends/wasm/generated.js';
import { createWasmKernels, type WasmKernelSet } from '../src/backends/wasm/wasm-kernels.js';
import type { CpuBackend } from '../src/backends/cpu/cpu-backend.js';

const wasmSet = createWasmKernels({ smallestArenaBytes: 0 });
const wasmKernels = wasmSet?.kernels ?? null;

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
/** How an operand is laid out in its buffer. */
type Layout = 'rowMajor' | 'transposed' | 'strided' | 'sparse' | 'flipped';
const layouts: Layout[] = ['rowMajor', 'transposed', 'strided', 'sparse', 'flipped'];

/** A seeded generator, so a failure names a reproducible case. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** A rows×cols view laid out as asked, with a nonzero offset and junk around it. */
function makeView(T: Ctor, rows: number, cols: number, layout: Layout, rand: () => number): MatrixView {
  const pad = 3;
  switch (layout) {
    case 'rowMajor': {
      const data = new T(pad + rows * cols).map(rand);
      return { data, offset: pad, rowStride: cols, colStride: 1 };
    }
    case 'transposed': {
      // The buffer holds the cols×rows transpose row-major: strides swapped.
      const data = new T(pad + rows * cols).map(rand);
      return { data, offset: pad, rowStride: 1, colStride: rows };
    }
    case 'strided': {
      // Every other column of a rows×(2·cols) matrix: span within 2× the elements.
      const data = new T(pad + rows * cols * 2).map(rand);
      return { data, offset: pad + 1, rowStride: 2 * cols, colStride: 2 };
    }
    case 'sparse': {
      // A few columns of a much wider matrix: gathered, not copied by span.
      const width = cols * 5 + 7;
      const data = new T(pad + rows * width).map(rand);
      return { data, offset: pad + 2, rowStride: width, colStride: 1 };
    }
    case 'flipped': {
      // Rows in reverse order (negative row stride), as a step −1 slice gives.
      const data = new T(pad + rows * cols).map(rand);
      return { data, offset: pad + (rows - 1) * cols, rowStride: -cols, colStride: 1 };
    }
  }
}

function at(v: MatrixView, i: number, j: number): number {
  return v.data[v.offset + i * v.rowStride + j * v.colStride]!;
}

/** Zeros most columns of A and scattered single entries, as MNIST pixels and ReLU
 *  outputs have them: the wasm kernel skips k steps whose A values are all zero. */
function sparsify(v: MatrixView, rows: number, cols: number, rand: () => number): void {
  for (let j = 0; j < cols; j++) {
    const wholeColumn = rand() < 0.1;
    for (let i = 0; i < rows; i++) {
      if (wholeColumn || rand() < 0.2) v.data[v.offset + i * v.rowStride + j * v.colStride] = 0;
    }
  }
}

/** Checks C against the reference (checkAgainstReference) and that nothing outside C was
 *  written. */
function check(kernel: Kernels, T: Ctor, m: number, n: number, k: number, la: Layout, lb: Layout, seed: number, sparseA = false): void {
  const rand = lcg(seed);
  const a = makeView(T, m, k, la, rand);
  const b = makeView(T, k, n, lb, rand);
  if (sparseA) sparsify(a, m, k, rand);
  const outOffset = 5;
  const sentinel = 12345;
  const out: FloatArray = new T(outOffset + m * n + 4).fill(sentinel);
  kernel.matmul(m, n, k, a, b, out, outOffset);
  checkAgainstReference(T, m, n, k, a, b, out.subarray(outOffset, outOffset + m * n), `${la}, ${lb}, seed ${seed}`);
  for (let i = 0; i < outOffset; i++) expect(out[i]).toBe(sentinel);
  for (let i = outOffset + m * n; i < out.length; i++) expect(out[i]).toBe(sentinel);
}

/** Zeros all but about `density` of the view's entries (the zeros ±0); with `edges`, a few of
 *  the non-zeros become NaN, ±Infinity, huge or tiny. */
function mostlyZeros(v: MatrixView, rows: number, cols: number, density: number, edges: boolean, rand: () => number): MatrixView {
  const specials = [NaN, Infinity, -Infinity, 1e300, -1e-300, 3e38, 1e-45];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const index = v.offset + i * v.rowStride + j * v.colStride;
      if (rand() + 0.5 >= density) v.data[index] = rand() < 0 ? -0 : 0;
      else if (edges && rand() + 0.5 < 0.05) v.data[index] = specials[Math.floor((rand() + 0.5) * specials.length)]!;
    }
  }
  return v;
}

/** The length of k's blocks in the WebAssembly kernels (productBlockK in assembly/matmul.ts):
 *  as even as the fewest blocks of at most 256 allow, rounded up to a multiple of 4. */
function productBlockK(k: number): number {
  const blocks = Math.ceil(k / 256);
  return blocks <= 1 ? k : (Math.ceil(k / blocks) + 3) & ~3;
}

/** C = A·B associated as the WebAssembly kernels do, in the element type's rounding: each
 *  block of k summed from +0 in k order (c + a·b, rounded after the product and the sum), the
 *  blocks' sums added to C one after another. */
function blockedProduct(T: Ctor, m: number, n: number, k: number, a: MatrixView, b: MatrixView, blockK: number): FloatArray {
  const round = T === Float32Array ? Math.fround : (x: number) => x;
  const out: FloatArray = new T(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let c = 0;
      for (let pc = 0; pc < k; pc += blockK) {
        let sum = 0;
        for (let p = pc; p < Math.min(k, pc + blockK); p++) sum = round(sum + round(at(a, i, p) * at(b, p, j)));
        c = pc === 0 ? sum : round(c + sum);
      }
      out[i * n + j] = c;
    }
  }
  return out;
}

function productOf(kernel: Kernels, T: Ctor, m: number, n: number, k: number, a: MatrixView, b: MatrixView): FloatArray {
  const out: FloatArray = new T(m * n);
  kernel.matmul(m, n, k, a, b, out, 0);
  return out;
}

/** C = A·B with B as given (row-major) and with the same values stored transposed. */
function expectSameBitsBothLayouts(kernel: Kernels, T: Ctor, m: number, n: number, k: number, a: MatrixView, b: MatrixView): void {
  const transposed = new T(k * n);
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) transposed[j * k + p] = at(b, p, j);
  const viaContiguous = productOf(kernel, T, m, n, k, a, b);
  const viaTransposed = productOf(kernel, T, m, n, k, a, { data: transposed, offset: 0, rowStride: 1, colStride: k });
  for (let i = 0; i < m * n; i++) {
    if (!Object.is(viaContiguous[i], viaTransposed[i])) {
      throw new Error(`${T.name} ${m}×${k}·${k}×${n}: C[${Math.floor(i / n)},${i % n}] = ${viaContiguous[i]} with B contiguous, ${viaTransposed[i]} with B transposed`);
    }
  }
}

/** C against the reference within the classical bound |fl(AB) − AB| ≤ γ_k·|A||B| (plus the
 *  reference's own final rounding). */
function checkAgainstReference(T: Ctor, m: number, n: number, k: number, a: MatrixView, b: MatrixView, got: FloatArray, label: string): void {
  const expected: FloatArray = new T(m * n);
  referenceKernels.matmul(m, n, k, a, b, expected, 0);
  const u = T === Float32Array ? 2 ** -24 : 2 ** -53;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let absDot = 0;
      for (let p = 0; p < k; p++) absDot += Math.abs(at(a, i, p) * at(b, p, j));
      const tol = (k + 2) * u * absDot + Number.MIN_VALUE;
      if (!(Math.abs(got[i * n + j]! - expected[i * n + j]!) <= tol)) {
        throw new Error(`${T.name} ${m}×${k}·${k}×${n} (${label}): C[${i},${j}] = ${got[i * n + j]}, want ${expected[i * n + j]} ± ${tol}`);
      }
    }
  }
}

// Shapes around every blocking edge of the wasm kernel: 1, primes, row and column
// vectors, partial micro-tiles (MR = 4, NR = 8 or 4), k past one KC = 256 block,
// m past one MC = 128 block, n past one NC = 1024 block.
const shapes: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 1],
  [7, 1, 1],
  [1, 1, 13],
  [1, 17, 5],
  [17, 1, 5],
  [3, 5, 7],
  [4, 8, 16],
  [5, 9, 3],
  [13, 11, 17],
  [31, 37, 29],
  [6, 10, 257],
  [9, 3, 300],
  [131, 9, 7],
  [2, 1031, 3],
];

/** The wasm kernels with every operand first moved into the module's memory (at odd element
 *  offsets), so they run in place instead of copying. */
function inModuleMemory(set: WasmKernelSet): Kernels {
  const pool = set.pool!;
  const move = (src: FloatArray, shift: number): FloatArray => {
    const moved = pool.take(src instanceof Float32Array ? 'float32' : 'float64', src.length + shift).subarray(shift);
    moved.set(src);
    return moved;
  };
  return {
    matmul(m, n, k, a, b, out, outOffset) {
      const o = move(out, 1);
      set.kernels.matmul(m, n, k, { ...a, data: move(a.data, 2) }, { ...b, data: move(b.data, 3) }, o, outOffset);
      out.set(o);
    },
    axpy(alpha, x, y) {
      const moved = move(y, 1);
      set.kernels.axpy(alpha, move(x, 2), moved);
      y.set(moved);
    },
  };
}

const cases: [string, Kernels][] = [['js', jsKernels]];
if (wasmKernels) cases.push(['wasm', wasmKernels]);
if (wasmSet?.pool) cases.push(['wasm, operands in its memory,', inModuleMemory(wasmSet)]);

describe.each(cases)('%s matmul kernel', (_name, kernel) => {
  for (const T of [Float32Array, Float64Array]) {
    it(`matches the reference on awkward shapes, every layout pair, ${T.name}`, () => {
      let seed = 1;
      for (const [m, n, k] of shapes) {
        for (const la of layouts) for (const lb of layouts) check(kernel, T, m, n, k, la, lb, seed++);
      }
    });

    it(`matches the reference when A is mostly zeros, ${T.name}`, () => {
      let seed = 500;
      for (const [m, n, k] of shapes) {
        for (const la of layouts) for (const lb of ['rowMajor', 'transposed'] as const) check(kernel, T, m, n, k, la, lb, seed++, true);
      }
    });

    it(`gives the same bits with B's columns contiguous or not when A is mostly zeros, ${T.name}`, () => {
      // A contiguous B lets the wasm kernel multiply through A's non-zeros; a transposed B takes
      // the packed path. Both must give the dense result's bits, edge values of A included.
      // (Up to two rows, a contiguous B is also summed over all of k at once where the packed
      // path sums 256 steps at a time, so those bits agree only for k ≤ 256.)
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 60 }),
          fc.integer({ min: 1, max: 300 }),
          fc.constantFrom(...layouts),
          fc.constantFrom(0, 0.02, 0.1, 0.3, 0.38, 0.6),
          fc.boolean(),
          fc.constantFrom('rowMajor', 'flipped', 'one row repeated'),
          fc.integer({ min: 1, max: 2 ** 30 }),
          (m, n, k, la, density, edges, lb, seed) => {
            const rand = lcg(seed);
            const a = mostlyZeros(makeView(T, m, k, la, rand), m, k, density, edges, rand);
            // B's columns contiguous, its rows forward, backward (a step −1 slice) or all one
            // row (row stride 0, a broadcast).
            const b = lb === 'one row repeated' ? { data: new T(n + 2).map(rand), offset: 2, rowStride: 0, colStride: 1 } : makeView(T, k, n, lb, rand);
            if (m > 2 || k <= 256) expectSameBitsBothLayouts(kernel, T, m, n, k, a, b);
            if (!edges) checkAgainstReference(T, m, n, k, a, b, productOf(kernel, T, m, n, k, a, b), `${la}, density ${density}, seed ${seed}`);
          },
        ),
        { numRuns: 80 },
      );
    });

    it(`gives the same bits for one or two rows of A half zeros times a wide B, Inf and NaN in B too, ${T.name}`, () => {
      // One sample's inference: the kernel multiplies through A's non-zeros up to a higher
      // density where B is wide (it is bound by reading B). Against a transposed B (the packed
      // path, every product formed), for k ≤ 256 where both sum k in one block.
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 60, max: 140 }),
          fc.integer({ min: 1, max: 256 }),
          fc.constantFrom(0.45, 0.55, 0.65, 0.7, 0.75, 0.9),
          fc.option(fc.tuple(fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity))),
          fc.integer({ min: 1, max: 2 ** 30 }),
          (m, n, k, density, special, seed) => {
            const rand = lcg(seed);
            const a = mostlyZeros(makeView(T, m, k, 'rowMajor', rand), m, k, density, false, rand);
            const b = makeView(T, k, n, 'rowMajor', rand);
            if (special !== null) b.data[b.offset + (special[0] % k) * b.rowStride + (special[0] % n) * b.colStride] = special[1];
            expectSameBitsBothLayouts(kernel, T, m, n, k, a, b);
          },
        ),
        { numRuns: 120 },
      );
    });

    it(`multiplies A in blocks of rows, some mostly zeros and some not, ${T.name}`, () => {
      // Past a block of rows (about 980 at k = 300 for f32), each block takes its own path.
      const [m, n, k] = [1500, 7, 300];
      for (const la of ['rowMajor', 'transposed'] as const) {
        const rand = lcg(77);
        const a = makeView(T, m, k, la, rand);
        for (let i = 0; i < m; i++) {
          const density = i < 700 ? 0.9 : i < 1000 ? 0.05 : 0.3;
          for (let p = 0; p < k; p++) if (rand() + 0.5 >= density) a.data[a.offset + i * a.rowStride + p * a.colStride] = 0;
        }
        const b = makeView(T, k, n, 'rowMajor', rand);
        expectSameBitsBothLayouts(kernel, T, m, n, k, a, b);
        checkAgainstReference(T, m, n, k, a, b, productOf(kernel, T, m, n, k, a, b), la);
      }
    });

    it(`gives NaN for 0·Inf and 0·NaN as the reference does, even where A is all zeros, ${T.name}`, () => {
      // Nine rows go through the packed kernel with its zero skipping, one and two through the row product.
      for (const m of [9, 2, 1]) {
        const [n, k] = [11, 40];
        const a = { data: new T(m * k), offset: 0, rowStride: k, colStride: 1 };
        a.data[Math.min(3, m - 1) * k + 5] = 2; // one nonzero, so A is not all zeros but nearly
        const b = { data: new T(k * n).fill(1), offset: 0, rowStride: n, colStride: 1 };
        b.data[7 * n + 2] = Infinity; // row 7 meets only zeros of A
        b.data[20 * n + 4] = NaN;
        const want = new T(m * n);
        const got = new T(m * n);
        referenceKernels.matmul(m, n, k, a, b, want, 0);
        kernel.matmul(m, n, k, a, b, got, 0);
        expect(Number.isNaN(want[2]!)).toBe(true);
        expect([...got]).toEqual([...want]);
      }
    });

    it(`matches the reference on random shapes and layouts, ${T.name}`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 300 }),
          fc.constantFrom(...layouts),
          fc.constantFrom(...layouts),
          fc.integer({ min: 1, max: 2 ** 30 }),
          (m, n, k, la, lb, seed) => check(kernel, T, m, n, k, la, lb, seed),
        ),
        { numRuns: 60 },
      );
    });

    // The JavaScript kernels sum k in one pass; the association below is the module's.
    if (kernel !== jsKernels) it(`sums as the packed kernel does, k in blocks each from +0, on every path (few columns of C, mostly zeros in A, one row), ${T.name}`, () => {
      // C with at most three vectors of columns (n ≤ 12 for f32, ≤ 6 for f64: a classifier's
      // logits) is computed straight from A, a mostly-zero A through its non-zeros, wider C in
      // packed tiles: all must give the bits of one association, written out here in scalars.
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 23 }),
          fc.integer({ min: 1, max: 16 }),
          fc.constantFrom(1, 3, 10, 100, 255, 256, 257, 600),
          fc.constantFrom(...layouts),
          fc.constantFrom(...layouts),
          fc.constantFrom(1, 0.3),
          fc.boolean(),
          fc.integer({ min: 1, max: 2 ** 30 }),
          (m, n, k, la, lb, density, edges, seed) => {
            const rand = lcg(seed);
            const a = mostlyZeros(makeView(T, m, k, la, rand), m, k, density, edges, rand);
            const b = mostlyZeros(makeView(T, k, n, lb, rand), k, n, 1, edges, rand);
            const got = productOf(kernel, T, m, n, k, a, b);
            // Up to two rows with B's columns contiguous, a row of C is summed over all of k at
            // once (row-product.ts, sparse-product.ts).
            const blockK = m <= 2 && b.colStride === 1 ? k : productBlockK(k);
            const want = blockedProduct(T, m, n, k, a, b, blockK);
            for (let i = 0; i < m * n; i++) {
              if (!(Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i])))) {
                throw new Error(`${T.name} ${m}×${k}·${k}×${n} (A ${la}, B ${lb}, density ${density}, seed ${seed}): C[${Math.floor(i / n)},${i % n}] = ${got[i]}, want ${want[i]}`);
              }
            }
          },
        ),
        { numRuns: 150 },
      );
    });

    it(`writes zeros for k = 0 and nothing for an empty C, ${T.name}`, () => {
      const empty = { data: new T(0), offset: 0, rowStride: 0, colStride: 1 };
      const out = new T(8).fill(7);
      kernel.matmul(2, 3, 0, empty, empty, out, 1);
      expect([...out]).toEqual([7, 0, 0, 0, 0, 0, 0, 7]);
      kernel.matmul(0, 3, 2, empty, empty, out, 0);
      kernel.matmul(2, 0, 2, empty, empty, out, 0);
      expect([...out]).toEqual([7, 0, 0, 0, 0, 0, 0, 7]);
    });
  }

  for (const T of [Float32Array, Float64Array]) {
    it(`axpy matches the reference on subarrays of every small length, ${T.name}`, () => {
      const rand = lcg(99);
      for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 17, 1001]) {
        const alpha = -0.1 - rand();
        // Offsets of 1 and 3 elements: the arrays need not be 16-byte aligned.
        const x = new T(n + 1).map(rand).subarray(1);
        const y = new T(n + 5).map(rand).subarray(3, 3 + n);
        const want = y.slice();
        referenceKernels.axpy(alpha, x, want);
        kernel.axpy(alpha, x, y);
        // f32 kernels may round α·x to f32 before adding: one rounding more than the reference.
        const u = T === Float32Array ? 2 ** -23 : 0;
        for (let i = 0; i < n; i++) {
          expect(Math.abs(y[i]! - want[i]!)).toBeLessThanOrEqual(u * (Math.abs(y[i]!) + Math.abs(alpha * x[i]!)));
        }
      }
    });
  }

  it('axpy rejects arrays of different lengths or dtypes, naming both', () => {
    expect(() => kernel.axpy(1, new Float32Array(3), new Float32Array(4))).toThrow(
      /axpy kernel: x and y must have one dtype and length, got x Float32Array\(3\) and y Float32Array\(4\)/,
    );
    expect(() => kernel.axpy(1, new Float64Array(4), new Float32Array(4))).toThrow(/got x Float64Array\(4\) and y Float32Array\(4\)/);
  });

  it('computes the 2×3 by 3×2 product exactly', () => {
    const a = { data: Float64Array.from([1, 2, 3, 4, 5, 6]), offset: 0, rowStride: 3, colStride: 1 };
    const b = { data: Float64Array.from([7, 8, 9, 10, 11, 12]), offset: 0, rowStride: 2, colStride: 1 };
    const out = new Float64Array(4);
    kernel.matmul(2, 2, 3, a, b, out, 0);
    expect([...out]).toEqual([58, 64, 139, 154]);
  });
});

describe('wasm kernels', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('back the default backend on a host with WebAssembly SIMD', () => {
    expect(wasmKernels).not.toBeNull();
    const backend = getBackend() as CpuBackend;
    expect(backend.name).toBe('wasm');
    expect(backend.matrices).not.toBe(jsKernels);
  });

  it('were built from the current assembly sources', async () => {
    const coreDir = fileURLToPath(new URL('..', import.meta.url));
    expect(wasmSourceHash, 'generated.ts is stale: run `pnpm --filter @matgrad/core build:wasm`').toBe(
      await assemblySourceHash(coreDir),
    );
  });

  it('are not created where WebAssembly is missing, so the JavaScript kernels stay', () => {
    vi.stubGlobal('WebAssembly', undefined);
    expect(createWasmKernels()).toBeNull();
  });

  it('reject operands of mixed dtypes, naming them', () => {
    const a = { data: new Float32Array(4), offset: 0, rowStride: 2, colStride: 1 };
    const b = { data: new Float64Array(4), offset: 0, rowStride: 2, colStride: 1 };
    expect(() => wasmKernels!.matmul(2, 2, 2, a, b, new Float32Array(4), 0)).toThrow(
      /matmul kernel: A, B and out must share one dtype, got A Float32Array, B Float64Array, out Float32Array/,
    );
  });

  it('keep working after memory grows between calls', () => {
    check(wasmKernels!, Float32Array, 3, 4, 5, 'rowMajor', 'rowMajor', 11);
    check(wasmKernels!, Float64Array, 300, 310, 20, 'transposed', 'rowMajor', 12);
    check(wasmKernels!, Float32Array, 3, 4, 5, 'rowMajor', 'transposed', 13);
  });
});

describe.runIf(wasmSet?.pool)('wasm axpy outside the module', () => {
  const inModule = inModuleMemory(wasmSet!);
  for (const T of [Float32Array, Float64Array]) {
    it(`wasm axpy on small arrays outside the module (a loop, no copies in) gives the module's bits, edge values too, ${T.name}`, () => {
      const rand = lcg(7);
      const edges = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-40, 3e38, -3e38, 1e-310, 1.5e308];
      for (const n of [1, 3, 4, 10, 100, 1023, 1024, 1500]) {
        for (const alpha of [-0.1, 0.1 + rand(), -3e38, 1e-30]) {
          const x = new T(n).map((_, i) => (i % 7 === 3 ? edges[i % edges.length]! : (rand() - 0.5) * 2 ** ((i % 9) * 8 - 32)));
          const y = new T(n).map((_, i) => (i % 5 === 2 ? edges[(i * 3) % edges.length]! : rand() - 0.5));
          const outside = y.slice();
          wasmSet!.kernels.axpy(alpha, x, outside);
          const inside = y.slice();
          inModule.axpy(alpha, x, inside);
          for (let i = 0; i < n; i++) if (!Object.is(outside[i], inside[i])) expect.fail(`n ${n}, α ${alpha}, element ${i}: ${outside[i]} outside, ${inside[i]} in the module`);
        }
      }
    });
  }
});
