import { fromBuffer, Rng, type DType } from '@matgrad/core';
import { argumentError, checkDtype, checkOptions } from '../validate.js';
import { TensorDataset } from './dataset.js';

/** Options of {@link spiral}. */
export interface SpiralOptions {
  /** Default 100. */
  pointsPerClass?: number;
  /** Number of arms, one class each. Default 3. */
  classes?: number;
  /** Standard deviation of the angle noise. Default 0.2. */
  noise?: number;
  /** Seeds the noise. */
  seed: number;
  /** Default 'float64'. */
  dtype?: DType;
}

const SPIRAL_OPTIONS: Record<keyof SpiralOptions, true> = { pointsPerClass: true, classes: true, noise: true, seed: true, dtype: true };

/**
 * Points on interleaved spiral arms in the plane, one class per arm: a small problem that no
 * linear model solves and a two-layer net does. Arm j's i-th point has radius r = i/(n − 1)
 * and angle θ = 4j + 4r + noise; x = (r·sin θ, r·cos θ), y = j.
 */
export function spiral(options: SpiralOptions): TensorDataset {
  const checked = checkOptions('spiral', options, SPIRAL_OPTIONS, { required: true, example: '{ seed: 1 }' });
  const { pointsPerClass = 100, classes = 3, noise = 0.2, seed, dtype = 'float64' } = checked;
  if (!Number.isInteger(pointsPerClass) || pointsPerClass < 2) throw argumentError('spiral', 'pointsPerClass', 'an integer ≥ 2', pointsPerClass, 'range');
  if (!Number.isInteger(classes) || classes < 1) throw argumentError('spiral', 'classes', 'a positive integer', classes, 'range');
  if (typeof noise !== 'number' || !(noise >= 0 && noise < Infinity)) throw argumentError('spiral', 'noise', 'a finite number ≥ 0 (a standard deviation)', noise, 'range');
  if (!Number.isInteger(seed)) throw argumentError('spiral', 'seed', 'an integer (the points are always reproducible)', seed);
  checkDtype('spiral', dtype);
  const rng = new Rng(seed);
  const n = pointsPerClass * classes;
  const x = dtype === 'float32' ? new Float32Array(n * 2) : new Float64Array(n * 2);
  const y = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let j = 0; j < classes; j++) {
    for (let i = 0; i < pointsPerClass; i++) {
      const k = j * pointsPerClass + i;
      const r = i / (pointsPerClass - 1);
      const theta = 4 * j + 4 * r + noise * rng.normal();
      x[2 * k] = r * Math.sin(theta);
      x[2 * k + 1] = r * Math.cos(theta);
      y[k] = j;
    }
  }
  return new TensorDataset(fromBuffer(x, [n, 2]), fromBuffer(y, [n]));
}
