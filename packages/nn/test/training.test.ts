import { randn, softmaxCrossEntropy, tensor, type Tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { Adam, DataLoader, evaluate, fit, Linear, MLP, mse, oneHot, SGD, spiral, TensorDataset, type BatchReport, type EpochRecord } from '../src/index.js';

describe('fit', () => {
  it('teaches a small MLP the three-class spiral (≥ 95% training accuracy)', () => {
    const data = spiral({ pointsPerClass: 100, classes: 3, seed: 1 });
    const model = new MLP({ sizes: [2, 32, 3], activation: 'relu', seed: 1 });
    const loader = new DataLoader(data, { batchSize: 30, shuffle: true, seed: 2 });
    const history = fit(model, loader, { epochs: 150, optimizer: new Adam(model, { lr: 0.02 }) });
    const final = evaluate(model, new DataLoader(data, { batchSize: 300 }));
    expect(final.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(history.at(-1)!.loss).toBeLessThan(history[0]!.loss / 5);
  });

  it('reports every batch and epoch, with loss, accuracy, time and validation', () => {
    const data = spiral({ pointsPerClass: 20, seed: 3 });
    const model = new MLP({ sizes: [2, 8, 3], seed: 4 });
    const batches: BatchReport[] = [];
    const epochs: EpochRecord[] = [];
    const validation = new DataLoader(data, { batchSize: 60 });
    const history = fit(model, new DataLoader(data, { batchSize: 25 }), {
      epochs: 3,
      optimizer: new SGD(model, { lr: 0.1 }),
      validation,
      onBatch: (b) => batches.push(b),
      onEpoch: (e) => epochs.push(e),
    });
    expect(history).toEqual(epochs);
    expect(history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(batches.map((b) => [b.epoch, b.batch, b.size])).toEqual([1, 2, 3].flatMap((e) => [[e, 0, 25], [e, 1, 25], [e, 2, 10]]));
    for (const h of history) {
      expect(h.time).toBeGreaterThan(0);
      expect(h.accuracy).toBeGreaterThanOrEqual(0);
      expect(h.accuracy).toBeLessThanOrEqual(1);
      expect(h.validation!.count).toBe(60);
    }
    // The epoch's loss is the per-sample mean of its batches' losses.
    const first = batches.slice(0, 3);
    expect(history[0]!.loss).toBeCloseTo(first.reduce((s, b) => s + b.loss * b.size, 0) / 60, 12);
    expect(history[2]!.validation).toEqual(evaluate(model, validation));
  });

  it('accepts one-hot targets and regression losses', () => {
    const data = spiral({ pointsPerClass: 10, seed: 3 });
    const hot = new TensorDataset(data.x, oneHot(data.y, 3));
    const model = new MLP({ sizes: [2, 4, 3], seed: 4 });
    const [record] = fit(model, new DataLoader(hot, { batchSize: 10 }), { epochs: 1, optimizer: new SGD(model, { lr: 0.1 }) });
    expect(record!.accuracy).not.toBeNull();

    const x = randn([40, 3], { seed: 1 });
    const y = x.matmul(tensor([[1], [-2], [0.5]]));
    const linear = new Linear(3, 1, { seed: 2 });
    const history = fit(linear, new DataLoader(new TensorDataset(x, y), { batchSize: 10 }), { epochs: 60, optimizer: new SGD(linear, { lr: 0.1 }), loss: mse });
    expect(history.at(-1)!.accuracy).toBeNull();
    expect(history.at(-1)!.loss).toBeLessThan(1e-4);
    expect([...linear.weight.values()].map((v) => Math.round(v * 100) / 100)).toEqual([1, -2, 0.5]);
  });

  it('explains bad options', () => {
    const model = new MLP({ sizes: [2, 3], seed: 1 });
    const loader = new DataLoader(spiral({ pointsPerClass: 2, classes: 3, seed: 1 }), { batchSize: 2 });
    expect(() => fit(model, loader, { epochs: 1.5, optimizer: new SGD(model, { lr: 0.1 }) })).toThrow('fit: epochs must be a non-negative integer, got 1.5');
    expect(() => fit(model, [], { epochs: 1, optimizer: new SGD(model, { lr: 0.1 }) })).toThrow('fit: the loader gave no batches');
  });
});

describe('evaluate', () => {
  it('runs in eval mode without recording a graph, then restores the mode', () => {
    const data = spiral({ pointsPerClass: 20, seed: 3 });
    const model = new MLP({ sizes: [2, 16, 3], dropout: 0.5, batchNorm: true, seed: 4 });
    const loader = new DataLoader(data, { batchSize: 20 });
    const running = [...model.stateDict().values()].map((t) => [...t.values()]);
    const a = evaluate(model, loader);
    const b = evaluate(model, loader);
    expect(a).toEqual(b); // dropout off, running statistics used and left alone
    expect([...model.stateDict().values()].map((t) => [...t.values()])).toEqual(running);
    const recorded: boolean[] = [];
    evaluate(model, loader, { loss: (o: Tensor, t: Tensor) => (recorded.push(o.requiresGrad), softmaxCrossEntropy(o, t)) });
    expect(recorded).toEqual([false, false, false]);
    expect(model.training).toBe(true);
    model.eval();
    evaluate(model, loader);
    expect(model.training).toBe(false);
    expect(a.count).toBe(60);
  });
});
