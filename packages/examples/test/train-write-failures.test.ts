import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { MLP, fromSafetensors } from '@matgrad/nn';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { trainCommand } from '../src/cli/train.js';
import { faults } from './support/failing-fs.js';

vi.mock('node:fs/promises', async (importOriginal) => (await import('./support/failing-fs.js')).withInjectedFaults(await importOriginal()));

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'matgrad-train-fail-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
afterEach(() => {
  faults.length = 0;
});

const quiet = () => ({ log: () => {}, progress: new PassThrough() });
const QUICK = ['--limit', '200', '--hidden', '8', '--epochs', '1', '--shift', '0'];

describe('train: a write error names the file and leaves only complete files', () => {
  it('with the disk full while a figure is written', async () => {
    const folder = join(root, 'disk-full');
    faults.push({ pattern: /accuracy\.png\..*\.tmp$/, stage: 'write', code: 'ENOSPC', message: 'no space left on device' });
    await expect(trainCommand([...QUICK, '--out', folder], quiet())).rejects.toThrow(
      `train: could not write ${join(folder, 'accuracy.png')}: ENOSPC: no space left on device, write; ` +
        `the run folder ${folder} holds accuracy.svg, checkpoint.safetensors, loss.png, loss.svg, model.safetensors`,
    );
    // The last epoch's checkpoint stays, so the run can be finished with --resume.
    expect((await readdir(folder)).sort()).toEqual(['accuracy.svg', 'checkpoint.safetensors', 'loss.png', 'loss.svg', 'model.safetensors']);
    // What was written is whole: the weights load into the model they describe.
    fromSafetensors(new MLP({ sizes: [784, 8, 10], dtype: 'float32' }), await readFile(join(folder, 'model.safetensors')));
  });

  it('with metrics.json failing to reach the disk, the figures and weights stay and no metrics.json appears', async () => {
    const folder = join(root, 'metrics-fail');
    faults.push({ pattern: /metrics\.json\..*\.tmp$/, stage: 'sync', code: 'EIO', message: 'i/o error' });
    await expect(trainCommand([...QUICK, '--out', folder], quiet())).rejects.toThrow(`train: could not write ${join(folder, 'metrics.json')}: EIO: i/o error, fsync;`);
    const files = await readdir(folder);
    expect(files).not.toContain('metrics.json');
    expect(files.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    // The seven weights and figure files, and the checkpoint kept for --resume.
    expect(files).toHaveLength(8);
    expect(files).toContain('checkpoint.safetensors');
  });
});
