import { gradCheck, randn, softmaxCrossEntropy, tensor, type Tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, Dropout, functionalCall, Linear, MLP, ReLU, Sigmoid, Tanh, type MLPOptions } from '../src/index.js';

/** The loss of `model` as a function of its input and of every parameter, for gradCheck. */
function lossOf(model: MLP, labels: number[], before: () => void = () => {}): (x: Tensor, ...params: Tensor[]) => Tensor {
  const names = model.namedParameters().map(([name]) => name);
  return (x, ...params) => {
    before();
    return functionalCall(model, new Map(names.map((n, i) => [n, params[i]!])), () => softmaxCrossEntropy(model.forward(x), labels));
  };
}

describe('MLP', () => {
  it('stacks Linear, BatchNorm, activation and Dropout as asked', () => {
    const model = new MLP({ sizes: [4, 5, 6, 3], activation: 'tanh', batchNorm: true, dropout: 0.2, seed: 1 });
    expect([...model.layers].map((l) => l.constructor)).toEqual([Linear, BatchNorm1d, Tanh, Dropout, Linear, BatchNorm1d, Tanh, Dropout, Linear]);
    expect([...new MLP({ sizes: [2, 3, 2], activation: 'sigmoid', seed: 1 }).layers].map((l) => l.constructor)).toEqual([Linear, Sigmoid, Linear]);
    expect([...new MLP({ sizes: [2, 2], seed: 1 }).layers].map((l) => l.constructor)).toEqual([Linear]);
    expect(new MLP({ sizes: [2, 3, 2], seed: 1 }).layers.at(1)).toBeInstanceOf(ReLU);
  });

  it('pairs ReLU with He and sigmoid/tanh with Xavier unless told otherwise, and is seeded', () => {
    const he = new MLP({ sizes: [2, 3], seed: 4 }).parameters()[0]!.values();
    const xavier = new MLP({ sizes: [2, 3], activation: 'tanh', seed: 4 }).parameters()[0]!.values();
    expect(he.map((v, i) => v / xavier[i]!).every((r) => Math.abs(r - Math.SQRT2) < 1e-12)).toBe(true);
    expect(new MLP({ sizes: [2, 3], init: 'he', activation: 'tanh', seed: 4 }).parameters()[0]!.values()).toEqual(he);
    expect(new MLP({ sizes: [2, 3], seed: 5 }).parameters()[0]!.values()).not.toEqual(he);
  });

  it('makes float32 models', () => {
    const model = new MLP({ sizes: [3, 4, 2], dtype: 'float32', batchNorm: true, seed: 1 });
    expect([...model.stateDict().values()].every((t) => t.dtype === 'float32')).toBe(true);
    expect(model.forward(randn([2, 3], { seed: 1, dtype: 'float32' })).dtype).toBe('float32');
  });

  it('explains bad options', () => {
    expect(() => new MLP({ sizes: [3] })).toThrow('MLP: sizes must list at least two positive integer widths (input, …, output), got [3]');
    expect(() => new MLP({ sizes: [3, 0] })).toThrow(/got \[3,0\]/);
    expect(() => new MLP({ sizes: [3, 2, 2], activation: 'gelu' } as unknown as MLPOptions)).toThrow(`MLP: activation must be 'relu', 'sigmoid' or 'tanh', got the string "gelu"`);
  });

  const x = randn([6, 4], { seed: 2 });
  const labels = [0, 2, 1, 1, 0, 2];

  for (const activation of ['relu', 'sigmoid', 'tanh'] as const) {
    it(`gives the gradients of finite differences for every parameter and the input (${activation})`, () => {
      const model = new MLP({ sizes: [4, 5, 3, 3], activation, seed: 3 });
      const result = gradCheck(lossOf(model, labels), [x, ...model.parameters()]);
      expect(result.ok, result.report).toBe(true);
      expect(result.maxAbsError.every((e) => e < 1e-7)).toBe(true);
    });
  }

  it('gives the gradients of finite differences with BatchNorm and Dropout in training mode', () => {
    const model = new MLP({ sizes: [4, 5, 3], activation: 'tanh', batchNorm: true, dropout: 0.3, seed: 3 });
    const drops = [...model.layers].filter((l): l is Dropout => l instanceof Dropout);
    const result = gradCheck(lossOf(model, labels, () => drops.forEach((d, i) => d.reseed(100 + i))), [x, ...model.parameters()]);
    expect(result.ok, result.report).toBe(true);
  });

  it('backward fills a gradient of each parameter\'s shape', () => {
    const model = new MLP({ sizes: [4, 5, 3], seed: 3 });
    softmaxCrossEntropy(model.forward(x), tensor(labels)).backward();
    for (const p of model.parameters()) expect(p.grad!.shape).toEqual(p.shape);
  });
});
