/** MNIST's digits were scaled to fit a 20×20 box, then placed in 28×28 so that their centre of
 *  mass sits at the centre; a drawn digit is prepared the same way before the net sees it. */
const SIDE = 28;
const BOX = 20;

/** A drawing as ink per pixel. */
export interface InkImage {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** Ink per pixel in [0, 1], row-major. */
  ink: Float32Array;
}

/** The 784 pixels the net sees for a drawing, or null when nothing is drawn. */
export function toMnistPixels(image: InkImage): Float32Array | null {
  const { width, height, ink } = image;
  if (ink.length !== width * height) throw new RangeError(`toMnistPixels: ${width}×${height} needs ${width * height} values, got ${ink.length}`);
  let [left, top, right, bottom] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! <= 0.05) continue;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  if (right < 0) return null;
  const boxW = right - left + 1;
  const boxH = bottom - top + 1;
  const scale = BOX / Math.max(boxW, boxH);
  const outW = Math.max(1, Math.round(boxW * scale));
  const outH = Math.max(1, Math.round(boxH * scale));
  const small = new Float32Array(outW * outH);
  for (let j = 0; j < outH; j++) {
    for (let i = 0; i < outW; i++) small[j * outW + i] = areaAverage(image, left + i / scale, top + j / scale, 1 / scale);
  }
  // Place the scaled digit so its centre of mass lands on the centre of the 28×28 image.
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let j = 0; j < outH; j++) {
    for (let i = 0; i < outW; i++) {
      const v = small[j * outW + i]!;
      mass += v;
      cx += v * (i + 0.5);
      cy += v * (j + 0.5);
    }
  }
  const offsetX = clamp(Math.round(SIDE / 2 - cx / mass), 0, SIDE - outW);
  const offsetY = clamp(Math.round(SIDE / 2 - cy / mass), 0, SIDE - outH);
  const pixels = new Float32Array(SIDE * SIDE);
  for (let j = 0; j < outH; j++) pixels.set(small.subarray(j * outW, (j + 1) * outW), (offsetY + j) * SIDE + offsetX);
  return pixels;
}

/** The mean ink over the square [x, x + size) × [y, y + size) of the image, weighting each
 *  source pixel by how much of it the square covers (so shrinking and enlarging both work). */
function areaAverage(image: InkImage, x: number, y: number, size: number): number {
  let total = 0;
  for (let py = Math.floor(y); py < Math.min(image.height, Math.ceil(y + size)); py++) {
    const coverY = Math.min(py + 1, y + size) - Math.max(py, y);
    for (let px = Math.floor(x); px < Math.min(image.width, Math.ceil(x + size)); px++) {
      const coverX = Math.min(px + 1, x + size) - Math.max(px, x);
      total += image.ink[py * image.width + px]! * coverX * coverY;
    }
  }
  return Math.min(1, total / (size * size));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
