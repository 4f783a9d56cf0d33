import { conv2d, gradCheck, randn, tensor, type Tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { AvgPool2d, Conv2d, Embedding, Flatten, functionalCall, GELU, LayerNorm, LeakyReLU, Linear, MaxPool2d, ModuleList, ReLU, Sequential } from '../src/index.js';

function std(values: ArrayLike<number>): number {
  const xs = Array.from(values);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
}

describe('Conv2d', () => {
  it('draws He and Xavier filters over fan-in C/groups·kh·kw, biases at zero', () => {
    for (const [init, factor] of [['he', 2], ['xavier', 1]] as const) {
      const layer = new Conv2d(16, 64, [5, 3], { init, seed: 3, groups: 2 });
      expect(layer.weight.shape).toEqual([64, 8, 5, 3]);
      const expected = Math.sqrt(factor / (8 * 5 * 3));
      expect(std(layer.weight.values()) / expected).toBeGreaterThan(0.97);
      expect(std(layer.weight.values()) / expected).toBeLessThan(1.03);
      expect([...layer.bias!.values()].every((v) => v === 0)).toBe(true);
    }
  });

  it('is core conv2d with its own filters, stride and padding; gradCheck through the layer', () => {
    const layer = new Conv2d(2, 3, 3, { seed: 1, stride: 2, padding: 1 });
    const x = randn([2, 2, 5, 4], { seed: 2 });
    expect(layer.forward(x).values()).toEqual(conv2d(x, layer.weight, layer.bias, { stride: 2, padding: 1 }).values());
    expect(layer.forward(x).shape).toEqual([2, 3, 3, 2]);
    const result = gradCheck((xx, w, b) => functionalCall(layer, { weight: w!, bias: b! }, () => layer.forward(xx!)).tanh(), [x, layer.weight, layer.bias!]);
    expect(result.ok, result.report).toBe(true);
  });

  it('explains bad input', () => {
    const layer = new Conv2d(3, 4, 3, { seed: 1 });
    expect(() => layer.forward(randn([1, 2, 5, 5], { seed: 1 }))).toThrow('Conv2d(3, 4, 3×3): expected images [N, 3, H, W], got [1,2,5,5]');
    expect(() => layer.forward(randn([1, 3, 5, 5], { seed: 1, dtype: 'float32' }))).toThrow(/the input is float32 but the weights are float64/);
    expect(() => new Conv2d(3, 4, 3, { seed: 1, groups: 2 })).toThrow('Conv2d: 2 groups must divide inChannels 3 and outChannels 4');
    expect(() => new Conv2d(3, 4, 0, { seed: 1 })).toThrow('Conv2d: kernelSize must be a positive integer, got 0');
    expect(new Conv2d(3, 4, 3).weight.toArray()).toEqual(new Conv2d(3, 4, 3, { seed: 0 }).weight.toArray()); // seed 0 by default, as Linear and MLP
    expect(new Conv2d(1, 1, 2, { seed: 1, bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight']);
  });
});

describe('a LeNet-style stack trains end to end through every new layer', () => {
  it('Conv2d → ReLU → MaxPool2d → Conv2d → GELU → AvgPool2d → Flatten → LayerNorm → Linear → LeakyReLU: finite differences agree', () => {
    const model = new Sequential(
      new Conv2d(1, 2, 3, { seed: 1, padding: 1 }),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(2, 3, 2, { seed: 2 }),
      new GELU('tanh'),
      new AvgPool2d(2, { stride: 1 }),
      new Flatten(),
      new LayerNorm(3),
      new Linear(3, 2, { seed: 3 }),
      new LeakyReLU(0.1),
    );
    expect(model.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '3.weight', '3.bias', '7.weight', '7.bias', '8.weight', '8.bias']);
    const x = randn([2, 1, 6, 6], { seed: 4 });
    expect(model.forward(x).shape).toEqual([2, 2]);
    const names = model.namedParameters().map(([n]) => n);
    const params = model.parameters();
    // randn's values are distinct, so no pooling window has a tie (where max splits its gradient).
    const result = gradCheck((...ps: Tensor[]) => functionalCall(model, new Map(names.map((n, i) => [n, ps[i]!])), () => model.forward(x)).sum(), params);
    expect(result.ok, result.report).toBe(true);
  });
});

describe('Flatten, Embedding, ModuleList', () => {
  it('Flatten keeps the batch axis by default', () => {
    expect(new Flatten().forward(randn([2, 3, 4, 5], { seed: 1 })).shape).toEqual([2, 60]);
    expect(new Flatten(0).forward(randn([2, 3], { seed: 1 })).shape).toEqual([6]);
  });

  it('Embedding returns rows by index; repeated rows sum their gradients', () => {
    const table = new Embedding(4, 2, { seed: 1 });
    const rows = table.forward(tensor([[1, 3], [1, 0]]));
    expect(rows.shape).toEqual([2, 2, 2]);
    expect(Array.from(rows.values()).slice(0, 2)).toEqual(Array.from(table.weight.values()).slice(2, 4));
    rows.sum().backward();
    expect(table.weight.grad!.toArray()).toEqual([[1, 1], [2, 2], [0, 0], [1, 1]]);
    expect(() => new Embedding(0, 2, { seed: 1 })).toThrow('Embedding: count must be a positive integer, got 0');
  });

  it('ModuleList registers its modules for parameters and weights, and has no forward', () => {
    const list = new ModuleList([new Linear(2, 2, { seed: 1 }), new LayerNorm(2)]);
    list.append(new Linear(2, 1, { seed: 2 }));
    expect(list.length).toBe(3);
    expect(list.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias']);
    expect([...list].length).toBe(3);
    expect(() => list.at(3)).toThrow('ModuleList.at: index 3 is out of range for 3 modules');
    expect(() => list.forward(tensor([1]))).toThrow(/a ModuleList only holds modules/);
  });
});
