import type { Shape } from '../../shape.js';

/** Where one operand of a loop starts and how it steps along each axis (in elements). */
export interface Walk {
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * Visits every element of `shape` as a sequence of rows: `row(offsets, n, steps)` is called
 * with each operand's offset at the start of a row of `n` elements and the operands' steps
 * along it. Axes that every operand walks contiguously are merged first, so row-major data
 * is one row, and a broadcast operand steps by 0. `offsets` is reused between calls.
 */
export function forEachRow(shape: Shape, walks: readonly Walk[], row: (offsets: number[], n: number, steps: readonly number[]) => void): void {
  const sizes: number[] = [];
  const strides: number[][] = [];
  for (let axis = 0; axis < shape.length; axis++) {
    const size = shape[axis]!;
    if (size === 0) return;
    if (size === 1) continue;
    const step = walks.map((w) => w.strides[axis]!);
    const last = sizes.length - 1;
    if (last >= 0 && strides[last]!.every((s, k) => s === step[k]! * size)) {
      sizes[last] = sizes[last]! * size;
      strides[last] = step;
    } else {
      sizes.push(size);
      strides.push(step);
    }
  }
  const offsets = walks.map((w) => w.offset);
  if (sizes.length === 0) {
    row(offsets, 1, walks.map(() => 0));
    return;
  }
  const depth = sizes.length - 1;
  const n = sizes[depth]!;
  const steps = strides[depth]!;
  if (depth === 0) {
    row(offsets, n, steps);
    return;
  }
  let rows = 1;
  for (let d = 0; d < depth; d++) rows *= sizes[d]!;
  const index = new Array<number>(depth).fill(0);
  for (let r = 0; r < rows; r++) {
    row(offsets, n, steps);
    for (let d = depth - 1; d >= 0; d--) {
      const stride = strides[d]!;
      for (let k = 0; k < offsets.length; k++) offsets[k]! += stride[k]!;
      if (++index[d]! < sizes[d]!) break;
      for (let k = 0; k < offsets.length; k++) offsets[k]! -= stride[k]! * sizes[d]!;
      index[d] = 0;
    }
  }
}
