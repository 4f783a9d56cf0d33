import type { FloatArray, Kernels, RowExponentials } from '../../kernels/types.js';
import type { Storage } from '../../storage.js';
import { elementsOf, type Allocate } from './memory.js';

/** What a row of `cols` values from `row` is shifted by before its exponentials: its maximum, so
 *  logits like 1000 stay finite, or 0 for a row whose maximum is ±∞ (or NaN). */
function rowShift(src: FloatArray, row: number, cols: number): number {
  let top = -Infinity;
  for (let c = 0; c < cols; c++) top = Math.max(top, src[row + c]!);
  return Number.isFinite(top) ? top : 0;
}

/** exp(x − shift) of the `cols` values from `row` into `exps` from `at` (in float64, so that a
 *  float32 result is rounded once); returns their sum, added in order. */
function rowExponentials(src: FloatArray, row: number, cols: number, shift: number, exps: Float64Array, at: number): number {
  let total = 0;
  for (let c = 0; c < cols; c++) {
    const e = Math.exp(src[row + c]! - shift);
    exps[at + c] = e;
    total += e;
  }
  return total;
}

/** Every row's shift, exponentials and their sum: through the kernels where they have them
 *  (Kernels.rowExponentials: Math.exp's bits, faster), else here. softmaxRows and logSoftmaxRows
 *  both go through this, so the probabilities the loss keeps are softmax's bits. */
function allRowExponentials(src: FloatArray, rows: number, cols: number, kernels?: Kernels): RowExponentials {
  const computed = kernels?.rowExponentials?.(rows, cols, src, 0) ?? null;
  if (computed !== null) return computed;
  const here = rowScratch(rows, cols);
  for (let r = 0; r < rows; r++) {
    here.shifts[r] = rowShift(src, r * cols, cols);
    here.totals[r] = rowExponentials(src, r * cols, cols, here.shifts[r]!, here.exps, r * cols);
  }
  return here;
}

/** The row's probabilities: its exponentials over their sum. */
function writeProbabilities(dst: FloatArray, row: number, cols: number, exps: Float64Array, total: number): void {
  for (let c = 0; c < cols; c++) dst[row + c] = exps[row + c]! / total;
}

let scratch: RowExponentials = { exps: new Float64Array(16), totals: new Float64Array(1), shifts: new Float64Array(1) };

function rowScratch(rows: number, cols: number): RowExponentials {
  if (scratch.exps.length < rows * cols || scratch.totals.length < rows) {
    scratch = { exps: new Float64Array(rows * cols), totals: new Float64Array(rows), shifts: new Float64Array(rows) };
  }
  return scratch;
}

/** log-probabilities of each row of row-major `x` ([..., C]), shifted by rowShift; and, into
 *  `probabilities` when given, the probabilities as softmaxRows computes them. */
export function logSoftmaxRows(alloc: Allocate, x: Storage, probabilities?: FloatArray, kernels?: Kernels): Storage {
  const { storage, data: dst } = alloc(x.dtype, x.shape);
  const src = elementsOf(x);
  const cols = x.shape[x.ndim - 1]!;
  const rows = cols === 0 ? 0 : dst.length / cols;
  const { exps, totals, shifts } = allRowExponentials(src, rows, cols, kernels);
  for (let r = 0, row = 0; r < rows; r++, row += cols) {
    const logTotal = shifts[r]! + Math.log(totals[r]!);
    for (let c = 0; c < cols; c++) dst[row + c] = src[row + c]! - logTotal;
    if (probabilities !== undefined) writeProbabilities(probabilities, row, cols, exps, totals[r]!);
  }
  return storage;
}

/** Probabilities of each row of row-major `x` ([..., C]): exp(x − shift) over its row sum (see
 *  rowShift), one exponential per entry; a row with +∞ gives NaN and 0s and one of all −∞ NaNs,
 *  as the exponential of its log-probabilities does. */
export function softmaxRows(alloc: Allocate, x: Storage, kernels?: Kernels): Storage {
  const { storage, data: dst } = alloc(x.dtype, x.shape);
  const src = elementsOf(x);
  const cols = x.shape[x.ndim - 1]!;
  const rows = cols === 0 ? 0 : dst.length / cols;
  const { exps, totals } = allRowExponentials(src, rows, cols, kernels);
  for (let r = 0, row = 0; r < rows; r++, row += cols) writeProbabilities(dst, row, cols, exps, totals[r]!);
  return storage;
}

/** −(1/N)·Σ Y∘log softmax(A) for row-major logits and targets [N, C]; and softmax(A), which the
 *  loss's gradient asks for next. */
export function softmaxCrossEntropy(alloc: Allocate, logits: Storage, targets: Storage, kernels?: Kernels): { loss: Storage; probabilities: Storage } {
  const probabilities = alloc(logits.dtype, logits.shape);
  const logProbs = logSoftmaxRows(alloc, logits, probabilities.data, kernels);
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
