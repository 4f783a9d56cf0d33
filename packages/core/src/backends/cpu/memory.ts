import type { DType } from '../../dtype.js';
import type { FloatArray } from '../../kernels/types.js';
import type { Storage } from '../../storage.js';

/** A fresh row-major output and its elements, as every CPU kernel writes it. */
export interface Output {
  storage: Storage;
  data: FloatArray;
}

/** Allocates an output from the backend's pool (contents unspecified: write every element). */
export type Allocate = (dtype: DType, shape: readonly number[]) => Output;

/** The elements behind a CPU storage (the whole buffer; index it through the storage's window). */
export function elementsOf(s: Storage): FloatArray {
  return s.ref.buffer<FloatArray>();
}
