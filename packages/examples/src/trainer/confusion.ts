import { fromBuffer, noGrad, type Tensor } from '@matgrad/core';
import type { Module } from '@matgrad/nn';
import { DIGIT_CLASSES, PIXELS_PER_DIGIT, type Digits } from '../data/digits.js';

/** The arg-max class of every digit, from the model in eval mode, without recording a graph. */
export function predictDigits(model: Module, digits: Digits, batchSize = 1000): Int32Array {
  const predictions = new Int32Array(digits.count);
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      for (let start = 0; start < digits.count; start += batchSize) {
        const end = Math.min(start + batchSize, digits.count);
        const x = fromBuffer(digits.features.subarray(start * PIXELS_PER_DIGIT, end * PIXELS_PER_DIGIT), [end - start, PIXELS_PER_DIGIT]);
        writeArgmax(model.forward(x), predictions, start);
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return predictions;
}

function writeArgmax(scores: Tensor, out: Int32Array, offset: number): void {
  const [rows, classes] = scores.shape as [number, number];
  if (scores.shape.length !== 2 || classes !== DIGIT_CLASSES) {
    throw new RangeError(`predictDigits: the model gave scores of shape [${scores.shape.join(', ')}], expected [N, ${DIGIT_CLASSES}]`);
  }
  const s = scores.values();
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (s[i * classes + k]! > s[i * classes + best]!) best = k;
    out[offset + i] = best;
  }
}

/** counts[true digit][predicted digit]. */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes = DIGIT_CLASSES): number[][] {
  if (labels.length !== predictions.length) {
    throw new RangeError(`confusionMatrix: ${labels.length} labels but ${predictions.length} predictions`);
  }
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const [actual, predicted] = [labels[i]!, predictions[i]!];
    if (!(actual >= 0 && actual < classes && predicted >= 0 && predicted < classes)) {
      throw new RangeError(`confusionMatrix: sample ${i} has label ${actual} and prediction ${predicted}, expected classes 0..${classes - 1}`);
    }
    counts[actual]![predicted]!++;
  }
  return counts;
}

export function accuracyOf(counts: readonly (readonly number[])[]): number {
  const total = counts.flat().reduce((a, b) => a + b, 0);
  const correct = counts.reduce((sum, row, i) => sum + row[i]!, 0);
  return total === 0 ? NaN : correct / total;
}
