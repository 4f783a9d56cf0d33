import { fromBuffer, Tensor, tensor, type FloatArray } from '@matgrad/core';
import { formatShape } from '../shapes.js';

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
 * A batch of consecutive rows is a view of the data (no copy); any other batch is copied
 * once, row by row, into fresh buffers.
 */
export class TensorDataset implements Dataset {
  /** All inputs, [N, …]. */
  readonly x: Tensor;
  /** All targets, [N, …]. */
  readonly y: Tensor;
  readonly #xData: FloatArray;
  readonly #yData: FloatArray;

  constructor(x: Tensor, y: Labels) {
    if (!(x instanceof Tensor) || x.shape.length === 0) throw new TypeError('TensorDataset: x must be a tensor with a sample axis first ([N, …])');
    const labels = y instanceof Tensor ? y : tensor(Array.isArray(y) ? y : Array.from(y as ArrayLike<number>), { dtype: x.dtype });
    if (labels.shape.length === 0 || labels.shape[0] !== x.shape[0]) {
      throw new RangeError(`TensorDataset: x ${formatShape(x.shape)} and y ${formatShape(labels.shape)} must have the same number of samples (first axis)`);
    }
    this.x = x;
    this.y = labels;
    this.#xData = x.values();
    this.#yData = labels.values();
  }

  /** N, the number of samples. */
  get length(): number {
    return this.x.shape[0]!;
  }

  batch(indices: ArrayLike<number>): Batch {
    const n = this.length;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`TensorDataset.batch: index ${i} is out of range for ${n} samples`);
    }
    return { x: rows(this.#xData, this.x.shape, indices), y: rows(this.#yData, this.y.shape, indices) };
  }
}

function rows(data: FloatArray, shape: readonly number[], indices: ArrayLike<number>): Tensor {
  const width = shape.slice(1).reduce((a, b) => a * b, 1);
  const outShape = [indices.length, ...shape.slice(1)];
  if (isRun(indices)) {
    const start = indices.length === 0 ? 0 : indices[0]! * width;
    return fromBuffer(data.subarray(start, start + indices.length * width), outShape);
  }
  const out = data instanceof Float32Array ? new Float32Array(indices.length * width) : new Float64Array(indices.length * width);
  for (let k = 0; k < indices.length; k++) {
    const from = indices[k]! * width;
    if (width === 1) out[k] = data[from]!;
    else out.set(data.subarray(from, from + width), k * width);
  }
  return fromBuffer(out, outShape);
}

/** Whether the indices are consecutive and increasing, so the rows are one slice. */
function isRun(indices: ArrayLike<number>): boolean {
  for (let k = 1; k < indices.length; k++) if (indices[k] !== indices[k - 1]! + 1) return false;
  return true;
}
