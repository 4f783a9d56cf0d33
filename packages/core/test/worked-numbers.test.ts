import { describe, expect, it } from 'vitest';
import { softmaxCrossEntropy, tensor } from '../src/index.js';

const variable = (value: number, name: string) => tensor(value, { requiresGrad: true, name });

describe('the worked numbers of the seeds', () => {
  it('snack: 30 × 5 = 150, × tax 1.2 = 180; backward from 1', () => {
    const price = variable(30, 'snack');
    const count = variable(5, 'count');
    const tax = variable(1.2, 'tax');
    const subtotal = price.mul(count);
    const total = subtotal.mul(tax);
    expect(subtotal.item()).toBe(150);
    expect(total.item()).toBe(180);
    total.backward({ retainGrads: true });
    expect(subtotal.grad!.item()).toBe(1.2);
    expect(price.grad!.item()).toBeCloseTo(6, 12);
    expect(count.grad!.item()).toBeCloseTo(36, 12);
    expect(tax.grad!.item()).toBe(150);
  });

  it('apples: 100 × 2 = 200, × 1.1 = 220.00000000000003', () => {
    const apple = variable(100, 'apple');
    const count = variable(2, 'count');
    const tax = variable(1.1, 'tax');
    const total = apple.mul(count).mul(tax);
    expect(total.item()).toBe(220.00000000000003);
    total.backward();
    expect(apple.grad!.item()).toBe(2.2);
    expect(count.grad!.item()).toBe(110.00000000000001); // 1.1 · 100 in float64, as numpy prints it
    expect(tax.grad!.item()).toBe(200);
  });

  it('apples and oranges: 100 × 2 + 150 × 3 = 650, × 1.1 = 715.0000000000001', () => {
    const apple = variable(100, 'apple');
    const appleCount = variable(2, 'apple count');
    const orange = variable(150, 'orange');
    const orangeCount = variable(3, 'orange count');
    const tax = variable(1.1, 'tax');
    const total = apple.mul(appleCount).add(orange.mul(orangeCount)).mul(tax);
    expect(total.item()).toBe(715.0000000000001);
    total.backward();
    expect(appleCount.grad!.item()).toBeCloseTo(110, 12);
    expect(apple.grad!.item()).toBe(2.2);
    expect(orange.grad!.item()).toBeCloseTo(3.3, 12);
    expect(orangeCount.grad!.item()).toBeCloseTo(165, 12);
    expect(tax.grad!.item()).toBe(650);
  });

  it('d/dx (x + y)² = 2x + 2y', () => {
    for (const [x0, y0] of [[1, 2], [-3, 0.5], [0.25, -4]] as const) {
      const x = variable(x0, 'x');
      const y = variable(y0, 'y');
      x.add(y).pow(2).backward();
      expect(x.grad!.item()).toBeCloseTo(2 * x0 + 2 * y0, 12);
      expect(y.grad!.item()).toBeCloseTo(2 * x0 + 2 * y0, 12);
    }
  });

  it('ReLU on [[1, −0.5], [−2, 3]] masks the non-positive entries; their gradient is 0', () => {
    const a = tensor([[1, -0.5], [-2, 3]], { requiresGrad: true });
    const b = a.relu();
    expect(b.toArray()).toEqual([[1, 0], [0, 3]]);
    b.backward({ gradient: tensor([[5, 6], [7, 8]]) });
    expect(a.grad!.toArray()).toEqual([[5, 0], [0, 8]]);
  });

  it('for one-hot Y and positive B the diagonal of (Y/B)·Bᵀ is all ones', () => {
    const y = tensor([[0, 1, 0], [1, 0, 0], [0, 0, 1]]);
    const b = tensor([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3], [0.25, 0.25, 0.5]]);
    const product = y.div(b).matmul(b.T);
    const diagonal = [0, 1, 2].map((i) => (product.toArray() as number[][])[i]![i]);
    expect(diagonal).toEqual([1, 1, 1]);
  });

  it('fused softmax + cross-entropy equals its unfused composition, and its gradient is (B − Y)/N', () => {
    const logits = [[2, -1, 0.5], [0.1, 0.2, 3], [-2, 1, 1]];
    const labels = [0, 2, 1];
    const oneHot = tensor(labels.map((k) => [0, 1, 2].map((j) => (j === k ? 1 : 0))));
    const fusedInput = tensor(logits, { requiresGrad: true });
    const fused = softmaxCrossEntropy(fusedInput, labels);
    fused.backward();
    const plainInput = tensor(logits, { requiresGrad: true });
    const plain = oneHot.mul(plainInput.softmax(1).log()).sum().neg().div(3);
    plain.backward();
    expect(fused.item()).toBeCloseTo(plain.item(), 14);
    const expected = fusedInput.detach().softmax(1).sub(oneHot).div(3).values();
    fusedInput.grad!.values().forEach((g, i) => {
      expect(g).toBeCloseTo(expected[i]!, 14);
      expect(g).toBeCloseTo(plainInput.grad!.values()[i]!, 12);
    });
  });

  it('softmax + cross-entropy stays finite for logits like 1000', () => {
    const logits = tensor([[1000, 0, -1000], [0, 1000, 999]], { requiresGrad: true });
    const loss = softmaxCrossEntropy(logits, [0, 2]);
    expect(loss.item()).toBeCloseTo((0 + (1000 + Math.log(1 + Math.exp(-1)) - 999)) / 2, 10);
    loss.backward();
    expect(Array.from(logits.grad!.values()).every(Number.isFinite)).toBe(true);
  });
});
