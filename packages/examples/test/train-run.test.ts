import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { MLP } from '@matgrad/nn';
import { saveWeights } from '@matgrad/nn/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVALUATE_HELP, evaluateCommand } from '../src/cli/evaluate.js';
import { trainCommand } from '../src/cli/train.js';
import { PIXELS_PER_DIGIT } from '../src/data/digits.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from '../src/data/idx.js';
import { loadMnistSplit } from '../src/data/mnist.js';
import { buildModel, saveModel } from '../src/trainer/model-file.js';
import type { TrainReport } from '../src/trainer/train.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'matgrad-train-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function capture() {
  const lines: string[] = [];
  const progress = new PassThrough();
  const progressText: string[] = [];
  progress.on('data', (chunk: Buffer) => progressText.push(chunk.toString()));
  return { io: { log: (line: string) => lines.push(line), progress }, lines, progressText };
}

const TINY = ['--limit', '400', '--hidden', '32', '--epochs', '3', '--batch-size', '50', '--lr', '0.005'];

describe('train: a tiny run', () => {
  let folder: string;
  let report: TrainReport;
  let lines: string[];
  let progressText: string[];

  beforeAll(async () => {
    folder = join(root, 'tiny');
    const captured = capture();
    ({ lines, progressText } = captured);
    const result = await trainCommand([...TINY, '--out', folder], captured.io);
    report = result!.report;
  });

  it('writes the weights, metrics.json, both curves and the confusion matrix', async () => {
    expect((await readdir(folder)).sort()).toEqual(
      ['accuracy.png', 'accuracy.svg', 'confusion-matrix.png', 'confusion-matrix.svg', 'loss.png', 'loss.svg', 'metrics.json', 'model.safetensors'].sort(),
    );
    for (const png of ['accuracy.png', 'confusion-matrix.png', 'loss.png']) {
      expect((await readFile(join(folder, png))).subarray(1, 4).toString('latin1')).toBe('PNG');
    }
    expect(await readFile(join(folder, 'loss.svg'), 'utf8')).toContain('Loss per epoch');
    expect(await readFile(join(folder, 'accuracy.svg'), 'utf8')).toContain('Accuracy per epoch');
    const confusion = await readFile(join(folder, 'confusion-matrix.svg'), 'utf8');
    expect(confusion).toContain(`accuracy ${(100 * report.test.accuracy).toFixed(2)}%`);
  });

  it('records every epoch and a confusion matrix consistent with the accuracy', async () => {
    const metrics = JSON.parse(await readFile(join(folder, 'metrics.json'), 'utf8')) as TrainReport;
    expect(metrics).toEqual(JSON.parse(JSON.stringify(report)));
    expect(metrics.data).toMatchObject({ train: 400, test: 2000 });
    expect(metrics.model).toEqual({ sizes: [784, 32, 10], activation: 'relu', dropout: 0, dtype: 'float32', parameters: 784 * 32 + 32 + 32 * 10 + 10 });
    expect(metrics.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(metrics.epochs[0]!.lr).toBe(0.005);
    expect(metrics.epochs[1]!.lr).toBeLessThan(0.005);
    for (const e of metrics.epochs) {
      expect(e.seconds).toBeGreaterThan(0);
      expect(e.samplesPerSecond).toBeCloseTo(400 / e.seconds, 6);
    }
    const counts = metrics.confusionMatrix.counts;
    expect(counts).toHaveLength(10);
    expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(2000);
    // Each row holds the test digits of that class.
    const labels = loadMnistSplit().test.labels;
    counts.forEach((row, digit) => expect(row.reduce((a, b) => a + b, 0)).toBe(labels.filter((l) => l === digit).length));
    const diagonal = counts.reduce((s, row, i) => s + row[i]!, 0);
    expect(metrics.test.correct).toBe(diagonal);
    expect(metrics.test.accuracy).toBe(diagonal / 2000);
    expect(metrics.test.accuracy).toBe(metrics.epochs[2]!.testAccuracy);
    // Even 400 digits and three epochs learn far better than chance (10%).
    expect(metrics.test.accuracy).toBeGreaterThan(0.5);
    expect(metrics.epochs[2]!.testLoss).toBeLessThan(metrics.epochs[0]!.testLoss);
  });

  it('prints one progress line per epoch when not on a terminal, then the summary', () => {
    const progress = progressText.join('').trimEnd().split('\n');
    expect(progress).toHaveLength(3);
    expect(progress[0]).toMatch(/^epoch 1\/3 \| loss \d\.\d{4} \| train acc [\d.]+% \| test loss [\d.]+ \| test acc [\d.]+% \| [\d.]+ s \| \d+ samples\/s$/);
    expect(lines[0]).toMatch(/^training 784-32-10 relu \(25,450 parameters, float32\) with adam lr 0.005 \(cosine\) on 400 digits, testing on 2000;/);
    expect(lines[1]).toBe(
      `test accuracy ${(100 * report.test.accuracy).toFixed(2)}% (${report.test.correct}/2000) | test loss ${report.test.loss.toFixed(4)} | ` +
        `3 epochs in ${report.time.trainSeconds.toFixed(1)} s (${report.time.seconds.toFixed(1)} s in all) | ${Math.round(report.time.samplesPerSecond)} samples/s`,
    );
    expect(lines[2]).toContain('model.safetensors, metrics.json, loss.svg, loss.png, accuracy.svg, accuracy.png, confusion-matrix.svg, confusion-matrix.png');
  });

  it('evaluate loads the saved weights and finds the same accuracy and confusion matrix', async () => {
    const out: string[] = [];
    const evaluation = await evaluateCommand([folder], (line) => out.push(line));
    expect(evaluation!.accuracy).toBe(report.test.accuracy);
    expect(evaluation!.loss).toBeCloseTo(report.test.loss, 6);
    expect(evaluation!.confusionMatrix).toEqual(report.confusionMatrix.counts);
    expect(evaluation!.model).toMatchObject({ sizes: [784, 32, 10] });
    expect(out[2]).toBe(`held-out accuracy ${(100 * report.test.accuracy).toFixed(2)}% (${report.test.correct}/2000) | loss ${evaluation!.loss.toFixed(4)}`);
    expect(out[3]).toMatch(/^true\\pred +0 +1 .* 9$/);
    // The weights file itself works too.
    expect((await evaluateCommand([join(folder, 'model.safetensors')], () => {}))!.accuracy).toBe(report.test.accuracy);
  });

  it('is reproducible: the same seed gives the same weights and accuracy', async () => {
    const again = await trainCommand([...TINY, '--out', join(root, 'tiny-again')], capture().io);
    expect(again!.report.test.accuracy).toBe(report.test.accuracy);
    expect(await readFile(join(root, 'tiny-again', 'model.safetensors'))).toEqual(await readFile(join(folder, 'model.safetensors')));
  });
});

describe('train --model cnn: a tiny run', () => {
  it('trains the LeNet-style net, records it, and evaluate rebuilds it from the weights file', async () => {
    const folder = join(root, 'tiny-cnn');
    const captured = capture();
    const result = await trainCommand(['--model', 'cnn', '--channels', '2,4', '--hidden', '16', '--limit', '600', '--epochs', '3', '--batch-size', '50', '--lr', '0.01', '--out', folder], captured.io);
    const report = result!.report;
    expect(report.model).toEqual({ kind: 'cnn', channels: [2, 4], hidden: [16], dtype: 'float32', parameters: 2 * 25 + 2 + 4 * 2 * 25 + 4 + 100 * 16 + 16 + 16 * 10 + 10 });
    expect(captured.lines[0]).toMatch(/^training CNN conv5x5\(2\)-pool-conv5x5\(4\)-pool-16-10 \(2,042 parameters, float32\) with adam lr 0.01/);
    // 36 steps from scratch already learn far better than chance (10%).
    expect(report.test.accuracy).toBeGreaterThan(0.5);
    const out: string[] = [];
    const evaluation = await evaluateCommand([folder], (line) => out.push(line));
    expect(evaluation!.accuracy).toBe(report.test.accuracy);
    expect(evaluation!.confusionMatrix).toEqual(report.confusionMatrix.counts);
    expect(out[0]).toMatch(/^model CNN conv5x5\(2\)-pool-conv5x5\(4\)-pool-16-10 \(float32\) from /);
  });
});

describe('evaluate: finding and refusing weights', () => {
  it('picks the run whose weights were saved last', async () => {
    const runs = join(root, 'runs-latest');
    for (const [name, seconds] of [['2024-01-01T00-00-00', 1000], ['2024-01-02T00-00-00', 3000], ['2024-01-03T00-00-00', 2000]] as const) {
      await mkdir(join(runs, name), { recursive: true });
      const model = new MLP({ sizes: [784, 4, 10], seed: seconds });
      await saveWeights(model, join(runs, name, 'model.safetensors'));
      await utimes(join(runs, name, 'model.safetensors'), seconds, seconds);
    }
    await mkdir(join(runs, 'no-weights'));
    const { latestRun } = await import('../src/trainer/run-folder.js');
    expect(await latestRun(runs)).toBe(join(runs, '2024-01-02T00-00-00'));
    expect(await latestRun(join(root, 'nothing-here'))).toBeNull();
  });

  it('names the file and what is wrong', async () => {
    const foreign = join(root, 'foreign.safetensors');
    await saveWeights(new MLP({ sizes: [784, 4, 10], seed: 1 }), foreign);
    await expect(evaluateCommand([foreign], () => {})).rejects.toThrow(
      `evaluate: ${foreign} has no model description; it was not written by the trainer (expected metadata 'matgrad.mlp' with sizes 784-...-10, activation, dropout, dtype, or 'matgrad.cnn' with channels, hidden, dtype)`,
    );
    const garbage = join(root, 'garbage.safetensors');
    await writeFile(garbage, 'not a safetensors file');
    await expect(evaluateCommand([garbage], () => {})).rejects.toThrow(`evaluate: ${garbage}:`);
    await expect(evaluateCommand([join(root, 'missing')], () => {})).rejects.toThrow(`evaluate: ${join(root, 'missing')} does not exist`);
    await expect(evaluateCommand(['a', 'b'], () => {})).rejects.toThrow('expected one run folder or weights file, got 2: a b');
  });
});

function idxFile(magic: number, dims: number[], payload: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, payload]);
}

