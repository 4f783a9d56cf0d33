import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { MLP, toSafetensors } from '@matgrad/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli/command.js';
import { evaluateCommand } from '../src/cli/evaluate.js';
import { graphCommand } from '../src/cli/graph.js';
import { parseTrainArgs, trainCommand } from '../src/cli/train.js';
import { allocateFeatures, selectRows } from '../src/data/digits.js';
import { readIdxDigits } from '../src/data/idx.js';
import { splitDigits } from '../src/data/mnist.js';
import { LeNet } from '../src/trainer/lenet.js';
import { buildModel } from '../src/trainer/model-file.js';
import { MAX_MODEL_PARAMETERS } from '../src/trainer/model-size.js';
import { ShiftedDigits } from '../src/trainer/shifted-digits.js';

let root: string;
/** A regular file, under which no folder can be made. */
let aFile: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'matgrad-bad-input-'));
  aFile = join(root, 'a-file');
  await writeFile(aFile, 'not a folder');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A weights file holding a 784-4-10 MLP whose metadata describes the model as `sizes`. */
async function weightsDescribedAs(name: string, sizes: number[]): Promise<string> {
  const path = join(root, name);
  const description = JSON.stringify({ sizes, activation: 'relu', dropout: 0, dtype: 'float64' });
  await writeFile(path, toSafetensors(new MLP({ sizes: [784, 4, 10] }), { metadata: { 'matgrad.mlp': description } }));
  return path;
}

/** A weights file holding a small LeNet (channels 2,3, hidden 4) whose metadata describes it as `channels` and `hidden`. */
async function cnnDescribedAs(name: string, channels: number[], hidden: number[]): Promise<string> {
  const path = join(root, name);
  const description = JSON.stringify({ kind: 'cnn', channels, hidden, dtype: 'float32' });
  const model = new LeNet({ kind: 'cnn', channels: [2, 3], hidden: [4], dtype: 'float32' }, 0);
  await writeFile(path, toSafetensors(model, { metadata: { 'matgrad.cnn': description } }));
  return path;
}

const quiet = () => ({ log: () => {}, progress: new PassThrough() });
const digits = { count: 2, features: new Float32Array(2 * 784), labels: Int32Array.from([3, 7]) };

