import { describe, expect, it } from 'vitest';
import { detectAnomaly, grad, noGrad, ones, tensor, valueAndGrad } from '../src/index.js';

describe('backward engine', () => {
  it('sums gradients meeting at a node: b = a + a, c = b + b gives dc/da = 4', () => {
    const a = tensor(3, { requiresGrad: true });
    const b = a.add(a);
    const c = b.add(b);
    c.backward();
    expect(a.grad!.item()).toBe(4);
  });

  it('runs a chain of 100,000 ops without overflowing the stack', () => {
    const x = tensor(1, { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.add(1);
    y.backward();
    expect(y.item()).toBe(100_001);
    expect(x.grad!.item()).toBe(1);
  });

  it('accumulates into leaves across calls until zeroGrad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.mul(x).sum().backward();
    x.mul(3).sum().backward();
    expect(Array.from(x.grad!.values())).toEqual([5, 7]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });

  it('takes an explicit upstream gradient for a non-scalar output', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    x.mul(x).backward({ gradient: tensor([[1, 0], [0, 2]]) });
    expect(x.grad!.toArray()).toEqual([[2, 0], [0, 16]]);
  });

  it('a float64 upstream gradient for a float32 output keeps the gradients float32', () => {
    const x = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    x.mul(3).backward({ gradient: tensor([1, 0.5]) });
    expect(x.grad!.dtype).toBe('float32');
    expect(Array.from(x.grad!.values())).toEqual([3, 1.5]);
  });

  it('retainGraph lets backward run twice; without it the second run is refused', () => {
    const x = tensor(2, { requiresGrad: true });
    const y = x.mul(x);
    y.backward({ retainGraph: true });
    y.backward();
    expect(x.grad!.item()).toBe(8);
    expect(() => y.backward()).toThrow(/freed.*retainGraph/);
  });

  it('createGraph gives differentiable gradients: d²/dx² x³ = 6x', () => {
    const x = tensor(2, { requiresGrad: true });
    x.pow(3).backward({ createGraph: true });
    const first = x.grad!;
    expect(first.item()).toBe(12);
    x.zeroGrad();
    first.backward();
    expect(x.grad!.item()).toBe(12);
  });

  it('noGrad refuses an async function, whose later part would run with recording on again', () => {
    expect(() => noGrad(async () => 1)).toThrow(/noGrad: the function returned a promise; grad mode covers synchronous code only/);
  });

  it('noGrad records nothing; detach cuts the graph', () => {
    const x = tensor(2, { requiresGrad: true });
    const y = noGrad(() => x.mul(3));
    expect(y.requiresGrad).toBe(false);
    expect(y.creator).toBeNull();
    const z = x.mul(3).detach();
    expect(z.requiresGrad).toBe(false);
    expect(z.item()).toBe(6);
  });

  it('grad and valueAndGrad over one and several arguments, and nested for second derivatives', () => {
    const f = (x: ReturnType<typeof tensor>) => x.pow(3).sum();
    expect(Array.from(grad(f)(tensor([1, 2])).values())).toEqual([3, 12]);
    const [value, [gx, gy]] = valueAndGrad((x: ReturnType<typeof tensor>, y: ReturnType<typeof tensor>) => x.mul(y).sum())(tensor([1, 2]), tensor([3, 4]));
    expect(value.item()).toBe(11);
    expect(Array.from(gx.values())).toEqual([3, 4]);
    expect(Array.from(gy.values())).toEqual([1, 2]);
    const second = grad((x: ReturnType<typeof tensor>) => grad(f, { createGraph: true })(x).sum());
    expect(Array.from(second(tensor([1, 2])).values())).toEqual([6, 12]);
  });

  it('retainGrads keeps the gradient on intermediates', () => {
    const x = tensor(3, { requiresGrad: true });
    const y = x.mul(2);
    const z = y.mul(y);
    z.backward({ retainGrads: true });
    expect(y.grad!.item()).toBe(12);
    expect(x.grad!.item()).toBe(24);
  });

  it('anomaly detection names the op that first made a NaN or Inf', () => {
    const x = tensor([1, -1], { requiresGrad: true });
    expect(() => detectAnomaly(() => x.log())).toThrow(/forward of 'log' produced NaN/);
    const z = tensor([0, 1], { requiresGrad: true });
    const y = z.sqrt().sum();
    expect(() => detectAnomaly(() => y.backward())).toThrow(/backward of 'sqrt'.*Infinity/);
    expect(() => x.log()).not.toThrow();
  });

  it('leaf gradients own their memory even when a rule passes one gradient to two inputs', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    a.add(b).backward({ gradient: ones([2]) });
    a.grad!.assign([100, 100]);
    expect(b.grad!.toArray()).toEqual([1, 1]);
  });
});
