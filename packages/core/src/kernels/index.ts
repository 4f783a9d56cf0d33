import { jsKernels } from './js.js';
import type { Kernels } from './types.js';

export type { FloatArray, Kernels, MatrixView } from './types.js';
export { referenceKernels } from './reference.js';
export { jsKernels } from './js.js';

let active: Kernels = jsKernels;

/** The kernels every op computes with right now. */
export function kernels(): Kernels {
  return active;
}

/** Replace some or all kernels (for example with WebAssembly ones); returns the previous set. */
export function setKernels(next: Partial<Kernels>): Kernels {
  const previous = active;
  active = { ...active, ...next };
  return previous;
}
