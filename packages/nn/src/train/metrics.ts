import type { Tensor } from '@matgrad/core';
import { argumentError, checkTensor, describeValue, isArrayLike } from '../validate.js';

/**
 * How many rows of `output` [N, C] pick the right class (the arg-max), for targets given as
 * class indices [N] or one-hot rows [N, C]; null when accuracy does not apply (regression).
 */
export function countCorrect(output: Tensor, target: Tensor): number | null {
  checkTensor('countCorrect', 'output', output, 'a Tensor of class scores [N, C]');
  checkTensor('countCorrect', 'target', target, 'a Tensor of class indices [N] or one-hot rows [N, C]');
  if (output.shape.length !== 2 || output.shape[1]! < 2) return null;
  const [n, c] = output.shape as [number, number];
  const scores = output.values();
  const labels = target.values();
  const indexTargets = target.shape.length === 1 && target.shape[0] === n;
  const oneHotTargets = target.shape.length === 2 && target.shape[0] === n && target.shape[1] === c;
  if (!indexTargets && !oneHotTargets) return null;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const predicted = argmax(scores, i * c, c);
    const expected = indexTargets ? labels[i] : argmax(labels, i * c, c);
    if (predicted === expected) correct++;
  }
  return correct;
}

/** The index of the largest of `values[offset .. offset + length)` (the first, on ties). */
export function argmax(values: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  for (let k = 1; k < length; k++) if (values[offset + k]! > values[offset + best]!) best = k;
  return best;
}

/** counts[true class][predicted class] over the samples, for labels and predictions that are
 *  class indices in 0..classes − 1. */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes: number): number[][] {
  if (!Number.isInteger(classes) || classes < 1) throw argumentError('confusionMatrix', 'classes', 'a positive integer', classes, 'range');
  for (const [name, value] of [['labels', labels], ['predictions', predictions]] as const) {
    if (!isArrayLike(value)) throw argumentError('confusionMatrix', name, 'an array or typed array of class indices', value);
  }
  if (labels.length !== predictions.length) {
    throw new RangeError(`confusionMatrix: ${labels.length} labels but ${predictions.length} predictions`);
  }
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const [actual, predicted] = [labels[i]!, predictions[i]!];
    if (!(isClass(actual, classes) && isClass(predicted, classes))) {
      throw new RangeError(`confusionMatrix: sample ${i} has label ${describeValue(actual)} and prediction ${describeValue(predicted)}, expected classes 0..${classes - 1}`);
    }
    counts[actual]![predicted]!++;
  }
  return counts;
}

function isClass(k: number, classes: number): boolean {
  return Number.isInteger(k) && k >= 0 && k < classes;
}

/** The share of samples on the diagonal of a confusion matrix; NaN when it counts none. */
export function accuracyFromCounts(counts: readonly (readonly number[])[]): number {
  if (!Array.isArray(counts) || !counts.every((row) => Array.isArray(row) && row.every((c) => Number.isInteger(c) && c >= 0))) {
    throw argumentError('accuracyFromCounts', 'counts', 'a square array of arrays counts[true][predicted] (as confusionMatrix returns)', counts);
  }
  counts.forEach((row, i) => {
    if (row.length !== counts.length) {
      throw new RangeError(`accuracyFromCounts: expected a square matrix of counts, but row ${i} has ${row.length} entries for ${counts.length} classes`);
    }
  });
  const total = counts.flat().reduce((a, b) => a + b, 0);
  const correct = counts.reduce((sum, row, i) => sum + row[i]!, 0);
  return total === 0 ? NaN : correct / total;
}

/** Sums of per-batch losses (weighted by batch size) and correct counts over an epoch. */
export class RunningScore {
  #loss = 0;
  #correct = 0;
  #count = 0;
  #hasAccuracy = true;

  add(loss: number, size: number, correct: number | null): void {
    this.#loss += loss * size;
    this.#count += size;
    if (correct === null) this.#hasAccuracy = false;
    else this.#correct += correct;
  }

  get count(): number {
    return this.#count;
  }
  get loss(): number {
    return this.#count === 0 ? NaN : this.#loss / this.#count;
  }
  get accuracy(): number | null {
    return this.#hasAccuracy && this.#count > 0 ? this.#correct / this.#count : null;
  }
}
