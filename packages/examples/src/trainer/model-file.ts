import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DType } from '@matgrad/core';
import { fromSafetensors, MLP, readSafetensors, type Activation } from '@matgrad/nn';
import { saveWeights } from '@matgrad/nn/node';
import { DIGIT_CLASSES, PIXELS_PER_DIGIT } from '../data/digits.js';

/** The weights file of a run folder. */
export const WEIGHTS_FILE = 'model.safetensors';
/** The metadata key under which the weights file records how to rebuild its model. */
const MODEL_KEY = 'matgrad.mlp';
const DATA_KEY = 'matgrad.data';

/** What rebuilds a trainer's MLP (recorded in its weights file). */
export interface ModelSpec {
  /** Layer widths, 784 … 10. */
  sizes: number[];
  /** The hidden layers' activation. */
  activation: Activation;
  /** Dropout probability after each hidden layer. */
  dropout: number;
  /** The weights' float type. */
  dtype: DType;
}

/** The MLP `spec` describes, its weights drawn from `seed`. */
export function buildModel(spec: ModelSpec, seed: number): MLP {
  return new MLP({ sizes: spec.sizes, activation: spec.activation, dropout: spec.dropout, dtype: spec.dtype, seed });
}

/** Saves the weights with the spec of their model and the data they were trained on, so `evaluate` needs only the file. */
export async function saveModel(model: MLP, spec: ModelSpec, dataSource: string, path: string): Promise<void> {
  await saveWeights(model, path, { metadata: { [MODEL_KEY]: JSON.stringify(spec), [DATA_KEY]: dataSource } });
}

/** A model rebuilt from its weights file. */
export interface LoadedModel {
  /** The model, with the file's weights. */
  model: MLP;
  /** How it was built. */
  spec: ModelSpec;
  /** The data it was trained on, when the file says. */
  dataSource: string | null;
  /** The file read. */
  path: string;
}

function parseSpec(path: string, text: string | undefined): ModelSpec {
  const fail = (why: string) =>
    new Error(`evaluate: ${path} ${why}; it was not written by the trainer (expected metadata '${MODEL_KEY}' with sizes ${PIXELS_PER_DIGIT}-...-${DIGIT_CLASSES}, activation, dropout, dtype)`);
  if (text === undefined) throw fail('has no model description');
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch {
    throw fail(`has an unreadable model description ${JSON.stringify(text.slice(0, 80))}`);
  }
  const s = spec as Partial<ModelSpec> | null;
  const valid =
    s !== null &&
    Array.isArray(s.sizes) &&
    s.sizes.every((n) => Number.isInteger(n) && n > 0) &&
    s.sizes[0] === PIXELS_PER_DIGIT &&
    s.sizes[s.sizes.length - 1] === DIGIT_CLASSES &&
    (s.activation === 'relu' || s.activation === 'sigmoid' || s.activation === 'tanh') &&
    typeof s.dropout === 'number' &&
    (s.dtype === 'float32' || s.dtype === 'float64');
  if (!valid) throw fail(`describes its model as ${text.slice(0, 120)}`);
  return s as ModelSpec;
}

/** A weights file, or a run folder holding model.safetensors. */
export async function resolveWeightsPath(path: string): Promise<string> {
  const info = await stat(path).catch(() => null);
  if (info === null) throw new Error(`evaluate: ${path} does not exist`);
  return info.isDirectory() ? join(path, WEIGHTS_FILE) : path;
}

/** Rebuilds the MLP a weights file describes and loads its weights into it. */
export async function loadModel(path: string): Promise<LoadedModel> {
  const weightsPath = await resolveWeightsPath(path);
  const bytes = await readFile(weightsPath).catch((error: Error) => {
    throw new Error(`evaluate: cannot read ${weightsPath}: ${error.message}`);
  });
  let metadata: Record<string, string>;
  try {
    metadata = readSafetensors(bytes).metadata;
  } catch (error) {
    throw new Error(`evaluate: ${weightsPath}: ${(error as Error).message}`);
  }
  const spec = parseSpec(weightsPath, metadata[MODEL_KEY]);
  const model = buildModel(spec, 0);
  try {
    fromSafetensors(model, bytes);
  } catch (error) {
    throw new Error(`evaluate: ${weightsPath}: ${(error as Error).message}`);
  }
  return { model, spec, dataSource: metadata[DATA_KEY] ?? null, path: weightsPath };
}
