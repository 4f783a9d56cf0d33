import { argmax, concat, eq, noGrad, softmaxCrossEntropy, Tensor, tidy } from '@matgrad/core';
import type { Batch } from '../data/dataset.js';
import type { Loss } from '../losses.js';
import type { Module } from '../module.js';
import { formatShape } from '../shapes.js';
import type { Evaluation } from './fit.js';
import { RunningScore } from './metrics.js';

const defaultLoss: Loss = (output: Tensor, target: Tensor) => softmaxCrossEntropy(output, target);

/** One batch's [loss, correct] (or [loss] where accuracy does not apply), read from the device. */
export interface Scored {
  values: Promise<ArrayLike<number>>;
  size: number;
  /** Adds the read values to a running score; returns the batch's loss. */
  record(running: RunningScore, values: ArrayLike<number>): number;
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
export function scoreOnDevice(value: Tensor, output: Tensor, target: Tensor, size: number): Scored {
  return noGrad(() => {
    const correct = correctOnDevice(output, target);
    const loss = value.detach().reshape([1]);
    const both = correct === null ? loss : concat([loss, correct.reshape([1]).cast(loss.dtype)]);
    const hasAccuracy = correct !== null;
    return {
      values: both.data(),
      size,
      record: (running, values) => {
        running.add(values[0]!, size, hasAccuracy ? values[1]! : null);
        return values[0]!;
      },
    };
  });
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
    return scoreOnDevice(loss(output, y), output, y, x.shape[0]!);
  });
  const running = new RunningScore();
  const values = await Promise.all(scored.map((s) => s.values));
  scored.forEach((s, i) => s.record(running, values[i]!));
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
