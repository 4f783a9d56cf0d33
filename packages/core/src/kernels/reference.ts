import { checkAxpy } from './checks.js';
import type { FloatArray, Kernels, MatrixView } from './types.js';

/** The textbook triple loop: the yardstick the fast kernels are tested against. */
export const referenceKernels: Kernels = {
  matmul(m: number, n: number, k: number, a: MatrixView, b: MatrixView, out: FloatArray, outOffset: number): void {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          s += a.data[a.offset + i * a.rowStride + p * a.colStride]! * b.data[b.offset + p * b.rowStride + j * b.colStride]!;
        }
        out[outOffset + i * n + j] = s;
      }
    }
  },
  axpy(alpha: number, x: FloatArray, y: FloatArray): void {
    checkAxpy(x, y);
    for (let i = 0; i < y.length; i++) y[i] = y[i]! + alpha * x[i]!;
  },
};
