import { tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { constantLr, cosineLr, exponentialLr, fit, Linear, SGD, stepLr, TensorDataset, DataLoader } from '../src/index.js';

describe('learning-rate schedules', () => {
  it('cosine starts at lr, falls every epoch, halves at the middle and stays above minLr', () => {
    const schedule = cosineLr({ lr: 0.01, epochs: 10 });
    const lrs = Array.from({ length: 10 }, (_, i) => schedule(i + 1));
    expect(lrs[0]).toBe(0.01);
    for (let i = 1; i < lrs.length; i++) expect(lrs[i]!).toBeLessThan(lrs[i - 1]!);
    expect(lrs[9]!).toBeGreaterThan(0);
    expect(schedule(6)).toBeCloseTo(0.005, 12);
    expect(cosineLr({ lr: 1, epochs: 4, minLr: 0.2 })(3)).toBeCloseTo(0.2 + 0.4 * (1 + Math.cos(Math.PI / 2)), 12);
  });

  it('constant, step and exponential decay', () => {
    expect(constantLr(0.1)(7)).toBe(0.1);
    expect([1, 2, 3, 4, 5].map(stepLr({ lr: 1, every: 2, gamma: 0.5 }))).toEqual([1, 1, 0.5, 0.5, 0.25]);
    expect([1, 2, 3].map(exponentialLr({ lr: 2, gamma: 0.5 }))).toEqual([2, 1, 0.5]);
  });

  it('bad settings are refused with the schedule and the value named', () => {
    expect(() => cosineLr({ lr: 0.1, epochs: 0 })).toThrow('cosineLr: epochs must be a finite number > 0, got 0');
    expect(() => cosineLr({ lr: 0.1, epochs: 5, minLr: 0.2 })).toThrow('cosineLr: minLr must be in [0, lr = 0.1], got 0.2');
    expect(() => stepLr({ lr: 0.1, every: 2, gamma: -1 })).toThrow('stepLr: gamma must be a finite number > 0, got -1');
  });

  it('fit sets the rate before each epoch and records it', () => {
    const model = new Linear(2, 2, { seed: 1 });
    const data = new TensorDataset(tensor([[1, 0], [0, 1]]), [0, 1]);
    const starts: number[] = [];
    const optimizer = new SGD(model, { lr: 1 });
    const history = fit(model, new DataLoader(data, { batchSize: 2 }), {
      epochs: 3,
      optimizer,
      lrSchedule: stepLr({ lr: 0.4, every: 1, gamma: 0.5 }),
      onEpochStart: (epoch) => starts.push(epoch),
    });
    expect(history.map((r) => r.lr)).toEqual([0.4, 0.2, 0.1]);
    expect(starts).toEqual([1, 2, 3]);
    expect(optimizer.lr).toBe(0.1);
  });
});
