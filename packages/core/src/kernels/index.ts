export type { FloatArray, Kernels, MatrixView, RowExponentials } from './types.js';
export { referenceKernels } from './reference.js';
export { jsKernels } from './js.js';
