import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import {
  allocateFeatures,
  DIGIT_CLASSES,
  PIXELS_PER_DIGIT,
  type Digits,
  type DigitsSplit,
  type FeatureDtype,
} from './digits.js';

const gunzipAsync = promisify(gunzip);

/** IDX magic: two zero bytes, the element type (0x08 = unsigned byte), then the number of dimensions. */
export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxImages {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  /** count·rows·cols bytes, row-major, 0 = background. */
  readonly pixels: Uint8Array;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

function describeMagic(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return 'the magic of an image file';
  if (magic === IDX_LABELS_MAGIC) return 'the magic of a label file';
  return 'not an unsigned-byte IDX magic';
}

/** Reads a file whole, gunzipping it when it starts with the gzip signature (an IDX file starts with two zero bytes). */
async function readMaybeGzipped(path: string): Promise<Uint8Array> {
  const raw = await readFile(path);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return await gunzipAsync(raw);
    } catch (error) {
      throw new Error(`idx: ${path} is gzip-compressed but cannot be decompressed (${(error as Error).message})`);
    }
  }
  return raw;
}

/** Checks the header and the size of an unsigned-byte IDX file and returns its dimensions and payload. */
function parseIdx(path: string, bytes: Uint8Array, magic: number, rank: number, what: string): { dims: number[]; data: Uint8Array } {
  const headerBytes = 4 + 4 * rank;
  const truncatedHeader = () =>
    new Error(`idx: ${path} is truncated: ${bytes.length} bytes, but an IDX ${what} header needs ${headerBytes}`);
  if (bytes.length < 4) throw truncatedHeader();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) {
    throw new Error(`idx: ${path} has magic number ${hex(found)} (${describeMagic(found)}), expected ${hex(magic)} for ${what}`);
  }
  if (bytes.length < headerBytes) throw truncatedHeader();
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const payload = bytes.length - headerBytes;
  if (payload < expected) {
    throw new Error(
      `idx: ${path} is truncated: its header declares ${dims.join('x')} = ${expected} bytes of ${what}, but only ${payload} follow`,
    );
  }
  if (payload > expected) {
    throw new Error(`idx: ${path} has ${payload - expected} bytes beyond the ${dims.join('x')} ${what} its header declares`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

export async function readIdxImages(path: string): Promise<IdxImages> {
  const { dims, data } = parseIdx(path, await readMaybeGzipped(path), IDX_IMAGES_MAGIC, 3, 'images');
  const [count, rows, cols] = dims as [number, number, number];
  return { count, rows, cols, pixels: data };
}

export async function readIdxLabels(path: string): Promise<Uint8Array> {
  return parseIdx(path, await readMaybeGzipped(path), IDX_LABELS_MAGIC, 1, 'labels').data;
}

/** Pairs an image file with its label file as Digits, pixels scaled to [0, 1]. */
export async function readIdxDigits(imagesPath: string, labelsPath: string, dtype: FeatureDtype = 'float32'): Promise<Digits> {
  const [images, labels] = await Promise.all([readIdxImages(imagesPath), readIdxLabels(labelsPath)]);
  if (images.count !== labels.length) {
    throw new Error(`idx: ${imagesPath} holds ${images.count} images but ${labelsPath} holds ${labels.length} labels; expected equal counts`);
  }
  if (images.rows * images.cols !== PIXELS_PER_DIGIT) {
    throw new Error(`idx: ${imagesPath} holds ${images.rows}x${images.cols} images, expected 28x28 MNIST digits`);
  }
  const bad = labels.findIndex((l) => l >= DIGIT_CLASSES);
  if (bad >= 0) {
    throw new Error(`idx: ${labelsPath} label ${bad} is ${labels[bad]}, expected a digit 0..${DIGIT_CLASSES - 1}`);
  }
  const features = allocateFeatures(dtype, images.pixels.length);
  for (let i = 0; i < images.pixels.length; i++) features[i] = images.pixels[i]! / 255;
  return { count: images.count, features, labels: Int32Array.from(labels) };
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
  const [train, test] = await Promise.all([
    readIdxDigits(trainImages, trainLabels, dtype),
    readIdxDigits(testImages, testLabels, dtype),
  ]);
  return { train, test };
}
