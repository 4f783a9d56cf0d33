import { fromBuffer, Rng, type DType } from '@matgrad/core';
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

/**
 * Points on interleaved spiral arms in the plane, one class per arm: a small problem that no
 * linear model solves and a two-layer net does. Arm j's i-th point has radius r = i/(n − 1)
 * and angle θ = 4j + 4r + noise; x = (r·sin θ, r·cos θ), y = j.
 */
export function spiral(options: SpiralOptions): TensorDataset {
  const { pointsPerClass = 100, classes = 3, noise = 0.2, seed, dtype = 'float64' } = options;
  if (!Number.isInteger(pointsPerClass) || pointsPerClass < 2) throw new RangeError(`spiral: pointsPerClass must be an integer ≥ 2, got ${pointsPerClass}`);
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`spiral: classes must be a positive integer, got ${classes}`);
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
