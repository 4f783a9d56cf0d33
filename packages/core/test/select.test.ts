import { describe, expect, it } from 'vitest';
import { abs, argmax, argmin, clamp, eq, ge, gt, le, lt, maximum, minimum, tensor, where } from '../src/index.js';

// Expected values are numpy's (numpy 2.4) for the same calls.
describe('where and the ops composed from it', () => {
  it('where broadcasts the mask and both branches; numbers are accepted', () => {
    expect(where(tensor([[1], [0]]), tensor([1, 2, 3]), -1).toArray()).toEqual([[1, 2, 3], [-1, -1, -1]]);
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor(10, { requiresGrad: true });
    where(tensor([1, 0, 1]), a, b).sum().backward();
    expect(a.grad!.toArray()).toEqual([1, 0, 1]);
    expect(b.grad!.toArray()).toEqual(1);
  });

  it('maximum / minimum broadcast and propagate NaN', () => {
    expect(maximum(tensor([1, NaN, -2]), tensor([0, 1, -3])).toArray()).toEqual([1, NaN, -2]);
    expect(minimum(tensor([[1], [4]]), tensor([2, 3])).toArray()).toEqual([[1, 1], [2, 3]]);
    expect(tensor([-1, 2]).maximum(0).toArray()).toEqual([0, 2]);
  });

  it('a tie splits the gradient evenly, as the max reduction does; so abs has gradient 0 at 0', () => {
    const a = tensor([1, 2, 2], { requiresGrad: true });
    const b = tensor([0, 3, 2], { requiresGrad: true });
    maximum(a, b).sum().backward();
    expect(a.grad!.toArray()).toEqual([1, 0, 0.5]);
    expect(b.grad!.toArray()).toEqual([0, 1, 0.5]);
    const x = tensor([-1.5, 0, 2], { requiresGrad: true });
    const y = abs(x);
    expect(y.toArray()).toEqual([1.5, 0, 2]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([-1, 0, 1]);
  });

  it('clamp like numpy clip; the gradient reaches a inside [lo, hi] (ends included) and the bound outside', () => {
    expect(clamp(tensor([-3, 0.5, 9]), -1, 2).toArray()).toEqual([-1, 0.5, 2]);
    expect(clamp(tensor([0, 1, 5]), 4, 2).toArray()).toEqual([2, 2, 2]);
    expect(tensor([-3, 4]).clamp(null, 0).toArray()).toEqual([-3, 0]);
    const x = tensor([-3, -1, 0.5, 2, 9], { requiresGrad: true });
    const hi = tensor(2, { requiresGrad: true });
    clamp(x, -1, hi).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 1, 1, 1, 0]);
    expect(hi.grad!.toArray()).toEqual(1);
  });

  it('min over axes is −max(−x)', () => {
    const m = tensor([[3, 1, 2], [0, 5, -1]]);
    expect(m.min(1).toArray()).toEqual([1, -1]);
    expect(m.min(0, true).toArray()).toEqual([[0, 1, -1]]);
    expect(m.min().toArray()).toEqual(-1);
  });
});

describe('comparisons and arg-extremes are constants', () => {
  it('masks of 1s and 0s with broadcasting, numbers accepted, in the promoted dtype', () => {
    const x = tensor([1, 2, 3]);
    expect(gt(x, 2).toArray()).toEqual([0, 0, 1]);
    expect(ge(x, 2).toArray()).toEqual([0, 1, 1]);
    expect(lt(x, 2).toArray()).toEqual([1, 0, 0]);
    expect(le(tensor([[1], [2]]), x).toArray()).toEqual([[1, 1, 1], [0, 1, 1]]);
    expect(eq(x, tensor([[1], [3]])).toArray()).toEqual([[1, 0, 0], [0, 0, 1]]);
    expect(tensor([0.1], { dtype: 'float32' }).eq(0.1).toArray()).toEqual([1]);
    expect(tensor([1], { dtype: 'float32' }).lt(tensor([2])).dtype).toBe('float64');
  });

  it('record no graph, even from tensors that require grad', () => {
    const x = tensor([1, -2], { requiresGrad: true });
    for (const t of [x.gt(0), x.eq(x), x.argmax(), argmin(x, 0)]) {
      expect(t.requiresGrad).toBe(false);
      expect(t.creator).toBeNull();
    }
  });

  it('argmax / argmin: first of ties, first NaN, flat without an axis, keepDims; float64 indices', () => {
    const m = tensor([[1, 3, 3], [7, 0, 7]], { dtype: 'float32' });
    expect(argmax(m, 1).toArray()).toEqual([1, 0]);
    expect(argmin(m, 0).toArray()).toEqual([0, 1, 0]);
    expect(m.argmax().toArray()).toEqual(3);
    expect(argmax(tensor([[1, 3], [2, 0]]), -1, true).toArray()).toEqual([[1], [0]]);
    expect(argmax(tensor([[1, NaN, 5]]), 1).toArray()).toEqual([1]);
    expect(argmin(tensor([2, NaN, 1, NaN])).toArray()).toEqual(1);
    expect(argmax(m, 1).dtype).toBe('float64');
    expect(argmax(tensor(4)).toArray()).toEqual(0);
  });

  it('accuracy in one line: eq(argmax(logits, 1), labels).mean()', () => {
    const logits = tensor([[0.1, 2], [3, -1], [0, 0.5], [1, 0]]);
    expect(eq(argmax(logits, 1), tensor([1, 0, 0, 0])).mean().item()).toBe(0.75);
  });
});
