import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { relu, softmaxCrossEntropy, tensor } from '../src/index.js';
import { seededRandom, valuesWithEdges } from './support/arbitraries.js';
import { sameElements } from './support/compare.js';

// Some rules, when the backward pass is not recorded (no createGraph), call their kernels
// directly instead of composing ops: relu's mask and product in one pass, the loss's
// (softmax(A) − Y)·dL/N without the tensors and nodes of softmax, sub and mul. Recorded, the
// same rules compose differentiable ops. Both must give the same bits.

const EDGES = [0, -0, Infinity, -Infinity, NaN, 1e38, -1e38, 1e-40, 3.5, -700, 700];
const cases = fc.record({
  rows: fc.integer({ min: 1, max: 40 }),
  cols: fc.integer({ min: 1, max: 13 }),
  dtype: fc.constantFrom('float32' as const, 'float64' as const),
  backend: fc.constantFrom('js', 'wasm'),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  upstream: fc.oneof(fc.constant(undefined), fc.constantFrom(0, -0, 2.5, -1e-30, 1e30, Infinity, NaN)),
});

function values(length: number, seed: number): Float64Array {
  return valuesWithEdges(length, seededRandom(seed), EDGES, 0.15, 20);
}

describe('rules that skip the graph when it is not recorded', () => {
  it("softmaxCrossEntropy's gradient has the bits of the composed ops, on both CPU backends, any upstream gradient", () => {
    fc.assert(
      fc.property(cases, ({ rows, cols, dtype, backend, seed, upstream }) => {
        const logits = tensor(values(rows * cols, seed), { shape: [rows, cols], dtype, backend, requiresGrad: true });
        const classes = Array.from({ length: rows }, (_, i) => (i * 7 + seed) % cols);
        const gradient = (createGraph: boolean) => {
          logits.grad = null;
          softmaxCrossEntropy(logits, classes).backward({ gradient: upstream, createGraph });
          expect(logits.grad!.requiresGrad).toBe(createGraph);
          return logits.grad!.values();
        };
        sameElements(gradient(false), gradient(true), `${backend} ${dtype} ${rows}×${cols} upstream ${upstream}`);
      }),
      { numRuns: 150 },
    );
  });

  it("relu's gradient has the bits of the composed ops", () => {
    fc.assert(
      fc.property(cases, ({ rows, cols, dtype, backend, seed }) => {
        const a = tensor(values(rows * cols, seed), { shape: [rows, cols], dtype, backend, requiresGrad: true });
        const dB = tensor(values(rows * cols, seed + 1), { shape: [rows, cols], dtype, backend });
        const gradient = (createGraph: boolean) => {
          a.grad = null;
          relu(a).backward({ gradient: dB, createGraph });
          return a.grad!.values();
        };
        sameElements(gradient(false), gradient(true), `${backend} ${dtype} ${rows}×${cols}`);
      }),
      { numRuns: 60 },
    );
  });
});
