import { describe, expect, it } from 'vitest';
import { accuracyFromCounts, confusionMatrix } from '../src/index.js';

describe('confusionMatrix', () => {
  it('counts true class by predicted class', () => {
    const counts = confusionMatrix([0, 1, 1, 2, 2, 2], Int32Array.from([0, 1, 2, 2, 2, 0]), 3);
    expect(counts).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [1, 0, 2],
    ]);
    expect(accuracyFromCounts(counts)).toBe(4 / 6);
    expect(confusionMatrix([], [], 2)).toEqual([[0, 0], [0, 0]]);
  });

  it('explains mismatched lengths, labels or predictions outside the classes, and a bad class count', () => {
    expect(() => confusionMatrix([0, 1], [0], 3)).toThrow('confusionMatrix: 2 labels but 1 predictions');
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow('confusionMatrix: sample 1 has label 3 and prediction 1, expected classes 0..2');
    expect(() => confusionMatrix([0, 1], [-1, 1], 3)).toThrow('confusionMatrix: sample 0 has label 0 and prediction -1, expected classes 0..2');
    expect(() => confusionMatrix([0.5], [0], 3)).toThrow('confusionMatrix: sample 0 has label 0.5 and prediction 0, expected classes 0..2');
    expect(() => confusionMatrix([0], [0], 0)).toThrow('confusionMatrix: classes must be a positive integer, got 0');
  });
});

describe('accuracyFromCounts', () => {
  it('is the diagonal share of all counts; NaN for no samples; a square matrix only', () => {
    expect(accuracyFromCounts([[5, 1], [2, 2]])).toBe(0.7);
    expect(accuracyFromCounts([[0, 0], [0, 0]])).toBeNaN();
    expect(() => accuracyFromCounts([[1, 0], [0]])).toThrow('accuracyFromCounts: expected a square matrix of counts, but row 1 has 1 entries for 2 classes');
  });
});
