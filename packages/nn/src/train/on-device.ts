import { argmax, concat, eq, noGrad, softmaxCrossEntropy, Tensor, tidy } from '@matgrad/core';
import type { Batch } from '../data/dataset.js';
import type { Loss } from '../losses.js';
import type { Module } from '../module.js';
import { formatShape } from '../shapes.js';
import type { EpochRecord, Evaluation, FitOptions } from './fit.js';
import { RunningScore } from './metrics.js';

const defaultLoss: Loss = (output: Tensor, target: Tensor) => softmaxCrossEntropy(output, target);

/** One batch's [loss, correct] (or [loss] where accuracy does not apply), on the device. */
interface Scored {
  values: Promise<ArrayLike<number>>;
  size: number;
  hasAccuracy: boolean;
}

/**
 * How many rows of `output` [N, C] pick the class of `target` (indices [N] or one-hot rows
 * [N, C]), computed where the tensors live; null where accuracy does not apply. The same
 * rule as `countCorrect`: the first largest score is the prediction.
 */
function correctOnDevice(output: Tensor, target: Tensor): Tensor | null {
  if (output.shape.length !== 2 || output.shape[1]! < 2) return null;
  const [n, c] = output.shape as [number, number];
  const indexTargets = target.shape.length === 1 && target.shape[0] === n;
  const oneHotTargets = target.shape.length === 2 && target.shape[0] === n && target.shape[1] === c;
  if (!indexTargets && !oneHotTargets) return null;
  const expected = indexTargets ? target : argmax(target, 1);
  return eq(argmax(output, 1), expected).sum();
}

/** Starts reading a batch's loss and correct count; the read is recorded at once, so the
 *  tensors may go back to the pool when the step's tidy ends. */
function score(value: Tensor, output: Tensor, target: Tensor, size: number): Scored {
  return noGrad(() => {
    const correct = correctOnDevice(output, target);
    const loss = value.detach().reshape([1]);
    const both = correct === null ? loss : concat([loss, correct.reshape([1]).cast(loss.dtype)]);
    return { values: both.data(), size, hasAccuracy: correct !== null };
  });
}

function add(running: RunningScore, { size, hasAccuracy }: Scored, values: ArrayLike<number>): number {
  running.add(values[0]!, size, hasAccuracy ? values[1]! : null);
  return values[0]!;
}

/**
 * `fit` for every backend, the GPU's included: the same loop, options, callbacks and records,
 * but values come back through promises. Each batch's loss and correct count are computed on
 * the device and read while the next batch runs (so the device never waits for the host):
 * `onBatch` hears of batch b once batch b + 1 has been recorded. On the CPU backends it gives
 * the same records as `fit`.
 */
export async function fitOnDevice(model: Module, loader: Iterable<Batch>, options: FitOptions): Promise<EpochRecord[]> {
  const { epochs, optimizer, loss = defaultLoss, validation, lrSchedule, onEpochStart, onBatch, onEpoch } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`fitOnDevice: epochs must be a non-negative integer, got ${epochs}`);
  if (optimizer === undefined) throw new TypeError('fitOnDevice: options.optimizer is required (e.g. new SGD(model, { lr: 0.1 }))');
  const history: EpochRecord[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    if (lrSchedule !== undefined) optimizer.lr = lrSchedule(epoch);
    onEpochStart?.(epoch);
    model.train();
    const running = new RunningScore();
    const started = performance.now();
    const batches = loader[Symbol.iterator]();
    let previous: Scored | null = null;
    const report = async (scored: Scored, batch: number): Promise<void> => {
      const lossValue = add(running, scored, await scored.values);
      onBatch?.({ epoch, batch, loss: lossValue, size: scored.size });
    };
    for (let batch = 0; ; batch++) {
      const scored = tidy(() => {
        const next = batches.next();
        if (next.done === true) return null;
        const { x, y } = next.value;
        optimizer.zeroGrad();
        const output = model.forward(x);
        const value = loss(output, y);
        value.backward();
        optimizer.step();
        return score(value, output, y, x.shape[0]!);
      });
      if (previous !== null) await report(previous, batch - 1);
      if (scored === null) break;
      previous = scored;
    }
    if (running.count === 0) throw new RangeError('fitOnDevice: the loader gave no batches');
    const record: EpochRecord = { epoch, loss: running.loss, accuracy: running.accuracy, time: performance.now() - started, lr: optimizer.lr };
    if (validation !== undefined) record.validation = await evaluateOnDevice(model, validation, { loss });
    history.push(record);
    onEpoch?.(record);
  }
  return history;
}

/** Runs `step` for each batch with the model in eval mode and no graph recorded (each step
 *  in its own tidy), restoring the mode afterwards; the steps' reads are awaited together. */
async function inference<T>(model: Module, loader: Iterable<Batch>, step: (batch: Batch) => T): Promise<T[]> {
  const wasTraining = model.training;
  model.eval();
  try {
    const results: T[] = [];
    for (const batch of loader) results.push(noGrad(() => tidy(() => step(batch))));
    return results;
  } finally {
    model.train(wasTraining);
  }
}

/** `evaluate` for every backend: loss and accuracy over a loader, in eval mode and without
 *  recording a graph, the scores computed on the device and read once at the end. */
export async function evaluateOnDevice(model: Module, loader: Iterable<Batch>, options: { loss?: Loss } = {}): Promise<Evaluation> {
  const loss = options.loss ?? defaultLoss;
  const scored = await inference(model, loader, ({ x, y }) => {
    const output = model.forward(x);
    return score(loss(output, y), output, y, x.shape[0]!);
  });
  const running = new RunningScore();
  const values = await Promise.all(scored.map((s) => s.values));
  scored.forEach((s, i) => add(running, s, values[i]!));
  return { loss: running.loss, accuracy: running.accuracy, count: running.count };
}

/** `predict` for every backend: the arg-max class of every row of the batches' `x` (or of one
 *  input tensor), computed on the device and read once. */
export async function predictOnDevice(model: Module, inputs: Iterable<Batch> | Tensor): Promise<Int32Array> {
  const loader: Iterable<Batch> = inputs instanceof Tensor ? [{ x: inputs, y: inputs }] : inputs;
  const parts = await inference(model, loader, ({ x }) => {
    const scores = model.forward(x);
    if (scores.shape.length !== 2 || scores.shape[0] !== x.shape[0] || scores.shape[1]! < 2) {
      throw new RangeError(
        `predictOnDevice: the model gave ${formatShape(scores.shape)} for an input of shape ${formatShape(x.shape)}; expected class scores [N, C] with N = ${x.shape[0]} rows and C ≥ 2 classes`,
      );
    }
    return { classes: argmax(scores, 1).data() };
  });
  const classes = await Promise.all(parts.map((p) => p.classes));
  const out = new Int32Array(classes.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of classes) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
