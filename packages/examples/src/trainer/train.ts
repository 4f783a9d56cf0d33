import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromBuffer, getBackend, setBackend } from '@matgrad/core';
import {
  accuracyFromCounts,
  confusionMatrix,
  constantLr,
  cosineLr,
  createOptimizer,
  DataLoader,
  fit,
  fitOnDevice,
  predict,
  predictOnDevice,
  TensorDataset,
  type Dataset,
  type EpochRecord,
  type FitOptions,
} from '@matgrad/nn';
import { useBackend } from '../cli/backend.js';
import { createEpochProgress, type ProgressStream } from '../cli/progress.js';
import { DIGIT_CLASSES, PIXELS_PER_DIGIT, type Digits } from '../data/digits.js';
import { writeSvgFigure } from '../figures/render.js';
import { confusionSpec, curveSpec, vegaLiteToSvg } from './charts.js';
import { limitDigits, loadTrainingData } from './data.js';
import { buildModel, saveModel, WEIGHTS_FILE, type ModelSpec } from './model-file.js';
import type { TrainOptions } from './options.js';
import { toReadableJson } from './readable-json.js';
import { createRunFolder } from './run-folder.js';
import { ShiftedDigits } from './shifted-digits.js';

export interface TrainIo {
  /** The summary, line by line (stdout). */
  log: (line: string) => void;
  /** Where the epoch progress goes: a bar redrawn in place on a terminal, plain lines otherwise. */
  progress: ProgressStream;
}

export interface EpochMetrics {
  epoch: number;
  lr: number;
  loss: number;
  accuracy: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
  samplesPerSecond: number;
}

/** What metrics.json holds. */
export interface TrainReport {
  options: TrainOptions;
  data: { source: string; train: number; test: number };
  model: ModelSpec & { parameters: number };
  epochs: EpochMetrics[];
  test: { accuracy: number; loss: number; correct: number; count: number };
  confusionMatrix: { rows: 'true digit'; columns: 'predicted digit'; counts: number[][] };
  time: { seconds: number; trainSeconds: number; samplesPerSecond: number };
  files: Record<'weights' | 'metrics' | 'lossCurve' | 'accuracyCurve' | 'confusionMatrix', string[]>;
}

export const METRICS_FILE = 'metrics.json';

function featuresTensor(digits: Digits) {
  return fromBuffer(digits.features, [digits.count, PIXELS_PER_DIGIT]);
}

function trainingSet(train: Digits, options: TrainOptions): Dataset {
  return options.shift > 0 ? new ShiftedDigits(train, options.shift, options.seed) : new TensorDataset(featuresTensor(train), train.labels);
}

const figureFiles = (name: string) => [`${name}.svg`, `${name}.png`];

/** Trains an MLP on MNIST with nn's fit and writes the run folder: weights, metrics, curves, confusion matrix. */
export async function trainMnist(options: TrainOptions, io: TrainIo): Promise<{ folder: string; report: TrainReport }> {
  const previous = getBackend();
  try {
    // A backend that reads only through promises (a GPU) trains with nn's asynchronous loop.
    const synchronous = options.backend === null || (await useBackend(options.backend)).readsSynchronously;
    return await trainOn(options, io, synchronous);
  } finally {
    setBackend(previous);
  }
}

