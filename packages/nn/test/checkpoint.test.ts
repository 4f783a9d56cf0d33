import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBuffer, type DType } from '@matgrad/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Adam,
  checkpointFromSafetensors,
  checkpointToSafetensors,
  cosineLr,
  DataLoader,
  fit,
  MLP,
  Momentum,
  readSafetensors,
  ResumableRng,
  SGD,
  spiral,
  TensorDataset,
  toSafetensors,
  type Batch,
  type ResumableDataset,
} from '../src/index.js';
import { loadCheckpoint, saveCheckpoint } from '../src/node.js';
import { snapshot } from './helpers.js';

/** The spiral's points with noise drawn afresh at every batch: a dataset with random state of its own. */
class Jittered implements ResumableDataset {
  readonly #inner: TensorDataset;
  #rng: ResumableRng;
  constructor(inner: TensorDataset, seed: number) {
    this.#inner = inner;
    this.#rng = new ResumableRng(seed);
  }
  get length(): number {
    return this.#inner.length;
  }
  batch(indices: ArrayLike<number>): Batch {
    const { x, y } = this.#inner.batch(indices);
    const jittered = Float64Array.from(x.values(), (v) => v + 0.01 * (this.#rng.uniform() - 0.5));
    return { x: fromBuffer(jittered, x.shape), y };
  }
  state(): unknown {
    return this.#rng.state();
  }
  loadState(state: unknown): void {
    this.#rng = ResumableRng.fromState(state as never);
  }
}

/** Everything a run needs, built fresh: what a new process would build before resuming. */
function setup(modelSeed: number) {
  const data = new Jittered(spiral({ pointsPerClass: 40, seed: 1 }), 5);
  const model = new MLP({ sizes: [2, 16, 16, 3], batchNorm: true, dropout: 0.1, seed: modelSeed });
  const optimizer = new Adam(model, { lr: 0.02, weightDecay: 1e-4 });
  const loader = new DataLoader(data, { batchSize: 16, shuffle: true, seed: 3 });
  return { model, optimizer, loader, lrSchedule: cosineLr({ lr: 0.02, epochs: 6 }) };
}

/** The exact bits of every parameter and buffer, so that equal means bit-identical. */
function bits(model: MLP): string[] {
  return [...model.stateDict()].map(([name, t]) => `${name}:${Buffer.from(new Float64Array(t.values()).buffer).toString('hex')}`);
}

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'matgrad-checkpoint-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveCheckpoint / loadCheckpoint', () => {
  it('resuming trains bit for bit as the uninterrupted run (Adam, cosine schedule, shuffle, dropout, BatchNorm, a random dataset)', async () => {
    const straight = setup(1);
    const straightHistory = fit(straight.model, straight.loader, { epochs: 6, optimizer: straight.optimizer, lrSchedule: straight.lrSchedule });

    const first = setup(1);
    fit(first.model, first.loader, { epochs: 3, optimizer: first.optimizer, lrSchedule: first.lrSchedule });
    const path = join(dir, 'run.safetensors');
    await saveCheckpoint(path, { model: first.model, optimizer: first.optimizer, loader: first.loader, epoch: 3, schedule: { name: 'cosine', lr: 0.02, epochs: 6 }, extra: { best: 0.5, worst: -Infinity } });
    expect(await readdir(dir)).toEqual(['run.safetensors']);

    const resumed = setup(99); // other weights: the checkpoint must replace them all
    const restored = await loadCheckpoint(path, { model: resumed.model, optimizer: resumed.optimizer, loader: resumed.loader });
    expect(restored).toEqual({ epoch: 3, schedule: { name: 'cosine', lr: 0.02, epochs: 6 }, extra: { best: 0.5, worst: -Infinity }, metadata: {} });
    const resumedHistory = fit(resumed.model, resumed.loader, { epochs: 6, initialEpoch: restored.epoch, optimizer: resumed.optimizer, lrSchedule: resumed.lrSchedule });

    expect(bits(resumed.model)).toEqual(bits(straight.model));
    expect(resumed.optimizer.state()).toEqual(straight.optimizer.state());
    expect(resumedHistory.map(({ time: _, ...r }) => r)).toEqual(straightHistory.slice(3).map(({ time: _, ...r }) => r));
  });

  it('without the loader and dropout state the run differs (the control)', async () => {
    const straight = setup(1);
    fit(straight.model, straight.loader, { epochs: 4, optimizer: straight.optimizer });
    const first = setup(1);
    fit(first.model, first.loader, { epochs: 2, optimizer: first.optimizer });
    const bytes = checkpointToSafetensors({ model: first.model, optimizer: first.optimizer, epoch: 2 });
    const resumed = setup(1);
    checkpointFromSafetensors(bytes, { model: resumed.model, optimizer: resumed.optimizer });
    fit(resumed.model, resumed.loader, { epochs: 4, initialEpoch: 2, optimizer: resumed.optimizer });
    expect(bits(resumed.model)).not.toEqual(bits(straight.model));
  });

  it('holds the optimizer slots as tensors and the rest, Infinity included, in __metadata__', () => {
    const { model, optimizer, loader } = setup(1);
    fit(model, loader, { epochs: 1, optimizer });
    const { tensors, metadata } = readSafetensors(checkpointToSafetensors({ model, optimizer, loader, epoch: 1 }));
    expect([...tensors.keys()].filter((k) => k.startsWith('optimizer.')).slice(0, 2)).toEqual(['optimizer.layers.0.weight.m', 'optimizer.layers.0.weight.v']);
    expect([...tensors.get('optimizer.layers.0.weight.v')!.values()]).toEqual([...optimizer.state().slots[0]!.v!]);
    const record = JSON.parse(metadata['matgrad.checkpoint']!);
    expect(record.optimizer.hyperparameters.clipGradNorm).toEqual({ $number: 'Infinity' });
    expect(record.optimizer.step).toBe(optimizer.stepCount);
    expect(record.loader.order).toEqual({ seed: 3, draws: expect.any(Number) });
    expect(Object.keys(record.modules)).toEqual(['layers.1', 'layers.3', 'layers.5', 'layers.7']);
  });

  it('a mismatch restores nothing: model, optimizer and loader stay as they were', () => {
    const first = setup(1);
    fit(first.model, first.loader, { epochs: 1, optimizer: first.optimizer });
    const bytes = checkpointToSafetensors({ model: first.model, optimizer: first.optimizer, loader: first.loader, epoch: 1 });

    const target = setup(7);
    const before = { model: snapshot(target.model), optimizer: target.optimizer.state(), loader: target.loader.state() };
    const momentum = new Momentum(target.model, { lr: 0.1 });
    expect(() => checkpointFromSafetensors(bytes, { model: target.model, optimizer: momentum })).toThrow('Momentum.loadState: the state is of a Adam, not a Momentum');
    const unshuffled = new DataLoader(target.loader.dataset, { batchSize: 16 });
    expect(() => checkpointFromSafetensors(bytes, { model: target.model, optimizer: target.optimizer, loader: unshuffled })).toThrow(
      "loadCheckpoint: nothing was restored: DataLoader.loadState: the state is of a loader with shuffle; this one does not shuffle",
    );
    const wider = new MLP({ sizes: [2, 17, 16, 3], batchNorm: true, dropout: 0.1, seed: 1 });
    expect(() => checkpointFromSafetensors(bytes, { model: wider, optimizer: new Adam(wider) })).toThrow(/nothing was restored: 'layers.0.weight' is float64 \[2,16\], the model's is float64 \[2,17\]/);
    expect(snapshot(target.model)).toEqual(before.model);
    expect(target.optimizer.state()).toEqual(before.optimizer);
    expect(target.loader.state()).toEqual(before.loader);
  });

  it('refuses plain weights, bad arguments and functions, by name', async () => {
    const { model, optimizer } = setup(1);
    expect(() => checkpointFromSafetensors(toSafetensors(model), { model })).toThrow(
      "loadCheckpoint: the file has no 'matgrad.checkpoint' metadata; it is not a matgrad checkpoint (plain weights load with loadWeights)",
    );
    expect(() => checkpointToSafetensors({ model, schedule: cosineLr({ lr: 1, epochs: 2 }) })).toThrow(/saveCheckpoint: schedule must be JSON data; a function cannot be saved/);
    expect(() => checkpointToSafetensors({ model, epoch: 1.5 })).toThrow('saveCheckpoint: epoch must be a non-negative integer, got number 1.5');
    expect(() => checkpointToSafetensors({ model: {} as never })).toThrow('saveCheckpoint: model must be a Module, got an object');
    const bytes = checkpointToSafetensors({ model, epoch: 4 });
    expect(() => checkpointFromSafetensors(bytes, { model, optimizer })).toThrow('loadCheckpoint: nothing was restored: the checkpoint has no optimizer state');
    const path = join(dir, 'plain.safetensors');
    await writeFile(path, toSafetensors(model));
    await expect(loadCheckpoint(path, { model })).rejects.toThrow(`loadCheckpoint: ${path}: the file has no 'matgrad.checkpoint' metadata`);
    await expect(loadCheckpoint(dir, { model })).rejects.toThrow(`loadCheckpoint: ${dir} is a directory`);
  });

  it('reads the state when called, and writes saves to one path in the order they were made', async () => {
    const { model } = setup(1);
    const path = join(dir, 'ordered.safetensors');
    const before = snapshot(model);
    const first = saveCheckpoint(path, { model, epoch: 1 });
    const changed = model.parameters()[0]!.values();
    changed[0] = 123;
    model.parameters()[0]!.assign(changed); // changed before the write lands
    await first;
    const reloaded = setup(5).model;
    expect((await loadCheckpoint(path, { model: reloaded })).epoch).toBe(1);
    expect(snapshot(reloaded)).toEqual(before);
    const saves = [2, 3, 4].map((epoch) => saveCheckpoint(path, { model, epoch }));
    await Promise.all(saves);
    expect((await loadCheckpoint(path, { model: reloaded })).epoch).toBe(4);
    expect(reloaded.parameters()[0]!.values()[0]).toBe(123);
    expect(await readdir(dir)).toEqual(['ordered.safetensors']);
  });

  it('restores SGD (no slots) and float32 models, with the loader left out', () => {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      const a = new MLP({ sizes: [2, 4, 3], dtype, seed: 1 });
      const opt = new SGD(a, { lr: 0.1, clipGradNorm: 5 });
      const data = spiral({ pointsPerClass: 10, seed: 2, dtype });
      fit(a, new DataLoader(data, { batchSize: 10 }), { epochs: 2, optimizer: opt });
      const b = new MLP({ sizes: [2, 4, 3], dtype, seed: 2 });
      const optB = new SGD(b, { lr: 0.5 });
      checkpointFromSafetensors(checkpointToSafetensors({ model: a, optimizer: opt, epoch: 2 }), { model: b, optimizer: optB });
      expect(snapshot(b)).toEqual(snapshot(a));
      expect(optB.state()).toEqual(opt.state());
    }
  });
});

describe('DataLoader.state / loadState', () => {
  it('a restored loader draws the orders the original would have drawn', () => {
    const data = spiral({ pointsPerClass: 5, seed: 1 });
    const a = new DataLoader(data, { batchSize: 4, shuffle: true, seed: 8 });
    const order = (loader: DataLoader) => [...loader].map((b) => [...b.x.values()].join()).join('|');
    order(a);
    order(a);
    const saved = JSON.parse(JSON.stringify(a.state()));
    const next = [order(a), order(a)];
    const b = new DataLoader(data, { batchSize: 4, shuffle: true, seed: 8 });
    b.loadState(saved);
    expect([order(b), order(b)]).toEqual(next);
    expect(new DataLoader(data, { batchSize: 4 }).state()).toEqual({ order: null });
  });
});
