import { describe, expect, it } from 'vitest';
import { fromBuffer, getBackend, matmul, optimizerStep, slice, tensor, type Tensor } from '../src/index.js';
import type { CpuBackend } from '../src/backends/cpu/cpu-backend.js';
import type { MatrixView } from '../src/kernels/index.js';

// x·W with x mostly zeros skips the rows of W that the zeros pick, which is exact only while W
// holds no Inf or NaN (0·Inf is NaN). The backend remembers that it found W finite until W is
// written to (its version), so one sample's inference does not read all of W each time. Each case
// multiplies by a finite W (now known finite), puts an Inf or a NaN into W, and multiplies again:
// the zero of x at that row must make NaNs.

const [K, N] = [64, 80];
const row = 17;

/** x: [m, K], a few non-zeros, a zero at `row` in every sample. */
function sparseInput(m: number): Tensor {
  const x = new Float32Array(m * K);
  for (let i = 0; i < m; i++) for (const j of [2, 30, 41]) x[i * K + j] = 0.5 + i;
  return tensor(x, { shape: [m, K], dtype: 'float32' });
}

function finiteWeights(): Float32Array {
  return Float32Array.from({ length: K * N }, (_, i) => Math.sin(i));
}

/** The right operands' `finite` flags the kernels were handed while `fn` ran. */
function finiteFlags(fn: () => void): (boolean | undefined)[] {
  const backend = getBackend() as CpuBackend;
  const kernels = backend.matrices;
  const original = kernels.matmul;
  const flags: (boolean | undefined)[] = [];
  kernels.matmul = (m: number, n: number, k: number, a: MatrixView, b: MatrixView, out, outOffset: number) => {
    flags.push(b.finite);
    return original.call(kernels, m, n, k, a, b, out, outOffset);
  };
  try {
    fn();
  } finally {
    kernels.matmul = original;
  }
  return flags;
}

function expectNaNs(product: Tensor, m: number): void {
  const values = product.values();
  expect(values.length).toBe(m * N);
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) expect.fail(`element ${i} is ${values[i]}, expected NaN (0·Inf)`);
}

describe('a weight found free of Inf and NaN is remembered until it is written to', () => {
  for (const m of [1, 8]) {
    it(`is handed to the kernel as finite the second time, and not after assign puts an Inf in (${m} row(s))`, () => {
      const w = tensor(finiteWeights(), { shape: [K, N], dtype: 'float32' });
      const x = sparseInput(m);
      expect(finiteFlags(() => matmul(x, w))).toEqual([undefined]);
      expect(finiteFlags(() => matmul(x, w))).toEqual([true]);
      const poisoned = finiteWeights();
      for (let j = 0; j < N; j++) poisoned[row * N + j] = j % 2 ? Infinity : -Infinity;
      w.assign(poisoned);
      expect(finiteFlags(() => expectNaNs(matmul(x, w), m))).toEqual([undefined]);
    });

    it(`is known after an optimizer step found the weights finite as it wrote them, with no product between (${m} row(s))`, () => {
      // The update is what writes the weights every step of training; its kernel checks them as
      // it writes, so the next forward product need not.
      const w = tensor(finiteWeights(), { shape: [K, N], dtype: 'float32' });
      const x = sparseInput(m);
      const grad = tensor(Float32Array.from({ length: K * N }, (_, i) => Math.cos(i)), { shape: [K, N], dtype: 'float32' });
      optimizerStep('sgd', w, grad, [], { lr: 0.1, weightDecay: 0, scale: 1, step: 1 });
      expect(finiteFlags(() => matmul(x, w))).toEqual([true]);
      const poison = new Float32Array(K * N);
      for (let j = 0; j < N; j++) poison[row * N + j] = -Infinity;
      optimizerStep('sgd', w, tensor(poison, { shape: [K, N], dtype: 'float32' }), [], { lr: 0.1, weightDecay: 0, scale: 1, step: 2 });
      expect(finiteFlags(() => expectNaNs(matmul(x, w), m))).toEqual([undefined]);
    });

    it(`is not used after an optimizer step wrote a NaN (${m} row(s))`, () => {
      const w = tensor(finiteWeights(), { shape: [K, N], dtype: 'float32' });
      const x = sparseInput(m);
      matmul(x, w);
      const grad = new Float32Array(K * N);
      for (let j = 0; j < N; j++) grad[row * N + j] = NaN;
      optimizerStep('sgd', w, tensor(grad, { shape: [K, N], dtype: 'float32' }), [], { lr: 0.1, weightDecay: 0, scale: 1, step: 1 });
      expectNaNs(matmul(x, w), m);
    });
  }

  it("is never assumed for a user's array behind fromBuffer, which can change without the version knowing", () => {
    const data = finiteWeights();
    const w = fromBuffer(data, [K, N]);
    const x = sparseInput(1);
    matmul(x, w);
    expect(finiteFlags(() => matmul(x, w))).toEqual([undefined]);
    for (let j = 0; j < N; j++) data[row * N + j] = Infinity;
    expectNaNs(matmul(x, w), 1);
  });

  it('is remembered only for a whole buffer: a product with part of it (a slice) records nothing', () => {
    const w = tensor(Float32Array.from({ length: (K + 1) * N }, (_, i) => Math.cos(i)), { shape: [K + 1, N], dtype: 'float32' });
    const part = slice(w, [[1, K + 1]]);
    const x = sparseInput(1);
    matmul(x, part);
    expect(finiteFlags(() => matmul(x, part))).toEqual([undefined]);
  });
});
