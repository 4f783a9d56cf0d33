import { describe, expect, it } from 'vitest';
import { arange, argmax, concat, explainBackward, scatterAdd, stack, take, tensor, unslice, zeros } from '../src/index.js';

// Expected values are numpy's (numpy 2.4) for the same calls.
describe('slice: numpy basic slicing as a strided view', () => {
  const x = arange(24).reshape([2, 3, 4]);

  it('ranges, negative ends, steps, integer indices and omitted axes', () => {
    expect(x.slice([null, [1], [-3, null, 2]]).toArray()).toEqual([[[5, 7], [9, 11]], [[17, 19], [21, 23]]]); // x[:, 1:, -3::2]
    expect(x.slice([-1, [null, null, 2], 1]).toArray()).toEqual([13, 21]); // x[-1, ::2, 1]
    expect(x.slice([0, [5]]).shape).toEqual([0, 4]); // x[0, 5:]: ends clamp, as in numpy
    expect(x.slice([null, [-100, 100, 3]]).shape).toEqual([2, 1, 4]);
    expect(x.slice([])).toBe(x);
  });

  it('copies nothing: the slice reads the same buffer', () => {
    const view = x.slice([null, [0, 3, 2]]);
    expect(view.storage.ref).toBe(x.storage.ref);
    expect(view.toArray()).toEqual([[[0, 1, 2, 3], [8, 9, 10, 11]], [[12, 13, 14, 15], [20, 21, 22, 23]]]);
  });

  it('its gradient is dC placed back into zeros, and unslice is that placement', () => {
    const a = tensor([1, 2, 3, 4, 5], { requiresGrad: true });
    a.slice([[1, null, 3]]).mul(tensor([10, 20])).sum().backward();
    expect(a.grad!.toArray()).toEqual([0, 10, 0, 0, 20]);
    expect(unslice(tensor([7, 8]), [5], [[1, null, 3]]).toArray()).toEqual([0, 7, 0, 0, 8]);
    expect(unslice(tensor([7, 8]), [2, 2], [1]).toArray()).toEqual([[0, 0], [7, 8]]);
  });
});

describe('concat and stack', () => {
  const a = tensor([[1, 2], [3, 4]]);

  it('join along an existing or a new axis, promoting dtypes', () => {
    expect(concat([a, tensor([[5, 6]])]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(concat([a, a.T], 1).toArray()).toEqual([[1, 2, 1, 3], [3, 4, 2, 4]]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(stack([tensor(1), tensor(2)]).toArray()).toEqual([1, 2]);
    expect(concat([tensor([1], { dtype: 'float32' }), tensor([2])]).dtype).toBe('float64');
  });

  it('each input gets its own part of dC', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = tensor([[3, 4]], { requiresGrad: true });
    concat([x.reshape([1, 2]), y, x.reshape([1, 2])]).mul(tensor([[1, 2], [3, 4], [5, 6]])).sum().backward();
    expect(x.grad!.toArray()).toEqual([6, 8]);
    expect(y.grad!.toArray()).toEqual([[3, 4]]);
  });
});

describe('take and scatterAdd', () => {
  const e = tensor([[0, 1], [2, 3], [4, 5]]);

  it('gather like numpy: index arrays of any shape, negative positions, a flat read without an axis', () => {
    expect(take(e, [[2, 0], [-1, 1]], 0).toArray()).toEqual([[[4, 5], [0, 1]], [[4, 5], [2, 3]]]);
    expect(e.take([1, 1, 0], 1).toArray()).toEqual([[1, 1, 0], [3, 3, 2], [5, 5, 4]]);
    expect(take(e, -2).toArray()).toEqual(4);
    expect(e.take(1, 0).toArray()).toEqual([2, 3]);
    expect(e.take(argmax(tensor([0.1, 0.9, 0.5])), 0).toArray()).toEqual([2, 3]);
  });

  it('Int32Array indices (a batch from a shuffled order): negative positions, a copy kept for the backward pass, out-of-range ones named', () => {
    expect(take(e, Int32Array.of(2, -1, 0), 0).toArray()).toEqual([[4, 5], [4, 5], [0, 1]]);
    const table = tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
    const order = Int32Array.of(0, 2, 2);
    const picked = table.take(order.subarray(1), 0);
    order.fill(0); // the caller reuses its array before the backward pass
    picked.sum().backward();
    expect(table.grad!.toArray()).toEqual([[0, 0], [0, 0], [2, 2]]);
    expect(() => e.take(Int32Array.of(0, 3), 0)).toThrow('take: index 3 at position 1 does not fit axis 0 of size 3 (shape [3,2]); expected an integer in [-3, 2]');
    expect(() => e.take(Int32Array.of(-4), 0)).toThrow(/take: index -4 at position 0 does not fit axis 0 of size 3/);
  });

  it('an embedding lookup: a row taken k times gets the sum of its k gradients (fan-out)', () => {
    const table = tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
    table.take([0, 2, 0, 0], 0).mul(tensor([[1, 1], [2, 2], [3, 3], [4, 4]])).sum().backward();
    expect(table.grad!.toArray()).toEqual([[8, 8], [0, 0], [2, 2]]);
    const explanation = explainBackward(table.take([2, 2], 0).sum());
    expect(explanation.steps.map((s) => s.op)).toEqual(['sum', 'take']);
    expect(explanation.steps[1]!.identity).toMatch(/sum of its k gradients \(the fan-out rule\)/);
  });

  it('scatterAdd is numpy add.at into zeros', () => {
    expect(scatterAdd(tensor([[1, 1], [2, 2], [3, 3]]), [0, 2, 0], 0, 4).toArray()).toEqual([[4, 4], [0, 0], [2, 2], [0, 0]]);
    expect(scatterAdd(tensor([[1, 2, 3]]), [[1, -1, 1]], 0, 2).toArray()).toEqual([0, 6]);
    expect(scatterAdd(zeros([2, 0]), [], 1, 3).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
  });
});
