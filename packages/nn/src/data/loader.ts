import type { Rng } from '@matgrad/core';
import { argumentError, checkBoolean, checkOptions, checkSeeded } from '../validate.js';
import type { Batch, Dataset } from './dataset.js';
import { ResumableRng, type RngState } from './resumable-rng.js';

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Samples per batch (the last batch may be smaller, see `dropLast`). */
  batchSize: number;
  /** Draw a new order every epoch (requires `seed` or `rng`). Default false. */
  shuffle?: boolean;
  /** Seeds the shuffle; the loader then keeps a stream of its own, whose position `state()` saves. */
  seed?: number;
  /** A stream to shuffle with instead of `seed` (a `ResumableRng`, for `state()` to work). */
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
  /** Where the batches come from. */
  readonly dataset: Dataset;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch draws a new order. */
  readonly shuffle: boolean;
  /** Whether a last, smaller batch is left out. */
  readonly dropLast: boolean;
  #rng: Rng | null;

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
    this.#rng = shuffle ? (options.rng ?? new ResumableRng(options.seed!)) : null;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * Where the loader stands, for a checkpoint: how far its shuffle stream has gone (one
   * permutation per epoch started) and, when the dataset can save its own state (a dataset
   * that draws random augmentations), that too. Take it between epochs.
   */
  state(): DataLoaderState {
    const order = this.#rng === null ? null : streamState(this.#rng);
    return isResumable(this.dataset) ? { order, dataset: this.dataset.state() } : { order };
  }

  /** Puts the loader (and a resumable dataset) back where `state()` was taken: the next
   *  epoch draws the order the original loader would have drawn. */
  loadState(state: DataLoaderState): void {
    const who = 'DataLoader.loadState';
    if (state === null || typeof state !== 'object' || !('order' in state)) {
      throw new TypeError(`${who}: expected a DataLoader state { order, dataset? }, got ${JSON.stringify(state)}`);
    }
    if ((state.order === null) !== (this.#rng === null)) {
      throw new TypeError(`${who}: the state is of a loader ${state.order === null ? 'without' : 'with'} shuffle; this one ${this.#rng === null ? 'does not shuffle' : 'shuffles'}`);
    }
    if ((state.dataset !== undefined) !== isResumable(this.dataset)) {
      throw new TypeError(`${who}: the state ${state.dataset === undefined ? 'has no' : 'has a'} dataset state; this loader's dataset ${isResumable(this.dataset) ? 'keeps one' : 'keeps none'}`);
    }
    const order = state.order === null ? null : ResumableRng.fromState(state.order);
    if (state.dataset !== undefined) (this.dataset as ResumableDataset).loadState(state.dataset);
    this.#rng = order;
  }

  /** One epoch: the batches in order (a new permutation with `shuffle`). */
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

/** What `DataLoader.state()` returns: plain, JSON-safe data. */
export interface DataLoaderState {
  /** The shuffle stream's position; null for a loader that does not shuffle. */
  order: RngState | null;
  /** The dataset's own state, when it keeps one (see `ResumableDataset`). */
  dataset?: unknown;
}

/** A dataset whose batches depend on state of its own (random augmentations): a loader
 *  saves and restores it with its own. `state()` must return plain, JSON-safe data. */
export interface ResumableDataset extends Dataset {
  /** The dataset's state as plain, JSON-safe data. */
  state(): unknown;
  /** Puts the dataset back where `state()` was taken. */
  loadState(state: unknown): void;
}

function isResumable(dataset: Dataset): dataset is ResumableDataset {
  const d = dataset as Partial<ResumableDataset>;
  return typeof d.state === 'function' && typeof d.loadState === 'function';
}

function streamState(rng: Rng): RngState {
  if (!(rng instanceof ResumableRng)) {
    throw new TypeError('DataLoader.state: this loader shuffles with an Rng that cannot report its position; build it with { seed } or { rng: new ResumableRng(seed) }');
  }
  return rng.state();
}
