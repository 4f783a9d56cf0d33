import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIXELS_PER_DIGIT, type Digits } from '../src/data/digits.js';
import { toReadableJson } from '../src/trainer/readable-json.js';
import { createRunFolder, timestamp } from '../src/trainer/run-folder.js';
import { ShiftedDigits } from '../src/trainer/shifted-digits.js';

/** Digits that are one lit pixel each, at (row, col), labelled with their index. */
function dots(positions: Array<[number, number]>): Digits {
  const features = new Float32Array(positions.length * PIXELS_PER_DIGIT);
  positions.forEach(([row, col], i) => (features[i * PIXELS_PER_DIGIT + row * 28 + col] = 1));
  return { count: positions.length, features, labels: Int32Array.from(positions, (_, i) => i) };
}

function litPixels(values: Float32Array | Float64Array, digit: number): Array<[number, number]> {
  const lit: Array<[number, number]> = [];
  for (let p = 0; p < PIXELS_PER_DIGIT; p++) if (values[digit * PIXELS_PER_DIGIT + p] !== 0) lit.push([Math.floor(p / 28), p % 28]);
  return lit;
}

describe('ShiftedDigits', () => {
  it('moves every digit by at most maxShift pixels in x and y, by every amount in that range', () => {
    const digits = dots([[14, 14], [10, 3], [20, 25]]);
    const shifted = new ShiftedDigits(digits, 2, 5);
    const offsets = new Set<string>();
    for (let round = 0; round < 60; round++) {
      const { x, y } = shifted.batch([0, 2, 1]);
      expect(x.shape).toEqual([3, 784]);
      expect(Array.from(y.values())).toEqual([0, 2, 1]);
      const [[row, col]] = litPixels(x.values(), 0) as [[number, number]];
      offsets.add(`${row - 14},${col - 14}`);
      for (const [k, source] of [[1, [20, 25]], [2, [10, 3]]] as const) {
        const lit = litPixels(x.values(), k);
        expect(lit).toHaveLength(1);
        expect(Math.abs(lit[0]![0] - source[0])).toBeLessThanOrEqual(2);
        expect(Math.abs(lit[0]![1] - source[1])).toBeLessThanOrEqual(2);
      }
    }
    expect(offsets.size).toBe(25);
  });

  it('drops what moves out of the frame', () => {
    const corner = dots([[0, 0]]);
    let seenEmpty = false;
    const shifted = new ShiftedDigits(corner, 1, 3);
    for (let round = 0; round < 40; round++) if (litPixels(shifted.batch([0]).x.values(), 0).length === 0) seenEmpty = true;
    expect(seenEmpty).toBe(true);
  });

  it('with maxShift 0 returns the digits as they are, and checks its arguments', () => {
    const digits = dots([[3, 4], [27, 27]]);
    expect(Array.from(new ShiftedDigits(digits, 0, 1).batch([1, 0]).x.values())).toEqual([
      ...digits.features.subarray(784, 1568),
      ...digits.features.subarray(0, 784),
    ]);
    expect(() => new ShiftedDigits(digits, 28, 1)).toThrow('ShiftedDigits: maxShift must be an integer in 0..27, got 28');
    expect(() => new ShiftedDigits(digits, 1, 1).batch([2])).toThrow('ShiftedDigits.batch: index 2 is out of range for 2 digits');
  });
});

describe('metrics.json layout', () => {
  it('reads back as the same value, with number arrays on one line', () => {
    const value = { a: [1, 2.5, -3e-7], nested: { rows: [[1, 2], [3, 4]], empty: [], none: null, skip: undefined }, text: 'x [1,2]' };
    const text = toReadableJson(value);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
    expect(text).toContain('"a": [1, 2.5, -3e-7]');
    expect(text).toContain('    [3, 4]');
    expect(text).toContain('"text": "x [1,2]"');
    expect(text).not.toContain('skip');
  });
});

describe('run folders', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'matgrad-runs-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('are named by the time, sortable, and never shared by two runs in the same second', async () => {
    const now = new Date(Date.UTC(2025, 0, 31, 14, 5, 9));
    expect(timestamp(now)).toBe('2025-01-31T14-05-09');
    const runs = join(root, 'runs');
    const first = await createRunFolder(null, now, runs);
    const second = await createRunFolder(null, now, runs);
    expect([basename(first), basename(second)]).toEqual(['2025-01-31T14-05-09', '2025-01-31T14-05-09-2']);
    expect(await createRunFolder(join(root, 'chosen', 'deep'), now, runs)).toBe(join(root, 'chosen', 'deep'));
  });
});
