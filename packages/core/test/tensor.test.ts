import { describe, expect, it } from 'vitest';
import { arange, full, ones, rand, randn, Rng, tensor, zeros } from '../src/index.js';

describe('creating and reading tensors', () => {
  it('from numbers, nested arrays and typed arrays with a shape', () => {
    expect(tensor(3).shape).toEqual([]);
    expect(tensor([[1, 2, 3], [4, 5, 6]]).shape).toEqual([2, 3]);
    const t = tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] });
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor([1, 2]).dtype).toBe('float64');
    expect(tensor([1, 2], { dtype: 'float32' }).values()).toBeInstanceOf(Float32Array);
  });

  it('zeros, ones, full, arange', () => {
    expect(zeros([2]).toArray()).toEqual([0, 0]);
    expect(ones([1, 2]).toArray()).toEqual([[1, 1]]);
    expect(full([2], 7, { dtype: 'float32' }).toArray()).toEqual([7, 7]);
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
  });

  it('rand and randn are reproducible from the seed and have the right moments', () => {
    expect(Array.from(rand([5], { seed: 7 }).values())).toEqual(Array.from(rand([5], { seed: 7 }).values()));
    expect(Array.from(rand([5], { seed: 7 }).values())).not.toEqual(Array.from(rand([5], { seed: 8 }).values()));
    const n = randn([20000], { seed: 1 });
    const mean = n.mean().item();
    const variance = n.sub(mean).pow(2).mean().item();
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const u = rand([1000], { seed: 2, low: -1, high: 3 }).values();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u)).toBeLessThan(3);
    const p = new Rng(3).permutation(10);
    expect([...p].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('prints like numpy', () => {
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(tensor([0.5, 0.25, -1]).toString()).toBe('tensor([ 0.5 ,  0.25, -1.  ])');
    expect(tensor(220.00000000000003).toString()).toBe('tensor(220.)');
    expect(tensor([1e-5, 1]).toString()).toBe('tensor([1.e-05, 1.e+00])');
    expect(tensor([1.5e-5, 1]).toString()).toBe('tensor([1.5e-05, 1.0e+00])');
    expect(tensor([1, 2], { dtype: 'float32', requiresGrad: true }).toString()).toBe('tensor([1., 2.], dtype=float32, requiresGrad=true)');
    expect(tensor([NaN, Infinity, 1]).toString()).toBe('tensor([nan, inf,  1.])');
    expect(arange(2000).toString()).toBe('tensor([0.000e+00, 1.000e+00, 2.000e+00, ..., 1.997e+03, 1.998e+03, 1.999e+03])');
    expect(arange(20).reshape([4, 5]).toString()).toBe('tensor([[ 0.,  1.,  2.,  3.,  4.],\n        [ 5.,  6.,  7.,  8.,  9.],\n        [10., 11., 12., 13., 14.],\n        [15., 16., 17., 18., 19.]])');
    expect(zeros([2, 2, 2]).toString()).toBe('tensor([[[0., 0.],\n         [0., 0.]],\n\n        [[0., 0.],\n         [0., 0.]]])');
  });

  it('transpose and broadcastTo are views; values() is always a copy', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a.T.storage.ref).toBe(a.storage.ref);
    expect(a.T.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(Array.from(a.T.values())).toEqual([1, 4, 2, 5, 3, 6]);
    const copy = a.values();
    copy[0] = 100;
    expect(a.values()[0]).toBe(1);
    expect(tensor([1, 2]).broadcastTo([3, 2]).toArray()).toEqual([[1, 2], [1, 2], [1, 2]]);
  });

  it('reductions and shape ops compute what numpy computes', () => {
    const a = tensor([[1, 5, 3], [4, 2, 6]]);
    expect(a.sum().item()).toBe(21);
    expect(a.sum(0).toArray()).toEqual([5, 7, 9]);
    expect(a.sum(1, true).toArray()).toEqual([[9], [12]]);
    expect(a.mean(-1).toArray()).toEqual([3, 4]);
    expect(a.max(0).toArray()).toEqual([4, 5, 6]);
    expect(a.max().item()).toBe(6);
    expect(a.reshape([3, -1]).toArray()).toEqual([[1, 5], [3, 4], [2, 6]]);
    expect(tensor([[1, 2], [3, 4]]).sumTo([2]).toArray()).toEqual([4, 6]);
    expect(tensor([[1, 2], [3, 4]]).sumTo([2, 1]).toArray()).toEqual([[3], [7]]);
    const s = tensor([[1, 2, 3]]).softmax(1).values();
    expect(s[0]! + s[1]! + s[2]!).toBeCloseTo(1, 15);
  });
});

describe('Rng', () => {
  it('starts well mixed even from small seeds (no first draw stuck near 1)', () => {
    const firsts = Array.from({ length: 50 }, (_, seed) => new Rng(seed).uniform());
    const mean = firsts.reduce((a, b) => a + b, 0) / firsts.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.15);
    expect(firsts.filter((u) => u > 0.99).length).toBeLessThan(5);
  });
});
