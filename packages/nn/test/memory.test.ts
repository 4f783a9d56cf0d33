import { memoryStats, softmaxCrossEntropy, tidy, type Tensor } from '@matgrad/core';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Adam, DataLoader, fit, MLP, spiral } from '../src/index.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Bytes held after a full collection: the JS heap, typed-array memory, and the tensors in the
 *  wasm backend's memory (whose dropped buffers return through finalizers, which run after a
 *  collection once the current task has ended: hence the wait). */
async function liveBytes(): Promise<number> {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 0));
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 0));
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers + (memoryStats().heldBytes ?? 0);
}

/** A hand-written loop that keeps every step's loss tensor, as a plot of the curve would. */
async function trainKeepingLosses(steps: number, retainGraph: boolean, measureAt: number): Promise<{ losses: Tensor[]; before: number; after: number }> {
  const data = spiral({ pointsPerClass: 64, classes: 3, seed: 5 });
  const model = new MLP({ sizes: [2, 128, 128, 3], seed: 5 });
  const optimizer = new Adam(model, { lr: 0.01 });
  const { x, y } = data.batch(Array.from({ length: data.length }, (_, i) => i));
  const losses: Tensor[] = [];
  let before = 0;
  for (let step = 0; step < steps; step++) {
    if (step === measureAt) before = await liveBytes();
    optimizer.zeroGrad();
    const loss = softmaxCrossEntropy(model.forward(x), y);
    loss.backward({ retainGraph });
    optimizer.step();
    losses.push(loss);
  }
  return { losses, before, after: await liveBytes() };
}

describe('graph memory', () => {
  it('a loss kept after backward pins nothing but itself: 500 kept losses, the heap stays flat', async () => {
    const { losses, before, after } = await trainKeepingLosses(500, false, 100);
    expect(losses).toHaveLength(500);
    // 400 more steps, each keeping a loss: well under 2 MB in all (a pinned graph is ~0.5 MB a step).
    expect(after - before).toBeLessThan(2 * 2 ** 20);
  });

  it('the same loop with retainGraph pins every step’s activations (the measurement can fail)', async () => {
    const { before, after } = await trainKeepingLosses(150, true, 50);
    expect(after - before).toBeGreaterThan(20 * 2 ** 20);
  });

  it('reading a tensor after its graph was freed still works; walking the freed graph says why it cannot', () => {
    const model = new MLP({ sizes: [2, 4, 3], seed: 1 });
    const { x, y } = spiral({ pointsPerClass: 4, seed: 1 }).batch([0, 1, 2, 3]);
    const loss = softmaxCrossEntropy(model.forward(x), y);
    loss.backward();
    expect(Number.isFinite(loss.item())).toBe(true);
    expect(() => loss.backward()).toThrow(/freed by an earlier backward\(\); pass \{ retainGraph: true \}/);
  });
});

describe('buffer pool', () => {
  it('after the first epoch, fit trains without allocating a single fresh buffer', () => {
    const data = spiral({ pointsPerClass: 50, seed: 2, dtype: 'float32' });
    const model = new MLP({ sizes: [2, 16, 3], seed: 2, dtype: 'float32' });
    const loader = new DataLoader(data, { batchSize: 32, shuffle: true, seed: 3 });
    const optimizer = new Adam(model, { lr: 0.01 });
    fit(model, loader, { epochs: 1, optimizer });
    const { fresh, reused } = memoryStats();
    fit(model, loader, { epochs: 2, optimizer });
    expect(memoryStats().fresh - fresh).toBe(0);
    expect(memoryStats().reused).toBeGreaterThan(reused);
  });

  it('a tensor made inside tidy and used after it is a clear error, not reused memory', () => {
    const model = new MLP({ sizes: [2, 3], seed: 1 });
    const { x } = spiral({ pointsPerClass: 2, seed: 1 }).batch([0, 1]);
    let leaked: Tensor | undefined;
    const kept = tidy(() => {
      leaked = model.forward(x).relu();
      return model.forward(x);
    });
    expect(kept.shape).toEqual([2, 3]);
    expect(() => leaked!.values()).toThrow(/tensor memory was released: this tensor was made inside tidy\(\)/);
  });
});
