import { Rng } from '@matgrad/core';
import { argumentError, checkBoolean, checkOptions, checkSeeded } from '../validate.js';
import type { Batch, Dataset } from './dataset.js';

export interface DataLoaderOptions {
  batchSize: number;
  /** Draw a new order every epoch (requires `seed` or `rng`). Default false. */
  shuffle?: boolean;
  seed?: number;
  rng?: Rng;
  /** Skip the last batch when it is smaller than `batchSize`. Default false. */
  dropLast?: boolean;
}

const LOADER_OPTIONS: Record<keyof DataLoaderOptions, true> = { batchSize: true, shuffle: true, seed: true, rng: true, dropLast: true };

/**
 * Mini-batches over a dataset, for `for (const { x, y } of loader)`. Each pass is one epoch;
 * with `shuffle`, every pass draws a fresh permutation from one seeded stream, so the
 * sequence of epochs is reproducible.
 */
export class DataLoader implements Iterable<Batch> {
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly #rng: Rng | null;

  constructor(dataset: Dataset, options: DataLoaderOptions) {
    if (dataset === null || typeof dataset !== 'object' || typeof dataset.batch !== 'function' || !Number.isInteger(dataset.length) || dataset.length < 0) {
      throw argumentError('DataLoader', 'dataset', 'a dataset with length and batch(indices) (e.g. a TensorDataset)', dataset);
    }
    const { batchSize, shuffle = false, dropLast = false } = checkOptions('DataLoader', options, LOADER_OPTIONS, { required: true, example: '{ batchSize: 32 }' });
    if (!Number.isInteger(batchSize) || batchSize < 1) throw argumentError('DataLoader', 'batchSize', 'a positive integer', batchSize, 'range');
    checkBoolean('DataLoader', 'shuffle', shuffle);
    checkBoolean('DataLoader', 'dropLast', dropLast);
    checkSeeded('DataLoader', options);
    if (shuffle && options.rng === undefined && options.seed === undefined) {
      throw new TypeError('DataLoader: shuffle needs { seed } (an integer) or { rng }; the order of batches is always reproducible');
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.#rng = shuffle ? (options.rng ?? new Rng(options.seed!)) : null;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<Batch> {
    const n = this.dataset.length;
    const order = this.#rng === null ? null : this.#rng.permutation(n);
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const start = b * this.batchSize;
      const end = Math.min(start + this.batchSize, n);
      const indices = order === null ? range(start, end) : order.subarray(start, end);
      yield this.dataset.batch(indices);
    }
  }
}

function range(start: number, end: number): Int32Array {
  const out = new Int32Array(end - start);
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}
