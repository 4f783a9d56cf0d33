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

/** Every row's shift, exponentials and their sum, and the probabilities into `probabilities`
 *  when given: through the kernels where they have them (Kernels.rowExponentials: Math.exp's
 *  bits, faster), else here. softmaxRows and logSoftmaxRows both go through this, so the
 *  probabilities the loss keeps are softmax's bits. */
function allRowExponentials(src: FloatArray, rows: number, cols: number, kernels: Kernels | undefined, probabilities: FloatArray | undefined): RowExponentials {
  const computed = kernels?.rowExponentials?.(rows, cols, src, 0, probabilities) ?? null;
  if (computed !== null) {
    if (probabilities !== undefined && !computed.probabilitiesWritten) writeAllProbabilities(probabilities, rows, cols, computed);
    return computed;
  }
  const here = rowScratch(rows, cols);
  for (let r = 0; r < rows; r++) {
    here.shifts[r] = rowShift(src, r * cols, cols);
    here.totals[r] = rowExponentials(src, r * cols, cols, here.shifts[r]!, here.exps, r * cols);
  }
  if (probabilities !== undefined) writeAllProbabilities(probabilities, rows, cols, here);
  return here;
}

/** Each row's probabilities: its exponentials over their sum. */
function writeAllProbabilities(dst: FloatArray, rows: number, cols: number, { exps, totals }: RowExponentials): void {
  for (let r = 0, row = 0; r < rows; r++, row += cols) {
    const total = totals[r]!;
    for (let c = row; c < row + cols; c++) dst[c] = exps[c]! / total;
  }
}

let scratch: RowExponentials = { exps: new Float64Array(16), totals: new Float64Array(1), shifts: new Float64Array(1), probabilitiesWritten: false };

function rowScratch(rows: number, cols: number): RowExponentials {
  if (scratch.exps.length < rows * cols || scratch.totals.length < rows) {
    scratch = { exps: new Float64Array(rows * cols), totals: new Float64Array(rows), shifts: new Float64Array(rows), probabilitiesWritten: false };
  }
  return scratch;
}

/** What row r's log-probabilities are its values minus: its shift plus the log of its
 *  exponentials' sum (log-softmax and the loss share it, so they share its bits). */
function logNormalizer(shifts: Float64Array, totals: Float64Array, r: number): number {
  return shifts[r]! + Math.log(totals[r]!);
}

/** log-probabilities of each row of row-major `x` ([..., C]), shifted by rowShift; and, into
 *  `probabilities` when given, the probabilities as softmaxRows computes them. */
export function logSoftmaxRows(alloc: Allocate, x: Storage, probabilities?: FloatArray, kernels?: Kernels): Storage {
  const { storage, data: dst } = alloc(x.dtype, x.shape);
  const src = elementsOf(x);
  const cols = x.shape[x.ndim - 1]!;
  const rows = cols === 0 ? 0 : dst.length / cols;
  const { totals, shifts } = allRowExponentials(src, rows, cols, kernels, probabilities);
  for (let r = 0, row = 0; r < rows; r++, row += cols) {
    const logTotal = logNormalizer(shifts, totals, r);
    for (let c = 0; c < cols; c++) dst[row + c] = src[row + c]! - logTotal;
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
  allRowExponentials(src, rows, cols, kernels, dst);
  return storage;
}

/** −(1/N)·Σ Y∘log softmax(A) for row-major logits and targets [N, C]; and softmax(A), which the
 *  loss's gradient asks for next. Each log-probability is rounded to the logits' dtype, as
 *  logSoftmaxRows stores it, and used at once rather than stored. */
export function softmaxCrossEntropy(alloc: Allocate, logits: Storage, targets: Storage, kernels?: Kernels): { loss: Storage; probabilities: Storage } {
  const probabilities = alloc(logits.dtype, logits.shape);
  const src = elementsOf(logits);
  const y: FloatArray = elementsOf(targets);
  const cols = logits.shape[logits.ndim - 1]!;
  const rows = cols === 0 ? 0 : src.length / cols;
  const round = logits.dtype === 'float32' ? Math.fround : identity;
  const { totals, shifts } = allRowExponentials(src, rows, cols, kernels, probabilities.data);
  let total = 0;
  for (let r = 0, row = 0; r < rows; r++, row += cols) {
    const logTotal = logNormalizer(shifts, totals, r);
    // Skipping zero targets keeps 0·log 0 (a probability that underflowed) out of the sum.
    for (let i = row; i < row + cols; i++) if (y[i] !== 0) total -= y[i]! * round(src[i]! - logTotal);
  }
  const { storage, data } = alloc(logits.dtype, []);
  data[0] = total / logits.shape[0]!;
  return { loss: storage, probabilities: probabilities.storage };
}

function identity(x: number): number {
  return x;
}
