import type { FloatArray } from './types.js';

/** Every kernel implementation rejects the same bad input with the same message. */
export function checkAxpy(x: FloatArray, y: FloatArray): void {
  if (x.length !== y.length || x.constructor !== y.constructor) {
    throw new RangeError(
      `axpy kernel: x and y must have one dtype and length, got x ${x.constructor.name}(${x.length}) and y ${y.constructor.name}(${y.length})`,
    );
  }
}
