import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MLP, toSafetensors } from '../src/index.js';
import { loadCheckpoint, loadWeights, saveCheckpoint, saveWeights } from '../src/node.js';
import { snapshot } from './helpers.js';

/** Lets a test make the next write stop half-way (as a full disk or a crash would) or the rename fail. */
const failure = vi.hoisted(() => ({ mode: null as null | 'write' | 'rename' }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      if (failure.mode !== 'write') return handle;
      return new Proxy(handle, {
        get(target, key) {
          if (key === 'writeFile') {
            return async (data: Uint8Array) => {
              await target.write(data.subarray(0, data.length >> 1));
              throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            };
          }
          const value = Reflect.get(target, key) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
    rename: async (...args: Parameters<typeof fs.rename>) => {
      if (failure.mode === 'rename') throw Object.assign(new Error('EXDEV: cross-device link not permitted, rename'), { code: 'EXDEV' });
      return fs.rename(...args);
    },
  };
});


let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'matgrad-nn-'));
  failure.mode = null;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveWeights / loadWeights', () => {
  it('round-trip through a file', async () => {
    const path = join(dir, 'model.safetensors');
    const a = new MLP({ sizes: [4, 3, 2], batchNorm: true, dtype: 'float32', seed: 1 });
    await saveWeights(a, path, { metadata: { note: 'spiral' } });
    expect(new Uint8Array(await readFile(path))).toEqual(toSafetensors(a, { metadata: { note: 'spiral' } }));
    const b = new MLP({ sizes: [4, 3, 2], batchNorm: true, dtype: 'float32', seed: 2 });
    expect(await loadWeights(b, path)).toEqual({ metadata: { note: 'spiral' }, skipped: [] });
    expect(snapshot(b)).toEqual(snapshot(a));
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  for (const mode of ['write', 'rename'] as const) {
    it(`leave the old file intact when the ${mode} fails, and no temporary file behind`, async () => {
      const path = join(dir, 'model.safetensors');
      const old = new MLP({ sizes: [4, 3, 2], seed: 1 });
      await saveWeights(old, path);
      const oldBytes = await readFile(path);
      failure.mode = mode;
      await expect(saveWeights(new MLP({ sizes: [4, 3, 2], seed: 2 }), path)).rejects.toThrow(`saveWeights: could not write ${path}: ${mode === 'write' ? 'ENOSPC' : 'EXDEV'}`);
      failure.mode = null;
      expect(await readFile(path)).toEqual(oldBytes);
      expect(await readdir(dir)).toEqual(['model.safetensors']);
      const reloaded = new MLP({ sizes: [4, 3, 2], seed: 3 });
      await loadWeights(reloaded, path);
      expect(snapshot(reloaded)).toEqual(snapshot(old));
    });
  }

  it('report a missing folder or file, and a bad file by its path, leaving the model unchanged', async () => {
    const model = new MLP({ sizes: [4, 3, 2], seed: 1 });
    await expect(saveWeights(model, join(dir, 'no', 'such.safetensors'))).rejects.toThrow(/saveWeights: could not write .*no\/such\.safetensors: ENOENT/);
    await expect(loadWeights(model, join(dir, 'absent.safetensors'))).rejects.toThrow(`loadWeights: cannot read ${join(dir, 'absent.safetensors')}: ENOENT`);
    const path = join(dir, 'short.safetensors');
    await writeFile(path, new Uint8Array([1, 2, 3]));
    const before = snapshot(model);
    await expect(loadWeights(model, path)).rejects.toThrow(`loadWeights: ${path}: readSafetensors: the file is 3 bytes, too short for the 8-byte header length`);
    expect(snapshot(model)).toEqual(before);
  });

  it('a checkpoint save that fails leaves the old checkpoint intact and no temporary file', async () => {
    const path = join(dir, 'run.safetensors');
    const model = new MLP({ sizes: [4, 3, 2], seed: 1 });
    await saveCheckpoint(path, { model, epoch: 1 });
    const oldBytes = await readFile(path);
    failure.mode = 'write';
    await expect(saveCheckpoint(path, { model: new MLP({ sizes: [4, 3, 2], seed: 2 }), epoch: 2 })).rejects.toThrow(`saveCheckpoint: could not write ${path}: ENOSPC`);
    failure.mode = null;
    expect(await readFile(path)).toEqual(oldBytes);
    expect(await readdir(dir)).toEqual(['run.safetensors']);
    expect((await loadCheckpoint(path, { model: new MLP({ sizes: [4, 3, 2], seed: 3 }) })).epoch).toBe(1);
  });

  it('name a directory given as the weights file', async () => {
    const model = new MLP({ sizes: [4, 3, 2], seed: 1 });
    await expect(loadWeights(model, dir)).rejects.toThrow(`loadWeights: ${dir} is a directory; expected a safetensors file`);
    await expect(saveWeights(model, dir)).rejects.toThrow(`saveWeights: could not write ${dir}: EISDIR`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('report the real error for a path under a regular file, not the cleanup\'s', async () => {
    const file = join(dir, 'plain.txt');
    await writeFile(file, 'not a folder');
    const path = join(file, 'model.safetensors');
    await expect(saveWeights(new MLP({ sizes: [4, 3, 2], seed: 1 }), path)).rejects.toThrow(`saveWeights: could not write ${path}: ENOTDIR: not a directory, open '${path}.`);
    expect(await readdir(dir)).toEqual(['plain.txt']);
  });

  it('refuse what is not a model, a path or options, by name', async () => {
    const model = new MLP({ sizes: [4, 3, 2], seed: 1 });
    await expect(saveWeights({} as never, join(dir, 'a'))).rejects.toThrow('saveWeights: the first argument must be a Module (e.g. an MLP), got an object');
    await expect(saveWeights(model, 5 as never)).rejects.toThrow('saveWeights: path must be a non-empty string, got number 5');
    await expect(loadWeights(model, '' as never)).rejects.toThrow('loadWeights: path must be a non-empty string, got the string ""');
    await expect(saveWeights(model, join(dir, 'a'), { layout: 'onnx' as never })).rejects.toThrow(`saveWeights: layout must be 'matgrad' or 'pytorch', got the string "onnx"`);
    expect(await readdir(dir)).toEqual([]);
  });
});