// [the command or function the message names, the call, the message (exact text, or a pattern)]
const cases: Array<[string, () => Promise<unknown>, string | RegExp]> = [
  [
    'train',
    async () => parseTrainArgs(['--hidden', '65536,65536']),
    `--hidden 65536,65536: a 784-65536-65536-10 MLP has 4,347,133,962 parameters (32.4 GiB in float64), more than the limit of 50,000,000`,
  ],
  ['train', async () => parseTrainArgs(['--hidden', '60000,1000']), /^--hidden 60000,1000: a 784-60000-1000-10 MLP has 107,[\d,]+ parameters .*more than the limit of 50,000,000$/],
  ['train', async () => trainCommand(['--out', join(aFile, 'run'), '--limit', '50', '--epochs', '1', '--hidden', '4'], quiet()), /^train: cannot create the run folder .*a-file\/run: ENOTDIR/],
  [
    'evaluate',
    async () => evaluateCommand([await weightsDescribedAs('huge.safetensors', [784, 300_000, 10])], () => {}),
    /^evaluate: .*huge\.safetensors describes its model as too large: a 784-300000-10 MLP has 238,500,010 parameters \(1\.8 GiB in float64\), more than the limit of 50,000,000$/,
  ],
  [
    'evaluate',
    async () => evaluateCommand([await weightsDescribedAs('mismatch.safetensors', [784, 1000, 10])], () => {}),
    /^evaluate: .*mismatch\.safetensors describes a 784-1000-10 MLP of 795,010 parameters, but holds 3,190 values; the description does not match the weights$/,
  ],
  [
    'evaluate',
    async () => evaluateCommand([await cnnDescribedAs('huge-cnn.safetensors', [1000, 100_000], [4])], () => {}),
    /^evaluate: .*huge-cnn\.safetensors describes its model as too large: a CNN conv5x5\(1000\)-pool-conv5x5\(100000\)-pool-4-10 has 2,510,126,054 parameters \(18\.7 GiB in float64\), more than the limit of 50,000,000$/,
  ],
  [
    'evaluate',
    async () => evaluateCommand([await cnnDescribedAs('channels-mismatch.safetensors', [6, 3], [4])], () => {}),
    /^evaluate: .*channels-mismatch\.safetensors describes a CNN conv5x5\(6\)-pool-conv5x5\(3\)-pool-4-10, whose features\.0\.weight is \[6, 1, 5, 5\], but the file holds it as \[2, 1, 5, 5\]; the description does not match the weights$/,
  ],
  [
    'evaluate',
    async () => evaluateCommand([await cnnDescribedAs('hidden-mismatch.safetensors', [2, 3], [4, 5])], () => {}),
    /^evaluate: .*hidden-mismatch\.safetensors describes a CNN conv5x5\(2\)-pool-conv5x5\(3\)-pool-4-5-10, whose classifier\.2\.weight is \[4, 5\], but the file holds it as \[4, 10\]; the description does not match the weights$/,
  ],
  [
    'evaluate',
    async () => evaluateCommand([await cnnDescribedAs('hidden-missing.safetensors', [2, 3], [])], () => {}),
    /^evaluate: .*hidden-missing\.safetensors describes a CNN conv5x5\(2\)-pool-conv5x5\(3\)-pool-10, whose classifier\.0\.weight is \[75, 10\], but the file holds it as \[75, 4\]; the description does not match the weights$/,
  ],
  [
    'evaluate',
    async () => {
      // Sparse: a file of this size costs no disk space.
      const path = join(root, 'too-big.safetensors');
      await writeFile(path, '');
      await truncate(path, 8 * MAX_MODEL_PARAMETERS + 200_000_000);
      return evaluateCommand([path], () => {});
    },
    /^evaluate: .*too-big\.safetensors is 572\.2 MiB, larger than the weights of any model within the limit of 50,000,000 parameters \(at most 476\.8 MiB\)$/,
  ],
  ['evaluate', async () => evaluateCommand([root], () => {}), /^evaluate: the folder .*matgrad-bad-input-\w+ holds no model\.safetensors; expected a run folder written by train, or a weights file$/],
  [
    'idx',
    async () => {
      const run = join(root, 'run-for-idx');
      await mkdir(run, { recursive: true });
      const { saveModel } = await import('../src/trainer/model-file.js');
      const spec = { sizes: [784, 4, 10], activation: 'relu' as const, dropout: 0, dtype: 'float32' as const };
      await saveModel(buildModel(spec, 0), spec, 'test', join(run, 'model.safetensors'));
      return evaluateCommand([run, '--idx', root], () => {});
    },
    /^idx: no t10k-images file in .*; looked for t10k-images-idx3-ubyte, t10k-images-idx3-ubyte\.gz, t10k-images\.idx3-ubyte, t10k-images\.idx3-ubyte\.gz$/,
  ],
  ['graph', async () => graphCommand(['--out', join(aFile, 'figures')], () => {}), /^could not write .*a-file\/figures\/apple\.svg: ENOTDIR/],
  ['buildModel', async () => buildModel({ sizes: [784, 100_000, 10], activation: 'relu', dropout: 0, dtype: 'float32' }, 0), /^buildModel: a 784-100000-10 MLP has 79,[\d,]+ parameters/],
  ['readIdxDigits', async () => readIdxDigits(aFile, aFile, 'int8' as never), `readIdxDigits: dtype must be 'float32' or 'float64', got int8`],
  ['idx', async () => readIdxDigits(root, aFile), /^idx: .*matgrad-bad-input-\w+ is a folder, expected an IDX images file$/],
  ['ShiftedDigits', async () => new ShiftedDigits(digits, 30, 1), 'ShiftedDigits: maxShift must be an integer in 0..27, got 30'],
  ['selectRows', async () => selectRows(digits, [0, 2]), 'selectRows: row 2 is outside 0..1'],
  ['splitDigits', async () => splitDigits(digits, 2, 1), 'splitDigits: testCount 2 must be an integer in 1..1'],
  ['digits', async () => allocateFeatures('float16' as never, 4), `digits: unknown dtype 'float16', expected 'float32' or 'float64'`],
];

describe("the examples' commands and loaders answer bad input with an error naming the command or function and the problem", () => {
  it.each(cases)('%s', async (name, call, message) => {
    const error = await call().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error, 'expected the call to fail').toBeInstanceOf(Error);
    // Usage errors are printed after the command's name by runCommand, so they need not repeat it.
    if (!(error instanceof UsageError)) expect(error!.message.startsWith(name === 'graph' ? 'could not write' : `${name}: `), error!.message).toBe(true);
    expect(error!.message).not.toMatch(/Cannot read properties|is not a function|is not iterable|Cannot destructure|Invalid typed array length/);
    if (typeof message === 'string') expect(error!.message).toBe(message);
    else expect(error!.message).toMatch(message);
  });
});
