import { softmaxCrossEntropy, tidy, type Tensor } from '@matgrad/core';
import type { Batch } from '../data/dataset.js';
import type { Loss } from '../losses.js';
import type { Module } from '../module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LrSchedule } from '../optim/schedules.js';
import { checkedBatches, checkEvaluateArguments, checkFitArguments } from './arguments.js';
import { inInferenceMode } from './inference.js';
import { countCorrect, RunningScore } from './metrics.js';

export interface Evaluation {
  /** Mean loss per sample. */
  loss: number;
  /** Share of samples classified right; null when the targets are not classes. */
  accuracy: number | null;
  count: number;
}

export interface EpochRecord {
  /** Counted from 1. */
  epoch: number;
  /** Mean training loss per sample over the epoch (the model changing as it went). */
  loss: number;
  accuracy: number | null;
  /** Wall time of the epoch's training, in milliseconds. */
  time: number;
  /** The optimizer's learning rate during the epoch. */
  lr: number;
  /** On the validation data, after the epoch, when `validation` was given. */
  validation?: Evaluation;
}

export interface BatchReport {
  epoch: number;
  /** Counted from 0 within the epoch. */
  batch: number;
  loss: number;
  size: number;
}

export interface FitOptions {
  epochs: number;
  optimizer: Optimizer;
  /** Default: softmaxCrossEntropy (the output is taken as logits). */
  loss?: Loss;
  validation?: Iterable<Batch>;
  /** Sets the optimizer's learning rate before each epoch. */
  lrSchedule?: LrSchedule;
  onEpochStart?: (epoch: number) => void;
  onBatch?: (report: BatchReport) => void;
  onEpoch?: (record: EpochRecord) => void;
}

const defaultLoss: Loss = (output: Tensor, target: Tensor) => softmaxCrossEntropy(output, target);

/** The training loop: for each epoch and batch, forward, loss, backward, optimizer step.
 *  Returns one record per epoch. */
export function fit(model: Module, loader: Iterable<Batch>, options: FitOptions): EpochRecord[] {
  const { epochs, optimizer, loss = defaultLoss, validation, lrSchedule, onEpochStart, onBatch, onEpoch } = checkFitArguments(model, loader, options);
  const history: EpochRecord[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    if (lrSchedule !== undefined) optimizer.lr = lrSchedule(epoch);
    onEpochStart?.(epoch);
    model.train();
    const score = new RunningScore();
    const started = performance.now();
    let batch = 0;
    const batches = checkedBatches('fit', loader)[Symbol.iterator]();
    for (;;) {
      // Each step's batch, activations and temporaries go back to the backend's pool at its end.
      const step = tidy(() => {
        const next = batches.next();
        if (next.done === true) return null;
        const { x, y } = next.value;
        optimizer.zeroGrad();
        const output = model.forward(x);
        const value = loss(output, y);
        value.backward();
        optimizer.step();
        const report = { loss: value.item(), size: x.shape[0]! };
        score.add(report.loss, report.size, countCorrect(output, y));
        return report;
      });
      if (step === null) break;
      onBatch?.({ epoch, batch: batch++, ...step });
    }
    if (score.count === 0) throw new RangeError('fit: the loader gave no batches');
    const record: EpochRecord = { epoch, loss: score.loss, accuracy: score.accuracy, time: performance.now() - started, lr: optimizer.lr };
    if (validation !== undefined) record.validation = evaluate(model, validation, { loss });
    history.push(record);
    onEpoch?.(record);
  }
  return history;
}

/** Loss and accuracy over a loader, in eval mode and without recording a graph; the
 *  model's mode is restored afterwards. */
export function evaluate(model: Module, loader: Iterable<Batch>, options: { loss?: Loss } = {}): Evaluation {
  const loss = checkEvaluateArguments(model, loader, options).loss ?? defaultLoss;
  return inInferenceMode(model, () => {
    const score = new RunningScore();
    for (const { x, y } of checkedBatches('evaluate', loader)) {
      tidy(() => {
        const output = model.forward(x);
        score.add(loss(output, y).item(), x.shape[0]!, countCorrect(output, y));
      });
    }
    // As fit does: a mean over no samples would be a NaN loss, not an answer.
    if (score.count === 0) throw new RangeError('evaluate: the loader gave no batches (or only empty ones); expected at least one sample');
    return { loss: score.loss, accuracy: score.accuracy, count: score.count };
  });
}
