import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fromBuffer, getBackend, setBackend } from '@matgrad/core';
import { accuracyFromCounts, confusionMatrix, constantLr, cosineLr, createOptimizer, DataLoader, fitAsync, fitOnDevice, predict, predictOnDevice, TensorDataset, type Dataset, type EpochRecord, type FitOptions } from '@matgrad/nn';
import { loadCheckpoint, saveCheckpoint } from '@matgrad/nn/node';
import { displayPath } from '../cli/command.js';
import { useBackend } from '../cli/backend.js';
import { createEpochProgress, type ProgressStream } from '../cli/progress.js';
import { DIGIT_CLASSES, PIXELS_PER_DIGIT, type Digits } from '../data/digits.js';
import { writeFileAtomic } from '../files/atomic-file.js';
import { writeSvgFigure } from '../figures/render.js';
import { confusionSpec, curveSpec, vegaLiteToSvg } from './charts.js';
import { limitDigits, loadTrainingData } from './data.js';
import { buildModel, describeModel, saveModel, WEIGHTS_FILE, type ModelSpec } from './model-file.js';
import type { TrainOptions } from './options.js';
import { toReadableJson } from './readable-json.js';
import { CHECKPOINT_FILE, trainerMetadata, type ResumePoint } from './resume.js';
import { createRunFolder } from './run-folder.js';
import { writeRunFiles } from './run-output.js';
import { ShiftedDigits } from './shifted-digits.js';

/** Where a training run prints. */
export interface TrainIo {
  /** The summary, line by line (stdout). */
  log: (line: string) => void;
  /** Where the epoch progress goes: a bar redrawn in place on a terminal, plain lines otherwise. */
  progress: ProgressStream;
}

/** One finished epoch as metrics.json records it. */
export interface EpochMetrics {
  /** Counted from 1. */
  epoch: number;
  /** The learning rate during the epoch. */
  lr: number;
  /** Mean training loss over the epoch. */
  loss: number;
  /** Training accuracy over the epoch. */
  accuracy: number;
  /** Mean loss on the held-out digits after the epoch. */
  testLoss: number;
  /** Accuracy on the held-out digits after the epoch. */
  testAccuracy: number;
  /** Wall time of the epoch's training. */
  seconds: number;
  /** Training digits per second. */
  samplesPerSecond: number;
}

/** What metrics.json holds. */
export interface TrainReport {
  /** The run's options. */
  options: TrainOptions;
  /** Where the digits came from and how many were used. */
  data: { source: string; train: number; test: number };
  /** The model, with its parameter count. */
  model: ModelSpec & { parameters: number };
  /** Every epoch, in order. */
  epochs: EpochMetrics[];
  /** The final model on the held-out digits. */
  test: { accuracy: number; loss: number; correct: number; count: number };
  /** The final model's counts by true and predicted digit. */
  confusionMatrix: { rows: 'true digit'; columns: 'predicted digit'; counts: number[][] };
  /** Wall times: the whole run, training alone, and training digits per second. */
  time: { seconds: number; trainSeconds: number; samplesPerSecond: number };
  /** The files written, by kind. */
  files: Record<'weights' | 'metrics' | 'lossCurve' | 'accuracyCurve' | 'confusionMatrix', string[]>;
}

/** The run's report, in the run folder. */
export const METRICS_FILE = 'metrics.json';

function featuresTensor(digits: Digits) {
  return fromBuffer(digits.features, [digits.count, PIXELS_PER_DIGIT]);
}

function trainingSet(train: Digits, options: TrainOptions): Dataset {
  return options.shift > 0 ? new ShiftedDigits(train, options.shift, options.seed) : new TensorDataset(featuresTensor(train), train.labels);
}

const figureFiles = (name: string) => [`${name}.svg`, `${name}.png`];

/** The held-out digits are scored in batches of this many: a CNN's im2col of 1000 digits would be a 60 MB matrix. */
const TEST_BATCH = 250;

function modelSpec(options: TrainOptions): ModelSpec {
  if (options.model === 'cnn') return { kind: 'cnn', channels: [...options.channels], hidden: [...options.hidden], dtype: options.dtype };
  return { sizes: [PIXELS_PER_DIGIT, ...options.hidden, DIGIT_CLASSES], activation: options.activation, dropout: options.dropout, dtype: options.dtype };
}

/** One finished epoch as metrics.json records it. */
function epochMetrics(r: EpochRecord, samples: number): EpochMetrics {
  return {
    epoch: r.epoch,
    lr: r.lr,
    loss: r.loss,
    accuracy: r.accuracy!,
    testLoss: r.validation!.loss,
    testAccuracy: r.validation!.accuracy!,
    seconds: r.time / 1000,
    samplesPerSecond: samples / (r.time / 1000),
  };
}

/**
 * Trains an MLP (or a CNN) on MNIST with nn's fitAsync and writes the run folder: weights, metrics,
 * curves, confusion matrix. After every epoch a checkpoint is saved in the folder; `resume`
 * continues a run from it, exactly as if it had not stopped, and the finished run removes it.
 */
