import { describe, expect, it } from 'vitest';
import { Adam, DataLoader, fit, fitAsync, MLP, spiral } from '../src/index.js';
import { snapshot } from './helpers.js';

function run() {
  const model = new MLP({ sizes: [2, 8, 3], dropout: 0.1, seed: 1 });
  const loader = new DataLoader(spiral({ pointsPerClass: 20, seed: 2 }), { batchSize: 12, shuffle: true, seed: 3 });
  return { model, loader, optimizer: new Adam(model, { lr: 0.01 }) };
}

const withoutTime = (records: Array<{ time: number }>) => records.map(({ time: _, ...r }) => r);

describe('fitAsync', () => {
  it('trains exactly as fit does, with the same callbacks', async () => {
    const a = run();
    const calls: string[] = [];
    const history = fit(a.model, a.loader, { epochs: 3, optimizer: a.optimizer, onEpochStart: (e) => calls.push(`start ${e}`), onBatch: (b) => calls.push(`batch ${b.epoch}.${b.batch}`), onEpoch: (r) => calls.push(`end ${r.epoch}`) });
    const b = run();
    const asyncCalls: string[] = [];
    const asyncHistory = await fitAsync(b.model, b.loader, { epochs: 3, optimizer: b.optimizer, onEpochStart: (e) => asyncCalls.push(`start ${e}`), onBatch: (r) => asyncCalls.push(`batch ${r.epoch}.${r.batch}`), onEpoch: (r) => asyncCalls.push(`end ${r.epoch}`) });
    expect(snapshot(b.model)).toEqual(snapshot(a.model));
    expect(withoutTime(asyncHistory)).toEqual(withoutTime(history));
    expect(asyncCalls).toEqual(calls);
  });

  it('gives the event loop a turn between batches (every yieldEvery batches)', async () => {
    for (const yieldEvery of [1, 2]) {
      const { model, loader, optimizer } = run();
      const events: string[] = [];
      let ticking = true;
      const tick = () => {
        events.push('tick');
        if (ticking) setImmediate(tick);
      };
      setImmediate(tick);
      const done = fitAsync(model, loader, { epochs: 1, optimizer, yieldEvery, onBatch: ({ batch }) => events.push(`batch ${batch}`) });
      events.push('returned');
      await done;
      ticking = false;
      expect(events[0]).toBe('batch 0'); // the first batch runs before fitAsync returns its promise
      expect(events.indexOf('returned')).toBe(yieldEvery);
      // Between consecutive yields, never more than yieldEvery batches.
      const runs = events.join(' ').split('tick').map((part) => (part.match(/batch/g) ?? []).length);
      expect(Math.max(...runs)).toBe(yieldEvery);
      expect(events.filter((e) => e === 'tick').length).toBeGreaterThanOrEqual(Math.floor(loader.length / yieldEvery) - 1);
    }
  });

  it('rejects bad options instead of throwing synchronously', async () => {
    const { model, loader, optimizer } = run();
    const result = fitAsync(model, loader, { epochs: 1, optimizer, yieldEvery: 0 });
    await expect(result).rejects.toThrow('fitAsync: yieldEvery must be a positive integer, got 0');
    await expect(fitAsync(model, loader, { epochs: -1, optimizer })).rejects.toThrow('fit: epochs must be a non-negative integer, got -1');
  });
});

describe("fit's initialEpoch", () => {
  it('numbers the epochs and feeds the schedule from initialEpoch + 1', () => {
    const { model, loader, optimizer } = run();
    const seen: number[] = [];
    const history = fit(model, loader, { epochs: 5, initialEpoch: 3, optimizer, lrSchedule: (epoch) => epoch / 100, onEpochStart: (e) => seen.push(e) });
    expect(seen).toEqual([4, 5]);
    expect(history.map((r) => [r.epoch, r.lr])).toEqual([[4, 0.04], [5, 0.05]]);
    expect(() => fit(model, loader, { epochs: 2, initialEpoch: 3, optimizer })).toThrow('fit: initialEpoch must be an integer in 0..epochs (2), got 3');
  });
});
