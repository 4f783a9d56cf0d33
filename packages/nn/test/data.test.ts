import { tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { DataLoader, oneHot, spiral, TensorDataset, trainTestSplit } from '../src/index.js';

/** Row i of x is [i, 10·i] and its label is i, so any mix-up between x and y shows. */
function numbered(n: number): TensorDataset {
  return new TensorDataset(tensor(Array.from({ length: n }, (_, i) => [i, 10 * i])), Array.from({ length: n }, (_, i) => i));
}

function epoch(loader: DataLoader): Array<{ x: number[][]; y: number[] }> {
  return [...loader].map(({ x, y }) => ({ x: x.toArray() as number[][], y: [...y.values()] }));
}

describe('TensorDataset', () => {
  it('gathers rows by index and keeps x and y aligned', () => {
    const { x, y } = numbered(6).batch([4, 1, 1]);
    expect(x.toArray()).toEqual([[4, 40], [1, 10], [1, 10]]);
    expect(y.toArray()).toEqual([4, 1, 1]);
  });

  it('hands out consecutive rows as a view, without copying', () => {
    const data = numbered(6);
    const { x } = data.batch([2, 3, 4]);
    expect(x.storage.ref).toBe(data.x.storage.ref);
    expect(x.toArray()).toEqual([[2, 20], [3, 30], [4, 40]]);
  });

  it('explains bad input', () => {
    expect(() => new TensorDataset(tensor([[1], [2]]), [0])).toThrow('TensorDataset: x [2,1] and y [1] must have the same number of samples (first axis)');
    expect(() => numbered(3).batch([3])).toThrow('TensorDataset.batch: index 3 is out of range for 3 samples');
  });
});

describe('DataLoader', () => {
  it('splits an epoch into batches in order, the last one smaller unless dropLast', () => {
    const data = numbered(10);
    const loader = new DataLoader(data, { batchSize: 4 });
    expect(loader.length).toBe(3);
    expect(epoch(loader).map((b) => b.y)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const dropping = new DataLoader(data, { batchSize: 4, dropLast: true });
    expect(dropping.length).toBe(2);
    expect(epoch(dropping).map((b) => b.y)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
  });

  it('shuffles every epoch differently, reproducibly from its seed, keeping x and y together', () => {
    const data = numbered(20);
    const loader = new DataLoader(data, { batchSize: 6, shuffle: true, seed: 3 });
    const first = epoch(loader);
    const second = epoch(loader);
    for (const e of [first, second]) {
      const labels = e.flatMap((b) => b.y);
      expect([...labels].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(labels).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
      for (const b of e) expect(b.x).toEqual(b.y.map((i) => [i, 10 * i]));
    }
    expect(second.flatMap((b) => b.y)).not.toEqual(first.flatMap((b) => b.y));
    const again = new DataLoader(data, { batchSize: 6, shuffle: true, seed: 3 });
    expect(epoch(again)).toEqual(first);
    expect(epoch(again)).toEqual(second);
  });

  it('explains bad options', () => {
    expect(() => new DataLoader(numbered(3), { batchSize: 0 })).toThrow('DataLoader: batchSize must be a positive integer, got 0');
    expect(() => new DataLoader(numbered(3), { batchSize: 2, shuffle: true })).toThrow(/shuffle needs \{ seed \}/);
  });
});

describe('trainTestSplit', () => {
  it('holds out a seeded random share, disjoint from the training rows', () => {
    const data = numbered(50);
    const { train, test } = trainTestSplit(data, { testFraction: 0.2, seed: 1 });
    expect([train.length, test.length]).toEqual([40, 10]);
    const ids = [...train.y.values(), ...test.y.values()];
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...test.y.values()]).not.toEqual(Array.from({ length: 10 }, (_, i) => i));
    const again = trainTestSplit(data, { testSize: 10, seed: 1 });
    expect([...again.test.y.values()]).toEqual([...test.y.values()]);
    expect(test.x.toArray()).toEqual([...test.y.values()].map((i) => [i, 10 * i]));
  });

  it('explains bad options', () => {
    expect(() => trainTestSplit(numbered(5), { seed: 1 })).toThrow(/exactly one of testFraction and testSize/);
    expect(() => trainTestSplit(numbered(5), { testSize: 5, seed: 1 })).toThrow('trainTestSplit: the test set must hold between 1 and 4 of the 5 samples, got 5');
    expect(() => trainTestSplit(numbered(5), { testFraction: 1.5, seed: 1 })).toThrow(/testFraction must be in \(0, 1\)/);
  });
});

describe('oneHot', () => {
  it('turns class indices into rows', () => {
    expect(oneHot([2, 0], 3).toArray()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(oneHot(tensor([1]), 2, { dtype: 'float32' }).dtype).toBe('float32');
  });

  it('rejects labels that are not class indices', () => {
    expect(() => oneHot([0, 3], 3)).toThrow('oneHot: label 3 at position 1 is not a class index in [0, 2]');
    expect(() => oneHot([0.5], 3)).toThrow(/label 0.5/);
  });
});

describe('spiral', () => {
  it('makes seeded arms, one class each, inside the unit disc', () => {
    const data = spiral({ pointsPerClass: 50, classes: 3, seed: 1 });
    expect(data.x.shape).toEqual([150, 2]);
    expect([...data.y.values()].filter((c) => c === 2)).toHaveLength(50);
    const xs = data.x.values();
    for (let i = 0; i < 150; i++) expect(Math.hypot(xs[2 * i]!, xs[2 * i + 1]!)).toBeLessThanOrEqual(1 + 1e-12);
    expect(spiral({ pointsPerClass: 50, seed: 1 }).x.values()).toEqual(xs);
    expect(spiral({ pointsPerClass: 50, seed: 2 }).x.values()).not.toEqual(xs);
  });
});