export async function trainMnist(options: TrainOptions, io: TrainIo, resume: ResumePoint | null = null): Promise<{ folder: string; report: TrainReport }> {
  const previous = getBackend();
  try {
    // A backend that reads only through promises (a GPU) trains with nn's fitOnDevice, without checkpoints.
    const synchronous = options.backend === null || (await useBackend(options.backend)).readsSynchronously;
    if (!synchronous && resume !== null) throw new Error(`train: --resume needs a CPU backend; the '${options.backend}' backend keeps no checkpoints`);
    return await trainOn(options, io, resume, synchronous);
  } finally {
    setBackend(previous);
  }
}

async function trainOn(options: TrainOptions, io: TrainIo, resume: ResumePoint | null, synchronous: boolean): Promise<{ folder: string; report: TrainReport }> {
  const started = performance.now();
  const data = await loadTrainingData(options.idx, options.dtype);
  // After the data loaded: a bad --idx leaves no empty run folder behind.
  const folder = await createRunFolder(options.out);
  const train = limitDigits(data.train, options.limit);
  const test = data.test;

  const spec = modelSpec(options);
  const model = buildModel(spec, options.seed);
  const optimizer = createOptimizer(options.optimizer, model, { lr: options.lr });
  const loader = new DataLoader(trainingSet(train, options), { batchSize: options.batchSize, shuffle: true, seed: options.seed });
  const heldOut = new DataLoader(new TensorDataset(featuresTensor(test), test.labels), { batchSize: TEST_BATCH });
  const checkpoint = join(folder, CHECKPOINT_FILE);
  const epochs: EpochMetrics[] = [...(resume?.epochs ?? [])];
  const initialEpoch = resume === null ? 0 : (await loadCheckpoint(resume.checkpoint, { model, optimizer, loader })).epoch;
  if (resume !== null) io.log(`resuming ${resume.folder} after epoch ${initialEpoch} of ${options.epochs}`);

  io.log(
    `training ${describeModel(spec)} (${model.parameterCount().toLocaleString('en-US')} parameters, ${spec.dtype}) with ${options.optimizer} lr ${options.lr} (${options.schedule}) ` +
      `on ${train.count} digits, testing on ${test.count}; ${data.source}; writing to ${displayPath(folder)}`,
  );
  const progress = createEpochProgress(io.progress);
  let seen = 0;
  let lossSum = 0;
  // Each save reads the state at once and writes while training goes on (fitAsync yields).
  const checkpointWrites: Array<Promise<void>> = [];
  const fitOptions: FitOptions = {
    epochs: options.epochs,
    initialEpoch,
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
    onEpoch: (record) => {
      epochs.push(epochMetrics(record, train.count));
      if (synchronous) {
        const write = saveCheckpoint(checkpoint, { model, optimizer, loader, epoch: record.epoch, metadata: trainerMetadata({ options, epochs }) });
        write.catch(() => {}); // awaited below; this only keeps a failure from counting as unhandled meanwhile
        checkpointWrites.push(write);
      }
      progress.endEpoch({
        loss: record.loss,
        accuracy: record.accuracy ?? undefined,
        testLoss: record.validation?.loss,
        testAccuracy: record.validation?.accuracy ?? undefined,
        seconds: record.time / 1000,
        samples: train.count,
      });
    },
  };
  const training = synchronous ? fitAsync(model, loader, fitOptions) : fitOnDevice(model, loader, fitOptions);
  // Even when training fails, the checkpoints already begun are finished before the error is reported.
  await Promise.allSettled([training]);
  await Promise.all(checkpointWrites);
  await training;

  const final = epochs[epochs.length - 1]!;
  const last = { loss: final.testLoss, accuracy: final.testAccuracy };
  const counts = confusionMatrix(test.labels, synchronous ? predict(model, heldOut) : await predictOnDevice(model, heldOut), DIGIT_CLASSES);
  const correct = counts.reduce((sum, row, i) => sum + row[i]!, 0);
  if (Math.abs(accuracyFromCounts(counts) - last.accuracy!) > 1e-12) {
    throw new Error(`train: the confusion matrix gives accuracy ${accuracyFromCounts(counts)}, but evaluate gave ${last.accuracy}`);
  }
  const trainSeconds = epochs.reduce((s, e) => s + e.seconds, 0);

  const report = await writeRunFiles(folder, async (): Promise<TrainReport> => {
    await saveModel(model, spec, data.source, join(folder, WEIGHTS_FILE));
    const curves = epochs.map((e) => ({ epoch: e.epoch, loss: { train: e.loss, test: e.testLoss }, accuracy: { train: e.accuracy, test: e.testAccuracy } }));
    await writeSvgFigure(await vegaLiteToSvg(curveSpec('Loss per epoch', 'mean cross-entropy', curves.map((c) => ({ epoch: c.epoch, ...c.loss })))), join(folder, 'loss'));
    await writeSvgFigure(
      await vegaLiteToSvg(curveSpec('Accuracy per epoch', 'accuracy', curves.map((c) => ({ epoch: c.epoch, ...c.accuracy })), { percent: true })),
      join(folder, 'accuracy'),
    );
    await writeSvgFigure(await vegaLiteToSvg(confusionSpec(counts, last.accuracy!)), join(folder, 'confusion-matrix'));

    const written: TrainReport = {
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
    await writeFileAtomic(join(folder, METRICS_FILE), `${toReadableJson(written)}\n`);
    await rm(checkpoint, { force: true });
    return written;
  });
  return { folder, report };
}
