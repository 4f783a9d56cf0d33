import { sizeOf } from '../../shape.js';
import type { Storage } from '../../storage.js';
import { elementsOf, type Allocate } from './memory.js';

/** Running sums of row-major `x` along `axis`, from its first position (or its last, `reverse`). */
export function cumsum(alloc: Allocate, x: Storage, axis: number, reverse: boolean): Storage {
  const { storage, data: out } = alloc(x.dtype, x.shape);
  const src = elementsOf(x);
  const n = x.shape[axis]!;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const outer = sizeOf(x.shape.slice(0, axis));
  // Whole rows of `inner` elements are added at a time, so the inner loop runs over contiguous memory.
  const step = reverse ? -inner : inner;
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    let at = reverse ? base + (n - 1) * inner : base;
    for (let i = 0; i < inner; i++) out[at + i] = src[at + i]!;
    for (let j = 1; j < n; j++) {
      const previous = at;
      at += step;
      for (let i = 0; i < inner; i++) out[at + i] = out[previous + i]! + src[at + i]!;
    }
  }
  return storage;
}
