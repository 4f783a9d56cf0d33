import { fromBuffer, Rng, Tensor, type DType } from '@matgrad/core';
import { argumentError, checkDtype, checkOptions, describeValue, isArrayLike } from '../validate.js';
import { TensorDataset, type Labels } from './dataset.js';

/** Options of {@link trainTestSplit}. */
export interface SplitOptions {
  /** The share of samples held out for testing, in (0, 1); or give `testSize`. */
  testFraction?: number;
  /** The number of samples held out for testing. */
  testSize?: number;
  /** Seeds the shuffle that precedes the split. */
  seed: number;
}

const SPLIT_OPTIONS: Record<keyof SplitOptions, true> = { testFraction: true, testSize: true, seed: true };

/** A seeded random split into a training and a test set. */
export function trainTestSplit(dataset: TensorDataset, options: SplitOptions): TrainTestSplit {
  if (!(dataset instanceof TensorDataset)) throw argumentError('trainTestSplit', 'dataset', 'a TensorDataset', dataset);
  const n = dataset.length;
  const { testFraction, testSize, seed } = checkOptions('trainTestSplit', options, SPLIT_OPTIONS, { required: true, example: '{ testFraction: 0.2, seed: 1 }' });
  if (!Number.isInteger(seed)) throw argumentError('trainTestSplit', 'seed', 'an integer (the split is always reproducible)', seed);
  if ((testFraction === undefined) === (testSize === undefined)) {
    throw new TypeError('trainTestSplit: give exactly one of testFraction and testSize');
  }
  if (testFraction !== undefined && !(typeof testFraction === 'number' && testFraction > 0 && testFraction < 1)) {
    throw argumentError('trainTestSplit', 'testFraction', 'in (0, 1)', testFraction, 'range');
  }
  const nTest = testSize ?? Math.round(n * testFraction!);
  if (!Number.isInteger(nTest) || nTest < 1 || nTest >= n) {
    throw new RangeError(`trainTestSplit: the test set must hold between 1 and ${n - 1} of the ${n} samples, got ${describeValue(nTest)}`);
  }
  const order = new Rng(seed).permutation(n);
  const take = (indices: Int32Array): TensorDataset => {
    const { x, y } = dataset.batch(indices);
    return new TensorDataset(x, y);
  };
  return { test: take(order.subarray(0, nTest)), train: take(order.subarray(nTest)) };
}

/** The two parts of a {@link trainTestSplit}. */
export interface TrainTestSplit {
  /** The samples to train on. */
  train: TensorDataset;
  /** The samples held out. */
  test: TensorDataset;
}

/** Class indices [N] → one-hot rows [N, numClasses]. */
export function oneHot(labels: Labels, numClasses: number, options: { dtype?: DType } = {}): Tensor {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw argumentError('oneHot', 'numClasses', 'a positive integer', numClasses, 'range');
  if (labels instanceof Tensor && labels.shape.length !== 1) {
    throw new RangeError(`oneHot: labels must be 1-D class indices, got shape [${labels.shape.join(',')}]`);
  }
  if (!(labels instanceof Tensor) && !isArrayLike(labels)) {
    throw argumentError('oneHot', 'labels', 'class indices: a 1-D Tensor, an array or a typed array', labels);
  }
  const { dtype = 'float64' } = checkOptions('oneHot', options, { dtype: true }, { example: "{ dtype: 'float32' }" });
  checkDtype('oneHot', dtype);
  const values: ArrayLike<number> = labels instanceof Tensor ? labels.values() : labels;
  const out = dtype === 'float32' ? new Float32Array(values.length * numClasses) : new Float64Array(values.length * numClasses);
  for (let i = 0; i < values.length; i++) {
    const k = values[i]!;
    if (!Number.isInteger(k) || k < 0 || k >= numClasses) {
      throw new RangeError(`oneHot: label ${describeValue(k)} at position ${i} is not a class index in [0, ${numClasses - 1}]`);
    }
    out[i * numClasses + k] = 1;
  }
  return fromBuffer(out, [values.length, numClasses]);
}