async function trainOn(options: TrainOptions, io: TrainIo, synchronous: boolean): Promise<{ folder: string; report: TrainReport }> {
  const started = performance.now();
  const data = await loadTrainingData(options.idx, options.dtype);
  // After the data loaded: a bad --idx leaves no empty run folder behind.
  const folder = await createRunFolder(options.out);
  const train = limitDigits(data.train, options.limit);
  const test = data.test;

  const spec: ModelSpec = { sizes: [PIXELS_PER_DIGIT, ...options.hidden, DIGIT_CLASSES], activation: options.activation, dropout: options.dropout, dtype: options.dtype };
  const model = buildModel(spec, options.seed);
  const optimizer = createOptimizer(options.optimizer, model, { lr: options.lr });
  const loader = new DataLoader(trainingSet(train, options), { batchSize: options.batchSize, shuffle: true, seed: options.seed });
  const heldOut = new DataLoader(new TensorDataset(featuresTensor(test), test.labels), { batchSize: 1000 });

  io.log(
    `training ${spec.sizes.join('-')} ${spec.activation} (${model.parameterCount().toLocaleString('en-US')} parameters, ${spec.dtype}) with ${options.optimizer} lr ${options.lr} (${options.schedule}) ` +
      `on ${train.count} digits, testing on ${test.count}; ${data.source}`,
  );
  const progress = createEpochProgress(io.progress);
  let seen = 0;
  let lossSum = 0;
  const fitOptions: FitOptions = {
    epochs: options.epochs,
    optimizer,
    validation: heldOut,
    lrSchedule: options.schedule === 'cosine' ? cosineLr({ lr: options.lr, epochs: options.epochs }) : constantLr(options.lr),
    onEpochStart: (epoch) => {
      progress.startEpoch(epoch, options.epochs, loader.length);
      seen = 0;
      lossSum = 0;
    },
    onBatch: ({ batch, loss, size }) => {
      seen += size;
      lossSum += loss * size;
      progress.batch(batch + 1, lossSum / seen);
    },
    onEpoch: (record) =>
      progress.endEpoch({
        loss: record.loss,
        accuracy: record.accuracy ?? undefined,
        testLoss: record.validation?.loss,
        testAccuracy: record.validation?.accuracy ?? undefined,
        seconds: record.time / 1000,
        samples: train.count,
      }),
  };
  const history: EpochRecord[] = synchronous ? fit(model, loader, fitOptions) : await fitOnDevice(model, loader, fitOptions);

  const epochs: EpochMetrics[] = history.map((r) => ({
    epoch: r.epoch,
    lr: r.lr,
    loss: r.loss,
    accuracy: r.accuracy!,
    testLoss: r.validation!.loss,
    testAccuracy: r.validation!.accuracy!,
    seconds: r.time / 1000,
    samplesPerSecond: train.count / (r.time / 1000),
  }));
  const last = history[history.length - 1]!.validation!;
  const predictions = synchronous ? predict(model, heldOut) : await predictOnDevice(model, heldOut);
  const counts = confusionMatrix(test.labels, predictions, DIGIT_CLASSES);
  const correct = counts.reduce((sum, row, i) => sum + row[i]!, 0);
  if (Math.abs(accuracyFromCounts(counts) - last.accuracy!) > 1e-12) {
    throw new Error(`train: the confusion matrix gives accuracy ${accuracyFromCounts(counts)}, but evaluate gave ${last.accuracy}`);
  }
  const trainSeconds = epochs.reduce((s, e) => s + e.seconds, 0);

  await saveModel(model, spec, data.source, join(folder, WEIGHTS_FILE));
  const curves = epochs.map((e) => ({ epoch: e.epoch, loss: { train: e.loss, test: e.testLoss }, accuracy: { train: e.accuracy, test: e.testAccuracy } }));
  await writeSvgFigure(await vegaLiteToSvg(curveSpec('Loss per epoch', 'mean cross-entropy', curves.map((c) => ({ epoch: c.epoch, ...c.loss })))), join(folder, 'loss'));
  await writeSvgFigure(
    await vegaLiteToSvg(curveSpec('Accuracy per epoch', 'accuracy', curves.map((c) => ({ epoch: c.epoch, ...c.accuracy })), { percent: true })),
    join(folder, 'accuracy'),
  );
  await writeSvgFigure(await vegaLiteToSvg(confusionSpec(counts, last.accuracy!)), join(folder, 'confusion-matrix'));

  const report: TrainReport = {
    options,
    data: { source: data.source, train: train.count, test: test.count },
    model: { ...spec, parameters: model.parameterCount() },
    epochs,
    test: { accuracy: last.accuracy!, loss: last.loss, correct, count: test.count },
    confusionMatrix: { rows: 'true digit', columns: 'predicted digit', counts },
    time: { seconds: (performance.now() - started) / 1000, trainSeconds, samplesPerSecond: (train.count * epochs.length) / trainSeconds },
    files: {
      weights: [WEIGHTS_FILE],
      metrics: [METRICS_FILE],
      lossCurve: figureFiles('loss'),
      accuracyCurve: figureFiles('accuracy'),
      confusionMatrix: figureFiles('confusion-matrix'),
    },
  };
  await writeFile(join(folder, METRICS_FILE), `${toReadableJson(report)}\n`);
  return { folder, report };
}
