/** Row-major pixel features in [0, 1] ([count, 784]) with one class label (0..9) per row. */
export interface Digits {
  /** The number of digits. */
  readonly count: number;
  /** Pixels in [0, 1], 784 per digit, row-major. */
  readonly features: Float32Array | Float64Array;
  /** The digit shown, 0–9, one per digit. */
  readonly labels: Int32Array;
}

/** Digits to train on and digits held out. */
export interface DigitsSplit {
  /** The training digits. */
  readonly train: Digits;
  /** The held-out digits. */
  readonly test: Digits;
}

/** The float type of the pixels. */
export type FeatureDtype = 'float32' | 'float64';

/** 28 × 28. */
export const PIXELS_PER_DIGIT = 28 * 28;
/** The digits 0–9. */
export const DIGIT_CLASSES = 10;

/** A zeroed pixel buffer of `dtype`. */
export function allocateFeatures(dtype: FeatureDtype, length: number): Float32Array | Float64Array {
  if (dtype === 'float32') return new Float32Array(length);
  if (dtype === 'float64') return new Float64Array(length);
  throw new Error(`digits: unknown dtype '${String(dtype)}', expected 'float32' or 'float64'`);
}

/** Copies the rows named by `rows` (in that order) into a new Digits. */
export function selectRows(source: Digits, rows: ArrayLike<number>): Digits {
  const dtype: FeatureDtype = source.features instanceof Float32Array ? 'float32' : 'float64';
  const features = allocateFeatures(dtype, rows.length * PIXELS_PER_DIGIT);
  const labels = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (!Number.isInteger(row) || row < 0 || row >= source.count) {
      throw new Error(`selectRows: row ${row} is outside 0..${source.count - 1}`);
    }
    features.set(source.features.subarray(row * PIXELS_PER_DIGIT, (row + 1) * PIXELS_PER_DIGIT), i * PIXELS_PER_DIGIT);
    labels[i] = source.labels[row]!;
  }
  return { count: rows.length, features, labels };
}
