import type { FloatArray } from './kernels/types.js';
import type { Shape } from './shape.js';

const PRECISION = 8;
const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;

/** Formats values as numpy does: a shared layout for every element (`1.`, `0.25`, `1.5e-05`),
 *  integer parts right-aligned, fractions padded, long axes summarized with `...`. */
export function formatArray(values: FloatArray, shape: Shape, prefix: string): string {
  const summarize = values.length > SUMMARY_THRESHOLD;
  const shown = summarize ? shownIndices(shape) : null;
  const cells = formatCells(shown === null ? Array.from(values) : shown.map((i) => values[i]!));
  const byIndex = new Map<number, string>();
  (shown ?? values.map((_, i) => i)).forEach((flat, k) => byIndex.set(flat, cells[k]!));
  if (shape.length === 0) return cells[0]!;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const indent = ' '.repeat(prefix.length);
  const render = (axis: number, offset: number): string => {
    const n = shape[axis]!;
    const positions = summarize && n > 2 * EDGE_ITEMS ? [...range(0, EDGE_ITEMS), -1, ...range(n - EDGE_ITEMS, n)] : range(0, n);
    const last = axis === shape.length - 1;
    const parts = positions.map((p) => (p === -1 ? '...' : last ? byIndex.get(offset + p * strides[axis]!)! : render(axis + 1, offset + p * strides[axis]!)));
    const separator = last ? ', ' : ',' + '\n'.repeat(shape.length - axis - 1) + indent + ' '.repeat(axis + 1);
    return '[' + parts.join(separator) + ']';
  };
  return render(0, 0);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** Flat indices of the elements a summarized print shows: the edges of every axis. */
function shownIndices(shape: Shape): number[] {
  let indices = [0];
  let stride = 1;
  const perAxis: number[][] = [];
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const n = shape[axis]!;
    perAxis[axis] = (n > 2 * EDGE_ITEMS ? [...range(0, EDGE_ITEMS), ...range(n - EDGE_ITEMS, n)] : range(0, n)).map((i) => i * stride);
    stride *= n;
  }
  for (const offsets of perAxis) indices = indices.flatMap((base) => offsets.map((o) => base + o));
  return indices;
}

function formatCells(values: number[]): string[] {
  const finite = values.filter((v) => Number.isFinite(v));
  const magnitudes = finite.map(Math.abs).filter((v) => v > 0);
  const maxAbs = magnitudes.length ? Math.max(...magnitudes) : 0;
  const minAbs = magnitudes.length ? Math.min(...magnitudes) : 0;
  const scientific = maxAbs >= 1e8 || (minAbs > 0 && (minAbs < 1e-4 || maxAbs / minAbs > 1e3));
  return scientific ? scientificCells(values) : positionalCells(values);
}

function positionalCells(values: number[]): string[] {
  const parts = values.map((v) => {
    if (!Number.isFinite(v)) return null;
    const [whole, fraction = ''] = trimZeros(v.toFixed(PRECISION)).split('.');
    return { whole: whole!, fraction: '.' + fraction };
  });
  const finite = parts.filter((p) => p !== null);
  const wholeWidth = Math.max(0, ...finite.map((p) => p.whole.length));
  const fractionWidth = Math.max(0, ...finite.map((p) => p.fraction.length));
  const cells = parts.map((p, i) => (p === null ? special(values[i]!) : p.whole.padStart(wholeWidth) + p.fraction.padEnd(fractionWidth)));
  const width = Math.max(...cells.map((c) => c.length));
  return cells.map((c) => c.padStart(width));
}

function scientificCells(values: number[]): string[] {
  const digits = Math.max(
    0,
    ...values.filter(Number.isFinite).map((v) => {
      const mantissa = trimZeros(v.toExponential(PRECISION).split('e')[0]!);
      return mantissa.split('.')[1]?.length ?? 0;
    }),
  );
  const cells = values.map((v) => {
    if (!Number.isFinite(v)) return special(v);
    const [digitsPart, exponent] = v.toExponential(digits).split('e') as [string, string];
    const mantissa = digits === 0 ? digitsPart + '.' : digitsPart;
    const sign = exponent.startsWith('-') ? '-' : '+';
    return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
  });
  const width = Math.max(...cells.map((c) => c.length));
  return cells.map((c) => c.padStart(width));
}

/** `1.50000000` → `1.5`, `2.00000000` → `2.` (numpy keeps the point to show it is a float). */
function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '') : text;
}

function special(v: number): string {
  return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
}
