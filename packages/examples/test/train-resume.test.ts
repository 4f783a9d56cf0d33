import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli/command.js';
import { parseTrainArgs, trainCommand } from '../src/cli/train.js';
import type { EpochMetrics, TrainReport } from '../src/trainer/train.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'matgrad-resume-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A progress stream that stops the run, as a crash would, when an epoch's line is printed. */
function crashingAt(line: string) {
  const progress = new PassThrough();
  progress.write = (chunk: string | Uint8Array) => {
    if (String(chunk).includes(line)) throw new Error('simulated crash');
    return true;
  };
  return { log: () => {}, progress };
}

const quiet = () => ({ log: () => {}, progress: new PassThrough() });
const withoutTimes = (epochs: EpochMetrics[]) => epochs.map(({ seconds: _, samplesPerSecond: __, ...rest }) => rest);

// Dropout and the one-pixel shifts draw random numbers every batch: their streams must resume too.
const RUN = ['--limit', '300', '--hidden', '24', '--epochs', '3', '--batch-size', '50', '--dropout', '0.2'];

describe('train --resume', () => {
  it('a run stopped after an epoch, resumed, ends exactly as the run that never stopped', async () => {
    const straight = join(root, 'straight');
    const expected = (await trainCommand([...RUN, '--out', straight], quiet()))!.report;

    const stopped = join(root, 'stopped');
    await expect(trainCommand([...RUN, '--out', stopped], crashingAt('epoch 2/3'))).rejects.toThrow('simulated crash');
    expect(await readdir(stopped)).toEqual(['checkpoint.safetensors']);

    const lines: string[] = [];
    const resumed = (await trainCommand(['--resume', stopped], { log: (line) => lines.push(line), progress: new PassThrough() }))!.report;
    expect(lines[0]).toBe(`resuming ${stopped} after epoch 2 of 3`);
    expect(await readFile(join(stopped, 'model.safetensors'))).toEqual(await readFile(join(straight, 'model.safetensors')));
    expect(withoutTimes(resumed.epochs)).toEqual(withoutTimes(expected.epochs));
    const { time: _, options: __, ...rest } = resumed;
    const { time: ___, options: ____, ...expectedRest } = expected;
    expect({ ...rest, epochs: withoutTimes(rest.epochs) }).toEqual({ ...expectedRest, epochs: withoutTimes(expectedRest.epochs) });
    const metrics = JSON.parse(await readFile(join(stopped, 'metrics.json'), 'utf8')) as TrainReport;
    expect(metrics.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect((await readdir(stopped)).includes('checkpoint.safetensors')).toBe(false);
    await expect(trainCommand(['--resume', stopped], quiet())).rejects.toThrow(`train: ${stopped} has no checkpoint.safetensors to resume from (a run that finished removes it)`);
  });

  it('takes the run folder alone and names what is wrong', async () => {
    expect(parseTrainArgs(['--resume', '/runs/a'])).toEqual({ help: false, resume: '/runs/a' });
    expect(() => parseTrainArgs(['--resume', 'x', '--epochs', '5', '--lr', '0.1'])).toThrow(UsageError);
    expect(() => parseTrainArgs(['--resume', 'x', '--epochs', '5', '--lr', '0.1'])).toThrow('--resume continues a run with its own options; leave out --epochs, --lr');
    await expect(trainCommand(['--resume', join(root, 'nowhere')], quiet())).rejects.toThrow(`train: --resume expects a run folder; ${join(root, 'nowhere')} does not exist`);
  });
});
