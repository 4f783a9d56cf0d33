import type { Tensor } from '../index.js';

const MAX_ROWS = 6;
const MAX_COLUMNS = 6;

function entry(v: number): string {
  if (Number.isNaN(v)) return '\\text{NaN}';
  if (!Number.isFinite(v)) return v > 0 ? '\\infty' : '-\\infty';
  const s = String(Number(v.toPrecision(4)));
  const exponent = /^(-?[\d.]+)e([+-]\d+)$/.exec(s);
  return exponent === null ? s : `${exponent[1]}\\times 10^{${Number(exponent[2])}}`;
}

/** Keeps the first and last entries of a long list, with a marker between: 1 2 3 … 9. */
function shorten<T>(items: readonly T[], max: number, gap: T): T[] {
  if (items.length <= max) return [...items];
  const head = Math.ceil((max - 1) / 2);
  const tail = max - 1 - head;
  return [...items.slice(0, head), gap, ...items.slice(items.length - tail)];
}

/** A tensor's numbers as LaTeX: a number, a row for a vector, a bmatrix for a matrix (long ones
 *  cut with ⋯ and ⋮); larger ranks by shape only (written with \times: KaTeX's strict mode
 *  refuses a Unicode × inside \text). */
export function matrixLatex(t: Tensor | number): string {
  if (typeof t === 'number') return entry(t);
  const values = t.values();
  if (t.shape.length === 0) return entry(values[0]!);
  if (t.shape.length > 2) return `\\left[${t.shape.join(' \\times ')}\\ \\text{tensor}\\right]`;
  const [rows, columns] = t.shape.length === 1 ? [1, t.shape[0]!] : [t.shape[0]!, t.shape[1]!];
  if (rows === 0 || columns === 0) return `\\left[\\text{empty}\\ ${t.shape.join(' \\times ')}\\right]`;
  const rowIndices = shorten(Array.from({ length: rows }, (_, i) => i), MAX_ROWS, -1);
  const columnIndices = shorten(Array.from({ length: columns }, (_, j) => j), MAX_COLUMNS, -1);
  const lines = rowIndices.map((i) =>
    columnIndices.map((j) => (i < 0 ? (j < 0 ? '\\ddots' : '\\vdots') : j < 0 ? '\\cdots' : entry(values[i * columns + j]!))).join(' & '),
  );
  return `\\begin{bmatrix}${lines.join(' \\\\ ')}\\end{bmatrix}`;
}
