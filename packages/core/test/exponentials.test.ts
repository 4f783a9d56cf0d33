import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/backends/cpu/cpu-backend.js';
import { createWasmKernels } from '../src/backends/wasm/wasm-kernels.js';
import { jsKernels } from '../src/kernels/index.js';
import { seededRandom, valuesWithEdges } from './support/arbitraries.js';
import { sameElements } from './support/compare.js';

// softmax, log-softmax and the fused cross-entropy take their exponentials from the WebAssembly
// module where the logits lie in its memory (assembly/exponentials.ts: fdlibm's exp, which is
// what V8's Math.exp runs). Everything downstream assumes Math.exp's bits, so the module's
// exponential is held to Math.exp bit for bit, and the three ops to the JavaScript backend's.

const set = createWasmKernels({ smallestArenaBytes: 0 })!;
/** Calls of the module's row exponentials that ran (returned the arrays), and those of them
 *  that also wrote the probabilities. */
let moduleCalls = 0;
let moduleProbabilities = 0;
const wasm = new CpuBackend(
  'exponentials-wasm',
  {
    ...set.kernels,
    rowExponentials: (rows, cols, x, xi, probabilities) => {
      const computed = set.kernels.rowExponentials!(rows, cols, x, xi, probabilities);
      if (computed !== null) moduleCalls++;
      if (computed?.probabilitiesWritten) moduleProbabilities++;
      return computed;
    },
  },
  set.pool!,
);
const js = new CpuBackend('exponentials-js', jsKernels);

describe("the module's exponentials", () => {
  it('are Math.exp bit for bit: every branch of the reduction, the thresholds, subnormal results, ±Inf, NaN, ±0, two at a time and one', () => {
    // A row [a, b, +Inf] has a non-finite maximum, so its shift is 0 and its exponentials are
    // exp(a) and exp(b), computed as a pair of lanes (or one by one where a lane falls outside
    // the pair's range), and exp(+Inf) alone, as the last element of an odd row.
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const ln2 = Math.LN2;
    const special = [0, -0, 1e-300, -1e-300, 2 ** -28, -(2 ** -28), 2 ** -29, 0.5 * ln2, -0.5 * ln2, 1.5 * ln2, -1.5 * ln2, 709.782712893384, 709.79, -745.1332191019411, -745.14, -708.39, -708.4, -720, 88.72, -103.97, 1e308, -1e308, Infinity, -Infinity, NaN, 5e-324, -700, 709, -699.99, 708.99];
    // The doubles around exp()'s thresholds on the high word: |x| > ln2/2 but with the high word
    // of ln2/2 (not reduced), 1.5·ln2, and 2⁻²⁸.
    const bits = new DataView(new ArrayBuffer(8));
    const fromWords = (high: number, low: number) => (bits.setUint32(0, high), bits.setUint32(4, low), bits.getFloat64(0));
    const thresholds = [0x3fd62e42, 0x3ff0a2b2, 0x3e300000].flatMap((high) => [fromWords(high - 1, 0xffffffff), fromWords(high, 0), fromWords(high, 0xffffffff)]);
    // Above ln2/2 with its high word, where reducing (k = ±1) would give other bits than exp()'s k = 0.
    const unreduced = [fromWords(0x3fd62e42, 0xfefa3a08), fromWords(0x3fd62e42, 0xfffcd7b4), fromWords(0xbfd62e42, 0xff508676), fromWords(0xbfd62e42, 0xffaa2397)];
    special.push(...thresholds, ...thresholds.map((x) => -x), ...unreduced);
    const xs = [...special, ...special.map((x) => x * (1 + 2 ** -52)), ...special.map((x) => x * (1 - 2 ** -52))];
    for (let i = 0; i < 60_000; i++) xs.push((random() - 0.5) * 40, (random() - 0.5) * 1500, (random() - 0.5) * 3, (random() - 0.5) * 2 ** -20, (random() - 0.5) * 2 ** -26, (random() - 0.5) * 2 ** -48);
    // Each value in both lanes, beside values of every kind.
    for (const pairs of [xs, [...xs.slice(1), xs[0]!]]) {
      expect(pairs.length % 2).toBe(0);
      const rows = pairs.length / 2;
      const data = set.pool!.take('float64', 3 * rows) as Float64Array;
      for (let r = 0; r < rows; r++) data.set([pairs[2 * r]!, pairs[2 * r + 1]!, Infinity], 3 * r);
      const computed = set.kernels.rowExponentials!(rows, 3, data, 0);
      expect(computed).not.toBeNull();
      const exps = Array.from({ length: rows }, (_, r) => [computed!.exps[3 * r]!, computed!.exps[3 * r + 1]!]).flat();
      sameElements(exps, pairs.map(Math.exp), 'exp');
      sameElements(Array.from({ length: rows }, (_, r) => computed!.exps[3 * r + 2]!), new Array(rows).fill(Infinity), 'exp(+Inf) last in its row');
      sameElements(computed!.shifts, new Float64Array(rows), 'shifts');
      set.pool!.give(data, 'float64');
    }
  });
});

