// V8 keeps optimized code only for the kinds of arrays it has seen. A shape or stride array of
// another kind (a "holey" one: `new Array(n)`, or `map` run by TurboFan-optimized code) that
// reaches already optimized code throws that code away; before every window's arrays were
// copied into one kind, the training step's ops deoptimized again for a dozen epochs.
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { broadcastTo, getBackend, matmul, sum, tensor, transpose, type Tensor } from '../src/index.js';
import type { CpuBackend } from '../src/backends/cpu/cpu-backend.js';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag is set, so the V8 intrinsic parses.
const isPackedSmallIntegers = new Function('a', 'return %HasSmiElements(a) && !%HasHoleyElements(a)') as (a: unknown) => boolean;

function kinds(t: Tensor): { shape: boolean; strides: boolean } {
  return { shape: isPackedSmallIntegers(t.storage.shape), strides: isPackedSmallIntegers(t.storage.strides) };
}

describe('shape and stride arrays', () => {
  it('are packed small integers for every view, also once the views are made by optimized code', () => {
    const a = tensor(Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4] });
    const row = tensor([1, 2, 3, 4], { shape: [4] });
    const seen: Record<string, { shape: boolean; strides: boolean }> = {};
    // Enough calls for TurboFan to optimize the view code (its inlined `map` returns holey arrays).
    for (let i = 0; i < 20000; i++) {
      seen.transpose = kinds(transpose(a, [2, 0, 1]));
      seen.broadcast = kinds(broadcastTo(row, [3, 4]));
      seen.slice = kinds(a.slice([[0, 2], [1, 3]]));
      seen.matmul = kinds(matmul(transpose(a.reshape([6, 4])), a.reshape([6, 4])));
    }
    for (const [view, k] of Object.entries(seen)) expect({ view, ...k }).toEqual({ view, shape: true, strides: true });
  });

  it('reach the backend packed from the reductions, also once their shape code is optimized', () => {
    // A bias gradient's sum over rows: its kept shape went to the allocation (sizeOf,
    // rowMajorStrides) before any Storage copied it, and once TurboFan had optimized the op's
    // shape code it arrived holey, throwing away the optimized allocation code mid-training.
    const backend = getBackend() as CpuBackend;
    const original = backend.reduce;
    const holey: string[] = [];
    backend.reduce = function (this: CpuBackend, kernel, x, kept) {
      if (!isPackedSmallIntegers(kept) && holey.length < 3) holey.push(`${kernel} of [${x.shape}] kept as [${kept}]`);
      return original.call(this, kernel, x, kept);
    };
    try {
      const a = tensor(Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4] });
      for (let i = 0; i < 20000; i++) {
        sum(a, 0);
        sum(a, [1, 2], true);
      }
    } finally {
      backend.reduce = original;
    }
    expect(holey).toEqual([]);
  });

  it('are packed for a shape the caller built as a holey array', () => {
    const holey = new Array<number>(2);
    holey[0] = 2;
    holey[1] = 3;
    expect(kinds(tensor([1, 2, 3, 4, 5, 6], { shape: holey }))).toEqual({ shape: true, strides: true });
  });
});
