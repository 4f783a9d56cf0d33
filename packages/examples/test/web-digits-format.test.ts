import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DIGIT_PIXELS, packDigits, unpackDigits, unpackDigitsFile } from '../web/src/digits/format.js';

function digits(count: number, offset: number) {
  const pixels = Float32Array.from({ length: count * DIGIT_PIXELS }, (_, i) => ((i * 7 + offset) % 256) / 255);
  const labels = Uint8Array.from({ length: count }, (_, i) => (i + offset) % 10);
  return { count, pixels, labels };
}

describe('packed digits for the playground', () => {
  it('round-trips pixels (to 8 bits) and labels', () => {
    const train = digits(5, 1);
    const test = digits(2, 3);
    const back = unpackDigits(packDigits({ train, test }));
    expect(back.train.count).toBe(5);
    expect(back.test.count).toBe(2);
    expect([...back.train.labels]).toEqual([...train.labels]);
    expect([...back.test.labels]).toEqual([...test.labels]);
    for (let i = 0; i < test.pixels.length; i++) expect(back.test.pixels[i]).toBeCloseTo(test.pixels[i]!, 6);
  });

  it('unzips the served file, or takes one a server already unzipped', async () => {
    const packed = packDigits({ train: digits(3, 2), test: digits(1, 5) });
    const zipped = await unpackDigitsFile(new Uint8Array(gzipSync(packed)));
    expect([...zipped.train.labels]).toEqual([2, 3, 4]);
    expect((await unpackDigitsFile(packed)).test.count).toBe(1);
    await expect(unpackDigitsFile(new Uint8Array([0x1f, 0x8b, 1, 2]))).rejects.toThrow();
  });

  it('rejects files that are not packed digits, or cut short, with clear errors', () => {
    const bytes = packDigits({ train: digits(2, 0), test: digits(1, 0) });
    expect(() => unpackDigits(new TextEncoder().encode('<!doctype html>'))).toThrow(
      'unpackDigits: not a packed digits file (expected it to start with "MGD1", found "<!do", 15 bytes)',
    );
    expect(() => unpackDigits(bytes.subarray(0, bytes.length - 1))).toThrow(`unpackDigits: 2 + 1 digits need ${bytes.length} bytes, the file has ${bytes.length - 1}`);
    const badLabel = bytes.slice();
    badLabel[12] = 11;
    expect(() => unpackDigits(badLabel)).toThrow('unpackDigits: digit 0 has label 11, expected 0..9');
    expect(() => packDigits({ train: { count: 2, pixels: new Float32Array(3), labels: new Uint8Array(2) }, test: digits(1, 0) })).toThrow(
      'packDigits: a set of 2 digits needs 2 labels and 1568 pixels, got 2 and 3',
    );
  });
});
