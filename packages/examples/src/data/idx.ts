import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  allocateFeatures,
  DIGIT_CLASSES,
  PIXELS_PER_DIGIT,
  type Digits,
  type DigitsSplit,
  type FeatureDtype,
} from './digits.js';
import { openIdx, type IdxFile } from './idx-stream.js';

export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, MAX_IDX_PAYLOAD_BYTES } from './idx-stream.js';

export interface IdxImages {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  /** count·rows·cols bytes, row-major, 0 = background. */
  readonly pixels: Uint8Array;
}

async function readWhole<T>(file: IdxFile, use: (dims: number[], data: Uint8Array) => T): Promise<T> {
  try {
    return use(file.dims, await file.readPayload());
  } finally {
    file.close();
  }
}

export async function readIdxImages(path: string): Promise<IdxImages> {
  return readWhole(await openIdx(path, 'images'), ([count, rows, cols], pixels) => ({ count: count!, rows: rows!, cols: cols!, pixels }));
}

export async function readIdxLabels(path: string): Promise<Uint8Array> {
  return readWhole(await openIdx(path, 'labels'), (_, labels) => labels);
}

/**
 * Pairs an image file with its label file as Digits, pixels scaled to [0, 1]. Both headers are
 * read and checked against each other (equal counts, 28x28 images) before either file's
 * payload is read, so a mismatched pair is refused without reading megabytes.
 */
export async function readIdxDigits(imagesPath: string, labelsPath: string, dtype: FeatureDtype = 'float32'): Promise<Digits> {
  if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError(`readIdxDigits: dtype must be 'float32' or 'float64', got ${String(dtype)}`);
  const opened: IdxFile[] = [];
  try {
    const images = await openIdx(imagesPath, 'images');
    opened.push(images);
    const labels = await openIdx(labelsPath, 'labels');
    opened.push(labels);
    const [count, rows, cols] = images.dims as [number, number, number];
    if (count !== labels.dims[0]) {
      throw new Error(`idx: ${imagesPath} holds ${count} images but ${labelsPath} holds ${labels.dims[0]} labels; expected equal counts`);
    }
    if (rows * cols !== PIXELS_PER_DIGIT) throw new Error(`idx: ${imagesPath} holds ${rows}x${cols} images, expected 28x28 MNIST digits`);
    const labelBytes = await labels.readPayload();
    const bad = labelBytes.findIndex((l) => l >= DIGIT_CLASSES);
    if (bad >= 0) throw new Error(`idx: ${labelsPath} label ${bad} is ${labelBytes[bad]}, expected a digit 0..${DIGIT_CLASSES - 1}`);
    const pixels = await images.readPayload();
    const features = allocateFeatures(dtype, pixels.length);
    for (let i = 0; i < pixels.length; i++) features[i] = pixels[i]! / 255;
    return { count, features, labels: Int32Array.from(labelBytes) };
  } finally {
    for (const file of opened) file.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Finds `<stem>-<kind>` or `<stem>.<kind>` (both spellings circulate), optionally gzipped. */
async function findIdxFile(dir: string, stem: string, kind: string): Promise<string> {
  const names = [`${stem}-${kind}`, `${stem}.${kind}`].flatMap((n) => [n, `${n}.gz`]);
  for (const name of names) {
    const path = join(dir, name);
    if (await exists(path)) return path;
  }
  throw new Error(`idx: no ${stem} file in ${dir}; looked for ${names.join(', ')}`);
}

/** The full MNIST from its four standard IDX files: 60,000 training and 10,000 test digits. */
export async function loadIdxMnist(dir: string, dtype: FeatureDtype = 'float32'): Promise<DigitsSplit> {
  // Looked up one after another, so that with several missing the error always names the first.
  const trainImages = await findIdxFile(dir, 'train-images', 'idx3-ubyte');
  const trainLabels = await findIdxFile(dir, 'train-labels', 'idx1-ubyte');
  const testImages = await findIdxFile(dir, 't10k-images', 'idx3-ubyte');
  const testLabels = await findIdxFile(dir, 't10k-labels', 'idx1-ubyte');
  // One pair after the other: a bad training pair is reported before the test pair is read.
  const train = await readIdxDigits(trainImages, trainLabels, dtype);
  const test = await readIdxDigits(testImages, testLabels, dtype);
  return { train, test };
}

/** Only MNIST's 10,000 test digits (t10k-images / t10k-labels), as `evaluate --idx` needs them. */
export async function loadIdxTestDigits(dir: string, dtype: FeatureDtype = 'float32'): Promise<Digits> {
  const testImages = await findIdxFile(dir, 't10k-images', 'idx3-ubyte');
  const testLabels = await findIdxFile(dir, 't10k-labels', 'idx1-ubyte');
  return readIdxDigits(testImages, testLabels, dtype);
}
