import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  loadIdxMnist,
  loadIdxTestDigits,
  MAX_IDX_PAYLOAD_BYTES,
  readIdxDigits,
  readIdxImages,
  readIdxLabels,
} from '../src/data/idx.js';

function idxBytes(magic: number, dims: number[], payload: ArrayLike<number>): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Array.from(payload))]);
}

/** `count` 28x28 images whose pixel p of image i is (i * 7 + p) mod 256, and labels i mod 10. */
function mnistLike(count: number) {
  const pixels = Array.from({ length: count * 784 }, (_, k) => (Math.floor(k / 784) * 7 + (k % 784)) % 256);
  const labels = Array.from({ length: count }, (_, i) => i % 10);
  return {
    images: idxBytes(IDX_IMAGES_MAGIC, [count, 28, 28], pixels),
    labels: idxBytes(IDX_LABELS_MAGIC, [count], labels),
    pixels,
    labelValues: labels,
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'matgrad-idx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

describe('IDX reader', () => {
  it('reads images and labels back, big-endian dimensions included', async () => {
    const images = await put('small-images', idxBytes(IDX_IMAGES_MAGIC, [3, 2, 300], Array.from({ length: 1800 }, (_, i) => i % 251)));
    const read = await readIdxImages(images);
    expect([read.count, read.rows, read.cols]).toEqual([3, 2, 300]);
    expect(read.pixels[0]).toBe(0);
    expect(read.pixels[1799]).toBe(1799 % 251);
    const labels = await put('small-labels', idxBytes(IDX_LABELS_MAGIC, [4], [9, 0, 3, 7]));
    expect(Array.from(await readIdxLabels(labels))).toEqual([9, 0, 3, 7]);
  });

  it('reads gzipped files the same as plain ones', async () => {
    const { images, labels } = mnistLike(5);
    const plain = await readIdxDigits(await put('p-img', images), await put('p-lab', labels));
    const zipped = await readIdxDigits(await put('z-img.gz', gzipSync(images)), await put('z-lab.gz', gzipSync(labels)));
    expect(zipped.count).toBe(5);
    expect(Array.from(zipped.features)).toEqual(Array.from(plain.features));
    expect(Array.from(zipped.labels)).toEqual([0, 1, 2, 3, 4]);
  });

  it('scales pixels to [0, 1] in the requested dtype', async () => {
    const { images, labels, pixels } = mnistLike(2);
    const digits = await readIdxDigits(await put('s-img', images), await put('s-lab', labels), 'float64');
    expect(digits.features).toBeInstanceOf(Float64Array);
    expect(digits.features.length).toBe(2 * 784);
    expect(digits.features[900]).toBe(pixels[900]! / 255);
  });

  it('loads the four standard files from a folder, gzipped or not, either spelling', async () => {
    const sub = join(dir, 'full');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(sub);
    const train = mnistLike(12);
    const test = mnistLike(4);
    await writeFile(join(sub, 'train-images-idx3-ubyte.gz'), gzipSync(train.images));
    await writeFile(join(sub, 'train-labels-idx1-ubyte'), train.labels);
    await writeFile(join(sub, 't10k-images.idx3-ubyte'), test.images);
    await writeFile(join(sub, 't10k-labels-idx1-ubyte.gz'), gzipSync(test.labels));
    const split = await loadIdxMnist(sub);
    expect(split.train.count).toBe(12);
    expect(split.test.count).toBe(4);
    expect(Array.from(split.train.labels)).toEqual(train.labelValues);
    expect(split.test.features[784 + 5]).toBeCloseTo(test.pixels[784 + 5]! / 255, 6);
  });
});

describe('IDX reader errors name the file and what was expected', () => {
  it('rejects a label file given as images (wrong magic)', async () => {
    const path = await put('swapped', idxBytes(IDX_LABELS_MAGIC, [2], [1, 2]));
    await expect(readIdxImages(path)).rejects.toThrow(
      `idx: ${path} has magic number 0x00000801 (the magic of a label file), expected 0x00000803 for images`,
    );
  });

  it('rejects an unknown magic number', async () => {
    const path = await put('garbage', Buffer.from('hello world, not idx'));
    await expect(readIdxLabels(path)).rejects.toThrow(/garbage has magic number 0x68656c6c \(not an unsigned-byte IDX magic\), expected 0x00000801 for labels/);
  });

  it('rejects a file cut inside its header', async () => {
    const path = await put('short-header', idxBytes(IDX_IMAGES_MAGIC, [1, 28, 28], []).subarray(0, 10));
    await expect(readIdxImages(path)).rejects.toThrow(`idx: ${path} is truncated: 10 bytes, but an IDX images header needs 16`);
  });

  it('rejects a file whose payload is shorter than its header declares', async () => {
    const { images } = mnistLike(3);
    const path = await put('short-payload', images.subarray(0, images.length - 100));
    await expect(readIdxImages(path)).rejects.toThrow(
      `idx: ${path} is truncated: its header declares 3x28x28 = 2352 bytes of images, but only 2252 follow`,
    );
  });

  it('rejects a truncated gzip stream', async () => {
    const { labels } = mnistLike(50);
    const zipped = gzipSync(labels);
    const path = await put('cut.gz', zipped.subarray(0, zipped.length - 12));
    await expect(readIdxLabels(path)).rejects.toThrow(/cut\.gz is gzip-compressed but cannot be decompressed/);
  });

  it('rejects trailing bytes beyond the declared size', async () => {
    const path = await put('long', idxBytes(IDX_LABELS_MAGIC, [2], [1, 2, 3]));
    await expect(readIdxLabels(path)).rejects.toThrow(`idx: ${path} has 1 bytes beyond the 2 labels its header declares`);
  });

  it('rejects image and label files of different counts', async () => {
    const images = await put('m-img', mnistLike(3).images);
    const labels = await put('m-lab', mnistLike(4).labels);
    await expect(readIdxDigits(images, labels)).rejects.toThrow(
      `idx: ${images} holds 3 images but ${labels} holds 4 labels; expected equal counts`,
    );
  });

  it('rejects images that are not 28x28 and labels that are not digits', async () => {
    const odd = await put('odd-img', idxBytes(IDX_IMAGES_MAGIC, [1, 2, 2], [1, 2, 3, 4]));
    const one = await put('one-lab', idxBytes(IDX_LABELS_MAGIC, [1], [1]));
    await expect(readIdxDigits(odd, one)).rejects.toThrow(`holds 2x2 images, expected 28x28 MNIST digits`);
    const img = await put('ok-img', mnistLike(1).images);
    const ten = await put('ten-lab', idxBytes(IDX_LABELS_MAGIC, [1], [10]));
    await expect(readIdxDigits(img, ten)).rejects.toThrow(`idx: ${ten} label 0 is 10, expected a digit 0..9`);
  });

  it('names every spelling it looked for when a file is missing', async () => {
    await expect(loadIdxMnist(join(dir, 'nowhere'))).rejects.toThrow(
      /no train-images file in .*nowhere; looked for train-images-idx3-ubyte, train-images-idx3-ubyte\.gz, train-images\.idx3-ubyte, train-images\.idx3-ubyte\.gz/,
    );
  });
});

/** 16 MiB of zeros, gzipped once (16 KB) and repeated: gunzip inflates concatenated members in turn. */
const zerosMember = gzipSync(Buffer.alloc(16 * 2 ** 20));
/** A gzip member whose deflate data is invalid: reaching it is an error. */
const brokenMember = Buffer.concat([zerosMember.subarray(0, 10), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]);

/** `idx` gzipped, then 256 MiB of zeros, then a broken member: a reader that inflated it all would
 *  spend seconds and then fail with a decompression error instead of refusing the extra bytes. */
function gzipBomb(idx: Uint8Array): Buffer {
  return Buffer.concat([gzipSync(idx), ...Array<Buffer>(16).fill(zerosMember), brokenMember]);
}

describe('IDX reader: sizes in a header are checked against the file before the payload is read or allocated', () => {
  it('refuses a gzip bomb behind a small header after inflating only what the header declares', async () => {
    const path = await put('bomb-labels.gz', gzipBomb(idxBytes(IDX_LABELS_MAGIC, [100], new Array(100).fill(1))));
    await expect(readIdxLabels(path)).rejects.toThrow(`idx: ${path} holds more than the 100 labels (100 bytes) its header declares when decompressed`);
  });

  it('refuses a declared size that a gzip file of its size cannot hold, before inflating the payload', async () => {
    // Were the payload inflated first, the error would be that it is truncated.
    const path = await put('impossible.gz', gzipSync(idxBytes(IDX_LABELS_MAGIC, [50_000_000], new Array(1000).fill(1))));
    await expect(readIdxLabels(path)).rejects.toThrow(
      /impossible\.gz declares 50000000 labels = 50000000 bytes, more than its \d+ gzip-compressed bytes can hold \(deflate expands at most 1032:1\)/,
    );
  });

  it('refuses a declared size above the stated limit, plain or gzipped', async () => {
    const header = idxBytes(IDX_IMAGES_MAGIC, [1_000_000, 28, 28], []);
    const plain = await put('huge-images', header);
    const message = `declares 1000000x28x28 images = 784000000 bytes, more than the limit of ${MAX_IDX_PAYLOAD_BYTES} bytes (512 MiB) for an IDX file`;
    await expect(readIdxImages(plain)).rejects.toThrow(`idx: ${plain} ${message}`);
    const zipped = await put('huge-images.gz', gzipSync(header));
    await expect(readIdxImages(zipped)).rejects.toThrow(`idx: ${zipped} ${message}`);
    const maximal = await put('maximal-images', idxBytes(IDX_IMAGES_MAGIC, [0xffffffff, 0xffffffff, 0xffffffff], []));
    await expect(readIdxImages(maximal)).rejects.toThrow(/more than the limit of \d+ bytes \(512 MiB\)/);
  });

  it('refuses a plain file shorter than its header declares from its size alone', async () => {
    const path = await put('claims-60000', idxBytes(IDX_IMAGES_MAGIC, [60_000, 28, 28], new Array(784).fill(0)));
    await expect(readIdxImages(path)).rejects.toThrow(`idx: ${path} is truncated: its header declares 60000x28x28 = 47040000 bytes of images, but only 784 follow`);
  });

  it('refuses a gzip stream that ends before the declared payload', async () => {
    const path = await put('short.gz', gzipSync(idxBytes(IDX_LABELS_MAGIC, [10], [1, 2, 3])));
    await expect(readIdxLabels(path)).rejects.toThrow(`idx: ${path} is truncated: its header declares 10 = 10 bytes of labels, but only 3 follow when decompressed`);
  });

  it('checks an image file against its label file from the headers alone', async () => {
    // The images' payload is a bomb: reading it before comparing the headers would fail otherwise.
    const images = await put('pair-img.gz', gzipBomb(mnistLike(3).images));
    const labels = await put('pair-lab', mnistLike(4).labels);
    await expect(readIdxDigits(images, labels)).rejects.toThrow(`idx: ${images} holds 3 images but ${labels} holds 4 labels; expected equal counts`);
  });

  it('names the path when it is a folder or missing', async () => {
    await expect(readIdxImages(dir)).rejects.toThrow(`idx: ${dir} is a folder, expected an IDX images file`);
    await expect(readIdxLabels(join(dir, 'absent'))).rejects.toThrow(`idx: cannot read ${join(dir, 'absent')}: ENOENT`);
  });
});

describe('IDX reader: the test set alone', () => {
  it('reads the two t10k files without the training files', async () => {
    const sub = join(dir, 'test-only');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(sub);
    const test = mnistLike(6);
    await writeFile(join(sub, 't10k-images-idx3-ubyte.gz'), gzipSync(test.images));
    await writeFile(join(sub, 't10k-labels.idx1-ubyte'), test.labels);
    const digits = await loadIdxTestDigits(sub);
    expect(digits.count).toBe(6);
    expect(Array.from(digits.labels)).toEqual(test.labelValues);
    await expect(loadIdxMnist(sub)).rejects.toThrow(/no train-images file in .*test-only/);
    await expect(loadIdxTestDigits(join(dir, 'nowhere'))).rejects.toThrow(/no t10k-images file in .*nowhere; looked for t10k-images-idx3-ubyte, /);
  });
});