describe('train --idx', () => {
  it('trains on IDX files and evaluates on their test set', async () => {
    const dir = join(root, 'idx');
    await mkdir(dir);
    const { train, test } = loadMnistSplit();
    const write = async (stem: string, digits: typeof train, count: number) => {
      const pixels = Uint8Array.from(digits.features.subarray(0, count * PIXELS_PER_DIGIT), (v) => Math.round(v * 255));
      await writeFile(join(dir, `${stem}-images-idx3-ubyte`), idxFile(IDX_IMAGES_MAGIC, [count, 28, 28], pixels));
      await writeFile(join(dir, `${stem}-labels-idx1-ubyte`), idxFile(IDX_LABELS_MAGIC, [count], Uint8Array.from(digits.labels.subarray(0, count))));
    };
    await write('train', train, 300);
    await write('t10k', test, 120);
    const folder = join(root, 'idx-run');
    const result = await trainCommand(['--idx', dir, '--hidden', '16', '--epochs', '1', '--out', folder], capture().io);
    expect(result!.report.data).toEqual({ source: `MNIST IDX files in ${dir}`, train: 300, test: 120 });
    expect(result!.report.confusionMatrix.counts.flat().reduce((a, b) => a + b, 0)).toBe(120);
    const evaluation = await evaluateCommand([folder, '--idx', dir], () => {});
    expect(evaluation!.count).toBe(120);
    expect(evaluation!.trainedOn).toBe(`MNIST IDX files in ${dir}`);
    expect(evaluation!.accuracy).toBe(result!.report.test.accuracy);
  });

  it('reports a folder without IDX files and leaves no run folder behind', async () => {
    const out = join(root, 'never-written');
    await expect(trainCommand(['--idx', join(root, 'empty-dir'), '--out', out], capture().io)).rejects.toThrow(/idx: no train-(images|labels) file in .*empty-dir/);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });
});