describe('softmax, log-softmax and softmaxCrossEntropy with the exponentials from the module', () => {
  /** Rows of logits with edge values among them (a row of all −∞, +∞, NaN, ±0, 1e38), at least
   *  1 KiB of them, so that they lie in the module's memory. */
  const cases = fc
    .record({ rows: fc.integer({ min: 26, max: 70 }), cols: fc.integer({ min: 10, max: 12 }), float32: fc.boolean(), seed: fc.integer({ min: 1, max: 2 ** 30 }) })
    .map(({ rows, cols, float32, seed }) => {
      const random = seededRandom(seed);
      const values = valuesWithEdges(rows * cols, random, [Infinity, -Infinity, NaN, 0, -0, 1e38, -1e38, 3.5], 0.1, 30);
      for (let c = 0; c < cols; c++) values[c] = -Infinity;
      const classes = Array.from({ length: rows }, () => Math.floor(random() * cols));
      return { rows, cols, dtype: float32 ? ('float32' as const) : ('float64' as const), values, classes };
    });

  it('give the JavaScript backend\'s bits', () => {
    fc.assert(
      fc.property(cases, ({ rows, cols, dtype, values, classes }) => {
        const oneHot = new Float64Array(rows * cols);
        classes.forEach((k, row) => (oneHot[row * cols + k] = 1));
        const label = `${dtype} ${rows}×${cols}`;
        const onBoth = <T>(f: (backend: CpuBackend) => T) => [f(wasm), f(js)] as const;
        const [logitsWasm, logitsJs] = onBoth((b) => b.upload(values, dtype, [rows, cols]));
        const [targetsWasm, targetsJs] = onBoth((b) => b.upload(oneHot, dtype, [rows, cols]));
        const [before, beforeProbabilities] = [moduleCalls, moduleProbabilities];
        sameElements(wasm.readSync(wasm.softmax(logitsWasm, 1)), js.readSync(js.softmax(logitsJs, 1)), `softmax ${label}`);
        sameElements(wasm.readSync(wasm.logSoftmax(logitsWasm, 1)), js.readSync(js.logSoftmax(logitsJs, 1)), `logSoftmax ${label}`);
        sameElements(wasm.readSync(wasm.softmaxCrossEntropy(logitsWasm, targetsWasm)), js.readSync(js.softmaxCrossEntropy(logitsJs, targetsJs)), `softmaxCrossEntropy ${label}`);
        // The probabilities the loss kept for its gradient, handed over by the next softmax.
        sameElements(wasm.readSync(wasm.softmax(logitsWasm, 1)), js.readSync(js.softmax(logitsJs, 1)), `the loss's probabilities ${label}`);
        expect(moduleCalls - before, `${label}: the module computed the exponentials`).toBe(3);
        expect(moduleProbabilities - beforeProbabilities, `${label}: the module wrote softmax's and the loss's probabilities`).toBe(2);
      }),
      { numRuns: 60 },
    );
  });
});
