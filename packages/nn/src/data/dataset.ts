import { noGrad, Tensor, tensor } from '@matgrad/core';
import { formatShape } from '../shapes.js';
import { argumentError, checkTensor, describeValue, isArrayLike } from '../validate.js';

/** One mini-batch: inputs and their targets, row i of `y` belonging to row i of `x`. */
export interface Batch {
  /** Inputs, one sample per row: [N, …]. */
  x: Tensor;
  /** Targets, row i for sample i: class indices [N], one-hot rows [N, C] or values. */
  y: Tensor;
}

/** Anything a DataLoader can draw batches from. */
export interface Dataset {
  /** The number of samples. */
  readonly length: number;
  /** The rows at `indices`, in that order, as one batch. */
  batch(indices: ArrayLike<number>): Batch;
}

/** Labels may be given as plain numbers; they become a float tensor of `dtype`. */
export type Labels = Tensor | readonly number[] | Int32Array | Uint8Array | Uint16Array | Float32Array | Float64Array;

/**
 * Samples stored as two tensors whose first axis is the sample: x [N, …] and y [N, …]
 * (class indices [N], one-hot rows [N, C] or regression targets).
 * A batch of consecutive rows is a view of the data (no copy); any other batch is gathered
 * by core's `take` into a buffer from the backend's pool.
 */
export class TensorDataset implements Dataset {
  /** All inputs, [N, …]. */
  readonly x: Tensor;
  /** All targets, [N, …]. */
  readonly y: Tensor;

  constructor(x: Tensor, y: Labels) {
    checkTensor('TensorDataset', 'x', x, 'a Tensor with the sample axis first ([N, …])');
    if (x.shape.length === 0) throw argumentError('TensorDataset', 'x', 'a Tensor with the sample axis first ([N, …])', x, 'range');
    const labels = y instanceof Tensor ? y : tensor(labelNumbers(y), { dtype: x.dtype });
    if (labels.shape.length === 0 || labels.shape[0] !== x.shape[0]) {
      throw new RangeError(`TensorDataset: x ${formatShape(x.shape)} and y ${formatShape(labels.shape)} must have the same number of samples (first axis)`);
    }
    this.x = x;
    this.y = labels;
  }

  /** N, the number of samples. */
  get length(): number {
    return this.x.shape[0]!;
  }

  batch(indices: ArrayLike<number>): Batch {
    if (!isArrayLike(indices)) throw argumentError('TensorDataset.batch', 'indices', 'an array or typed array of row indices', indices);
    const n = this.length;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`TensorDataset.batch: index ${describeValue(i)} is out of range for ${n} samples`);
    }
    return { x: rows(this.x, indices), y: rows(this.y, indices) };
  }
}

/** Labels given as numbers, checked here so that a wrong one is reported by TensorDataset. */
function labelNumbers(y: unknown): number[] {
  if (!isArrayLike(y)) throw argumentError('TensorDataset', 'y', 'a Tensor, an array or a typed array of labels', y);
  const numbers = Array.from(y);
  const bad = numbers.findIndex((v) => typeof v !== 'number');
  if (bad >= 0) throw argumentError('TensorDataset', `y[${bad}]`, 'a number', numbers[bad]);
  return numbers as number[];
}

/** The samples at `indices`: a window onto `t` (no copy) when they are consecutive, else gathered
 *  by core's take, on the tensor's backend. */
function rows(t: Tensor, indices: ArrayLike<number>): Tensor {
  return noGrad(() => {
    if (isRun(indices)) {
      const start = indices.length === 0 ? 0 : indices[0]!;
      return t.slice([[start, start + indices.length]]);
    }
    return t.take(Int32Array.from(indices), 0);
  });
}

/** Whether the indices are consecutive and increasing, so the rows are one slice. */
function isRun(indices: ArrayLike<number>): boolean {
  for (let k = 1; k < indices.length; k++) if (indices[k] !== indices[k - 1]! + 1) return false;
  return true;
}
