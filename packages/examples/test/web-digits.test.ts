import { describe, expect, it } from 'vitest';
import { loadMnistSplit } from '../src/data/mnist.js';
import { packDigits, unpackDigits, type DigitSet } from '../web/src/digits/format.js';
import { toMnistPixels } from '../web/src/digits/preprocess.js';
import { DEFAULT_DIGITS_CONFIG, DigitsTrainer } from '../web/src/digits/trainer.js';

function firstDigits(set: { features: Float32Array | Float64Array; labels: Int32Array }, count: number): DigitSet {
  return { count, pixels: Float32Array.from(set.features.subarray(0, count * 784)), labels: Uint8Array.from(set.labels.subarray(0, count)) };
}

/** A 280×280 drawing with ink on the given rectangles, as the page's canvas gives it. */
function drawing(rects: Array<[number, number, number, number]>): { width: number; height: number; ink: Float32Array } {
  const ink = new Float32Array(280 * 280);
  for (const [x0, y0, w, h] of rects) for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) ink[y * 280 + x] = 1;
  return { width: 280, height: 280, ink };
}

describe('playground digits', () => {
  it('learns the packed MNIST digits (8-bit pixels) to about 90% in one epoch', () => {
    const split = loadMnistSplit('float32');
    const data = unpackDigits(packDigits({ train: firstDigits(split.train, 8000), test: firstDigits(split.test, 2000) }));
    const trainer = new DigitsTrainer(data, DEFAULT_DIGITS_CONFIG);
    expect(trainer.progress().trainLoss).toBeNull();
    const before = trainer.testAccuracy();
    const started = performance.now();
    for (let i = 0; i < 160; i++) trainer.step();
    const progress = trainer.progress();
    const after = trainer.testAccuracy();
    console.log(`digits: 160 steps (1 epoch of 8000) in ${(performance.now() - started).toFixed(0)} ms, test accuracy ${before} -> ${after}, loss ${progress.trainLoss?.toFixed(3)}`);
    expect(progress.epoch).toBe(1);
    expect(progress.trainLoss).toBeLessThan(1);
    expect(before).toBeLessThan(0.3);
    expect(after).toBeGreaterThan(0.88);
    const probabilities = trainer.predict(data.test.pixels.subarray(0, 784));
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(() => trainer.predict(new Float32Array(10))).toThrow('DigitsTrainer.predict: expected 784 pixels (28×28), got 10');
  });

  it('prepares a drawing as MNIST did: fit into 20×20, centre of mass at the centre', () => {
    expect(toMnistPixels(drawing([]))).toBeNull();
    // A tall bar in the corner of the canvas: scaled to 20 rows, moved to the middle.
    const pixels = toMnistPixels(drawing([[10, 20, 20, 200]]))!;
    const rows = Array.from({ length: 28 }, (_, y) => pixels.subarray(y * 28, y * 28 + 28).reduce((a, b) => a + b, 0));
    const inked = rows.map((r, y) => (r > 0 ? y : -1)).filter((y) => y >= 0);
    expect(inked).toEqual(Array.from({ length: 20 }, (_, k) => k + 4));
    let mass = 0;
    let cx = 0;
    pixels.forEach((v, i) => {
      mass += v;
      cx += v * ((i % 28) + 0.5);
    });
    expect(cx / mass).toBeCloseTo(14, 0);
    expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
    // A small dot is enlarged, not lost.
    expect(Math.max(...toMnistPixels(drawing([[100, 100, 3, 3]]))!)).toBeCloseTo(1, 5);
    expect(() => toMnistPixels({ width: 2, height: 2, ink: new Float32Array(3) })).toThrow('toMnistPixels: 2×2 needs 4 values, got 3');
  });
});