describe('evaluate --idx', () => {
  it('needs only the two t10k files, as its help says', async () => {
    const dir = join(root, 't10k-only');
    await mkdir(dir);
    const { test } = loadMnistSplit();
    const count = 50;
    const pixels = Uint8Array.from(test.features.subarray(0, count * PIXELS_PER_DIGIT), (v) => Math.round(v * 255));
    await writeFile(join(dir, 't10k-images-idx3-ubyte'), idxFile(IDX_IMAGES_MAGIC, [count, 28, 28], pixels));
    await writeFile(join(dir, 't10k-labels-idx1-ubyte'), idxFile(IDX_LABELS_MAGIC, [count], Uint8Array.from(test.labels.subarray(0, count))));
    const run = join(root, 'run-for-t10k');
    await mkdir(run);
    const spec = { sizes: [784, 4, 10], activation: 'relu' as const, dropout: 0, dtype: 'float32' as const };
    await saveModel(buildModel(spec, 3), spec, 'a test', join(run, 'model.safetensors'));
    const evaluation = await evaluateCommand([run, '--idx', dir], () => {});
    expect(evaluation!.count).toBe(count);
    expect(evaluation!.testedOn).toBe(`MNIST IDX files in ${dir}`);
    expect(evaluation!.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(count);
    expect(EVALUATE_HELP).toContain('the training files need not be there');
  });
});
