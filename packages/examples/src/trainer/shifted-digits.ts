import { fromBuffer } from '@matgrad/core';
import { ResumableRng, type Batch, type ResumableDataset, type RngState } from '@matgrad/nn';
import { allocateFeatures, type Digits } from '../data/digits.js';

const SIDE = 28;

/**
 * Training digits, each moved by a random whole number of pixels (up to `maxShift` in x and y,
 * drawn anew every time it is batched; what moves out of the frame is dropped, what moves in is
 * background). An MLP sees pixels, not shapes: without this it learns that a digit one pixel to
 * the left is a different picture, and with only 8000 digits it overfits.
 */
export class ShiftedDigits implements ResumableDataset {
  readonly #digits: Digits;
  readonly #maxShift: number;
  #rng: ResumableRng;

  constructor(digits: Digits, maxShift: number, seed: number) {
    if (!Number.isInteger(maxShift) || maxShift < 0 || maxShift >= SIDE) {
      throw new RangeError(`ShiftedDigits: maxShift must be an integer in 0..${SIDE - 1}, got ${maxShift}`);
    }
    this.#digits = digits;
    this.#maxShift = maxShift;
    this.#rng = new ResumableRng(seed);
  }

  /** Where the shift stream stands, so a resumed run draws the shifts the first would have. */
  state(): RngState {
    return this.#rng.state();
  }

  /** Puts the shift stream back where `state()` was taken. */
  loadState(state: unknown): void {
    this.#rng = ResumableRng.fromState(state as RngState);
  }

  /** The number of training digits. */
  get length(): number {
    return this.#digits.count;
  }

  /** The digits at `indices`, each moved by a fresh random shift, with their labels. */
  batch(indices: ArrayLike<number>): Batch {
    const { features, labels, count } = this.#digits;
    const dtype = features instanceof Float32Array ? 'float32' : 'float64';
    const x = allocateFeatures(dtype, indices.length * SIDE * SIDE);
    const y = allocateFeatures(dtype, indices.length);
    const span = 2 * this.#maxShift + 1;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`ShiftedDigits.batch: index ${i} is out of range for ${count} digits`);
      y[k] = labels[i]!;
      const dx = this.#rng.int(span) - this.#maxShift;
      const dy = this.#rng.int(span) - this.#maxShift;
      const source = i * SIDE * SIDE;
      const target = k * SIDE * SIDE;
      for (let row = Math.max(0, dy); row < Math.min(SIDE, SIDE + dy); row++) {
        const from = source + (row - dy) * SIDE;
        const colStart = Math.max(0, dx);
        const colEnd = Math.min(SIDE, SIDE + dx);
        x.set(features.subarray(from + colStart - dx, from + colEnd - dx), target + row * SIDE + colStart);
      }
    }
    return { x: fromBuffer(x, [indices.length, SIDE * SIDE]), y: fromBuffer(y, [indices.length]) };
  }
}
