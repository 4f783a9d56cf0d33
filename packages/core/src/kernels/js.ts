import { referenceKernels } from './reference.js';
import type { FloatArray, Kernels, MatrixView } from './types.js';

/** Plain JavaScript kernels: the i-p-j loop order keeps the innermost loop on
 *  contiguous rows of B and out whenever B is row-major. */
export const jsKernels: Kernels = {
  matmul(m: number, n: number, k: number, a: MatrixView, b: MatrixView, out: FloatArray, outOffset: number): void {
    out.fill(0, outOffset, outOffset + m * n);
    const { data: ad, offset: ao, rowStride: ars, colStride: acs } = a;
    const { data: bd, offset: bo, rowStride: brs, colStride: bcs } = b;
    // Skipping zeros of A (most MNIST pixels, half of ReLU outputs) is exact unless B
    // holds an Inf or NaN, where 0·Inf must give NaN.
    const skipZeros = allFinite(k, n, b);
    for (let i = 0; i < m; i++) {
      const row = outOffset + i * n;
      for (let p = 0; p < k; p++) {
        const aip = ad[ao + i * ars + p * acs]!;
        if (aip === 0 && skipZeros) continue;
        const bRow = bo + p * brs;
        for (let j = 0; j < n; j++) out[row + j]! += aip * bd[bRow + j * bcs]!;
      }
    }
  },
  // The textbook loop is already what JavaScript does best here.
  axpy: referenceKernels.axpy,
};

function allFinite(rows: number, cols: number, v: MatrixView): boolean {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) if (!Number.isFinite(v.data[v.offset + i * v.rowStride + j * v.colStride]!)) return false;
  }
  return true;
}
