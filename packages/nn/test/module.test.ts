import { tensor, zeros, type Tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, functionalCall, Linear, MLP, Module, ReLU, Sequential } from '../src/index.js';
import { snapshot } from './helpers.js';


describe('Module', () => {
  it('names parameters by their path, in registration order', () => {
    const model = new MLP({ sizes: [4, 3, 2], seed: 1 });
    expect(model.namedParameters().map(([name, p]) => [name, p.shape])).toEqual([
      ['layers.0.weight', [4, 3]],
      ['layers.0.bias', [3]],
      ['layers.2.weight', [3, 2]],
      ['layers.2.bias', [2]],
    ]);
    expect(model.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
  });

  it('keeps buffers out of the parameters but in the state dict', () => {
    const model = new MLP({ sizes: [4, 3, 2], batchNorm: true, seed: 1 });
    expect(model.namedParameters().map(([n]) => n)).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'layers.3.weight', 'layers.3.bias']);
    expect(model.namedBuffers().map(([n]) => n)).toEqual(['layers.1.runningMean', 'layers.1.runningVar']);
    expect([...model.stateDict().keys()]).toHaveLength(8);
  });

  it('counts parameters (784-100-10: 784·100 + 100 + 100·10 + 10)', () => {
    expect(new MLP({ sizes: [784, 100, 10], seed: 0 }).parameterCount()).toBe(79_510);
  });

  it('lists a tied parameter once', () => {
    class Tied extends Module {
      readonly a = this.registerModule('a', new Linear(2, 2, { seed: 1 }));
      constructor() {
        super();
        this.registerModule('b', this.a);
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(new Tied().namedParameters().map(([n]) => n)).toEqual(['a.weight', 'a.bias']);
  });

  it('switches train and eval mode on every descendant', () => {
    const model = new MLP({ sizes: [2, 3, 3, 2], dropout: 0.5, batchNorm: true, seed: 1 });
    const modes = (): boolean[] => [model.training, model.layers.training, ...[...model.layers].map((l) => l.training)];
    expect(modes().every(Boolean)).toBe(true);
    expect(model.eval()).toBe(model);
    expect(modes().some(Boolean)).toBe(false);
    model.train();
    expect(modes().every(Boolean)).toBe(true);
  });

  it('zeroGrad clears every gradient', () => {
    const model = new MLP({ sizes: [2, 3, 2], seed: 1 });
    model.forward(tensor([[1, 2]])).sum().backward();
    expect(model.parameters().every((p) => p.grad !== null)).toBe(true);
    model.zeroGrad();
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('refuses names that are empty, dotted, repeated or reach the prototype', () => {
    class Named extends Module {
      constructor(names: string[]) {
        super();
        for (const n of names) this.registerParameter(n, zeros([1]));
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new Named(['a.b'])).toThrow(/name "a.b" is not allowed/);
    expect(() => new Named([''])).toThrow(/not allowed/);
    expect(() => new Named(['__proto__'])).toThrow(/not allowed/);
    expect(() => new Named(['constructor'])).toThrow(/not allowed/);
    expect(() => new Named(['w', 'w'])).toThrow(/'w' is already registered/);
  });

  it('setParameter checks shape and dtype; functionalCall restores the originals', () => {
    const model = new Sequential(new Linear(2, 2, { seed: 1 }), new ReLU());
    const original = model.parameters()[0]!;
    expect(() => model.setParameter('0.weight', zeros([3, 2]))).toThrow(/'0.weight' is float64 \[2,2\], the new tensor is float64 \[3,2\]/);
    expect(() => model.setParameter('0.weight', zeros([2, 2], { dtype: 'float32' }))).toThrow(/float32/);
    expect(() => model.setParameter('1.weight', zeros([2, 2]))).toThrow(/no parameter named '1.weight'/);
    expect(() => model.setParameter('5.weight', zeros([2, 2]))).toThrow(/no submodule '5'/);
    const x = tensor([[1, 1]]);
    const y = functionalCall(model, { '0.weight': tensor([[1, 0], [0, 1]]), '0.bias': tensor([0.5, -3]) }, () => model.forward(x));
    expect(y.toArray()).toEqual([[1.5, 0]]);
    expect(model.parameters()[0]).toBe(original);
    expect(() => functionalCall(model, { '0.weight': zeros([2, 2]) }, () => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(model.parameters()[0]).toBe(original);
  });
});

describe('loadStateDict', () => {
  it('copies values in place, keeping the tensor objects', () => {
    const a = new MLP({ sizes: [3, 4, 2], batchNorm: true, seed: 1 });
    const b = new MLP({ sizes: [3, 4, 2], batchNorm: true, seed: 2 });
    const before = b.parameters();
    b.loadStateDict(a.stateDict());
    expect(snapshot(b)).toEqual(snapshot(a));
    expect(b.parameters().every((p, i) => p === before[i])).toBe(true);
  });

  it('loads nothing when any entry is wrong, and names every problem', () => {
    const model = new MLP({ sizes: [3, 4, 2], seed: 1 });
    const before = snapshot(model);
    const state = new Map(new MLP({ sizes: [3, 4, 2], seed: 9 }).stateDict());
    state.set('layers.2.bias', zeros([3]));
    expect(() => model.loadStateDict(state)).toThrow(/'layers.2.bias' is float64 \[3\], expected float64 \[2\]/);
    expect(snapshot(model)).toEqual(before);

    state.delete('layers.2.bias');
    state.set('extra', zeros([1]));
    const error = (() => {
      try {
        model.loadStateDict(state);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error).toMatch(/'layers.2.bias' is missing/);
    expect(error).toMatch(/'extra' is not an entry/);
    expect(snapshot(model)).toEqual(before);

    const wrongDtype = new MLP({ sizes: [3, 4, 2], seed: 1, dtype: 'float32' }).stateDict();
    expect(() => model.loadStateDict(wrongDtype)).toThrow(/'layers.0.weight' is float32 \[3,4\], expected float64 \[3,4\]/);
    expect(snapshot(model)).toEqual(before);
  });

  it('BatchNorm1d buffers travel with the state', () => {
    const a = new BatchNorm1d(2);
    a.forward(tensor([[1, 2], [3, 8]]));
    const b = new BatchNorm1d(2);
    b.loadStateDict(a.stateDict());
    expect([...b.runningMean.values()]).toEqual([...a.runningMean.values()]);
    expect([...b.runningVar.values()]).toEqual([...a.runningVar.values()]);
  });
});
