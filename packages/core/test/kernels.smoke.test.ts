import { describe, expect, it } from 'vitest';
import { jsKernels, referenceKernels } from '../src/kernels/index.js';

describe('kernels', () => {
  it('js matmul matches the reference on a 2x3 by 3x2 product', () => {
    const a = { data: Float64Array.from([1, 2, 3, 4, 5, 6]), offset: 0, rowStride: 3, colStride: 1 };
    const b = { data: Float64Array.from([7, 8, 9, 10, 11, 12]), offset: 0, rowStride: 2, colStride: 1 };
    const out1 = new Float64Array(4);
    const out2 = new Float64Array(4);
    jsKernels.matmul(2, 2, 3, a, b, out1, 0);
    referenceKernels.matmul(2, 2, 3, a, b, out2, 0);
    expect([...out1]).toEqual([58, 64, 139, 154]);
    expect([...out2]).toEqual([58, 64, 139, 154]);
  });
});
