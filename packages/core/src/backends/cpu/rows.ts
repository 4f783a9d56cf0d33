import type { FloatArray } from '../../kernels/types.js';
import type { Storage } from '../../storage.js';
import { elementsOf, type Allocate } from './memory.js';

/** What a row of `cols` values from `row` is shifted by before its exponentials: its maximum, so
 *  logits like 1000 stay finite, or 0 for a row whose maximum is ±∞ (or NaN). */
function rowShift(src: FloatArray, row: number, cols: number): number {
  let top = -Infinity;
  for (let c = 0; c < cols; c++) top = Math.max(top, src[row + c]!);
  return Number.isFinite(top) ? top : 0;
}

/** exp(x − shift) of the `cols` values from `row` into `exps` (in float64, so that a float32
 *  result is rounded once); returns their sum, added in order. softmaxRows and logSoftmaxRows
 *  both go through here, so the probabilities the loss keeps are softmax's bits. */
function rowExponentials(src: FloatArray, row: number, cols: number, shift: number, exps: Float64Array): number {
  let total = 0;
  for (let c = 0; c < cols; c++) {
    const e = Math.exp(src[row + c]! - shift);
    exps[c] = e;
    total += e;
  }
  return total;
}

/** The row's probabilities: its exponentials over their sum. */
function writeProbabilities(dst: FloatArray, row: number, cols: number, exps: Float64Array, total: number): void {
  for (let c = 0; c < cols; c++) dst[row + c] = exps[c]! / total;
}

let rowExps = new Float64Array(16);

function rowScratch(cols: number): Float64Array {
  if (rowExps.length < cols) rowExps = new Float64Array(cols);
  return rowExps;
}

/** log-probabilities of each row of row-major `x` ([..., C]), one pass per row, shifted by
 *  rowShift; and, into `probabilities` when given, the probabilities as softmaxRows computes them. */
export function logSoftmaxRows(alloc: Allocate, x: Storage, probabilities?: FloatArray): Storage {
  const { storage, data: dst } = alloc(x.dtype, x.shape);
  const src = elementsOf(x);
  const cols = x.shape[x.ndim - 1]!;
  const exps = rowScratch(cols);
  for (let row = 0; row < dst.length; row += cols) {
    const shift = rowShift(src, row, cols);
    const total = rowExponentials(src, row, cols, shift, exps);
    const logTotal = shift + Math.log(total);
    for (let c = 0; c < cols; c++) dst[row + c] = src[row + c]! - logTotal;
    if (probabilities !== undefined) writeProbabilities(probabilities, row, cols, exps, total);
  }
  return storage;
}

/** Probabilities of each row of row-major `x` ([..., C]): exp(x − shift) over its row sum (see
 *  rowShift), one exponential per entry; a row with +∞ gives NaN and 0s and one of all −∞ NaNs,
 *  as the exponential of its log-probabilities does. */
export function softmaxRows(alloc: Allocate, x: Storage): Storage {
  const { storage, data: dst } = alloc(x.dtype, x.shape);
  const src = elementsOf(x);
  const cols = x.shape[x.ndim - 1]!;
  const exps = rowScratch(cols);
  for (let row = 0; row < dst.length; row += cols) {
    const total = rowExponentials(src, row, cols, rowShift(src, row, cols), exps);
    writeProbabilities(dst, row, cols, exps, total);
  }
  return storage;
}

/** −(1/N)·Σ Y∘log softmax(A) for row-major logits and targets [N, C]; and softmax(A), which the
 *  loss's gradient asks for next. */
export function softmaxCrossEntropy(alloc: Allocate, logits: Storage, targets: Storage): { loss: Storage; probabilities: Storage } {
  const probabilities = alloc(logits.dtype, logits.shape);
  const logProbs = logSoftmaxRows(alloc, logits, probabilities.data);
  const lp = elementsOf(logProbs);
  const y: FloatArray = elementsOf(targets);
  let total = 0;
  // Skipping zero targets keeps 0·log 0 (a probability that underflowed) out of the sum.
  for (let i = 0; i < y.length; i++) if (y[i] !== 0) total -= y[i]! * lp[i]!;
  logProbs.ref.release();
  const { storage, data } = alloc(logits.dtype, []);
  data[0] = total / logits.shape[0]!;
  return { loss: storage, probabilities: probabilities.storage };
}
