import { rowMajorStrides, type Shape } from '../../shape.js';
import type { Storage } from '../../storage.js';

/** A loop over `shape` with one stride list per operand, as short as it can be made: size-1
 *  axes dropped and neighbouring axes merged wherever every operand steps through them as
 *  one (row-major data becomes a single axis). Kernels then index with fewer divisions. */
export interface Collapsed {
  shape: number[];
  strides: number[][];
}

export function collapse(shape: Shape, strideLists: readonly (readonly number[])[]): Collapsed {
  const sizes: number[] = [];
  const strides: number[][] = strideLists.map(() => []);
  for (let axis = 0; axis < shape.length; axis++) {
    const size = shape[axis]!;
    if (size === 1) continue;
    const last = sizes.length - 1;
    if (last >= 0 && strideLists.every((s, k) => strides[k]![last] === s[axis]! * size)) {
      sizes[last] = sizes[last]! * size;
      strideLists.forEach((s, k) => (strides[k]![last] = s[axis]!));
    } else {
      sizes.push(size);
      strideLists.forEach((s, k) => strides[k]!.push(s[axis]!));
    }
  }
  return { shape: sizes, strides };
}

/** Whether `s` is row-major data starting at its offset (a window of whole trailing rows). */
export function isRowMajorWindow(s: Storage): boolean {
  const expected = rowMajorStrides(s.shape);
  return s.shape.every((d, i) => d === 1 || s.strides[i] === expected[i]);
}

/** Workgroup counts for `count` workgroups: WebGPU allows at most 65,535 per dimension, so
 *  larger counts spill into y (kernels rebuild the linear id from both). */
export function spread(count: number): [number, number, number] {
  if (count <= 65_535) return [Math.max(count, 1), 1, 1];
  const y = Math.ceil(count / 65_535);
  return [Math.ceil(count / y), y, 1];
}
