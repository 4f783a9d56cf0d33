/** The length of each axis, outermost first (row-major); `[]` is a 0-d (scalar) shape. */
export type Shape = readonly number[];

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function rowMajorStrides(shape: Shape): number[] {
  const strides = packedFilled(shape.length, 0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

// Shape and stride arrays in one kind of V8 array, packed small integers. `new Array(n)` is
// "holey", and so is what `map` returns once TurboFan has optimized the code calling it (the
// interpreter's `map` returns a packed array); code optimized for one kind is thrown away when
// the other reaches it, which the training step's ops kept doing well into training.

/** `n` copies of `value`, packed. */
export function packedFilled(n: number, value: number): number[] {
  const filled: number[] = [];
  for (let i = 0; i < n; i++) filled.push(value);
  return filled;
}

/** A packed copy of `values` (every `Storage` keeps its shape and strides as one). */
export function packedCopy(values: readonly number[]): number[] {
  const copy: number[] = [];
  for (let i = 0; i < values.length; i++) copy.push(values[i]!);
  return copy;
}

/** The most axes a tensor may have (numpy's limit). */
export const MAX_RANK = 64;
/** The most elements one tensor may hold: the longest typed array JavaScript engines allow. */
export const MAX_ELEMENTS = 2 ** 32 - 1;

export function checkShape(where: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${where}: shape must be an array of non-negative integers, got ${shape === null ? 'null' : typeof shape}`);
  if (shape.length > MAX_RANK) throw new RangeError(`${where}: shape has ${shape.length} axes; at most ${MAX_RANK} are supported`);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const size = sizeOf(shape);
  if (size > MAX_ELEMENTS) throw new RangeError(`${where}: shape ${formatShape(shape)} has ${size} elements; one tensor holds at most ${MAX_ELEMENTS}`);
  return [...shape];
}

/** numpy's rule: align trailing axes; each pair must be equal or contain a 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = packedFilled(n, 0);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together ` +
          `(axis ${i - n} has sizes ${da} and ${db}; expected equal sizes or a 1)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

export function normalizeAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= Math.max(ndim, 1)) {
    throw new RangeError(`${op}: axis ${axis} is out of range for a tensor of ${ndim} dimension(s); expected an integer in [${-ndim}, ${ndim - 1}]`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Sorted, de-duplicated, non-negative axes; all axes when none are given. */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined, ndim: number): number[] {
  // Every axis, or one: no Set, spread or sort for the common calls (sum(), sum(dZ, 0)).
  if (axis === undefined) {
    const all: number[] = [];
    for (let i = 0; i < ndim; i++) all.push(i);
    return all;
  }
  if (typeof axis === 'number') return [normalizeAxis(op, axis, ndim)];
  const list = axis;
  const axes = [...new Set(list.map((a) => normalizeAxis(op, a, ndim)))].sort((x, y) => x - y);
  if (axes.length !== list.length) throw new RangeError(`${op}: repeated axis in ${JSON.stringify(list)}`);
  return axes;
}
