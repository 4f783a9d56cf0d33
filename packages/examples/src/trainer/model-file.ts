import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DType } from '@matgrad/core';
import { fromSafetensors, MAX_HEADER_BYTES, MLP, readSafetensors, toSafetensors, type Activation, type SafetensorsContents } from '@matgrad/nn';
import { DIGIT_CLASSES, PIXELS_PER_DIGIT } from '../data/digits.js';
import { writeFileAtomic } from '../files/atomic-file.js';
import { formatBytes, MAX_MODEL_PARAMETERS, mlpParameterCount, modelSizeProblem } from './model-size.js';

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

/** The largest weights file of a model within MAX_MODEL_PARAMETERS: its float64 values and the largest header. */
const MAX_WEIGHTS_FILE_BYTES = 8 + MAX_HEADER_BYTES + 8 * MAX_MODEL_PARAMETERS;

/** The MLP `spec` describes, its weights drawn from `seed`. */
export function buildModel(spec: ModelSpec, seed: number): MLP {
  const tooLarge = modelSizeProblem(spec.sizes);
  if (tooLarge !== null) throw new Error(`buildModel: ${tooLarge}`);
  return new MLP({ sizes: spec.sizes, activation: spec.activation, dropout: spec.dropout, dtype: spec.dtype, seed });
}

/** Saves the weights with the spec of their model and the data they were trained on, so `evaluate` needs only the file.
 *  Written atomically, as every file of a run, so an interruption leaves no temporary file behind. */
export async function saveModel(model: MLP, spec: ModelSpec, dataSource: string, path: string): Promise<void> {
  await writeFileAtomic(path, toSafetensors(model, { metadata: { [MODEL_KEY]: JSON.stringify(spec), [DATA_KEY]: dataSource } }));
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
  if (!info.isDirectory()) return path;
  const weights = join(path, WEIGHTS_FILE);
  if ((await stat(weights).catch(() => null)) === null) {
    throw new Error(`evaluate: the folder ${path} holds no ${WEIGHTS_FILE}; expected a run folder written by train, or a weights file`);
  }
  return weights;
}

/** Refuses a file too large for any model within the limit, before it is read. */
async function checkWeightsFileSize(path: string): Promise<void> {
  const info = await stat(path).catch((error: Error) => {
    throw new Error(`evaluate: cannot read ${path}: ${error.message}`);
  });
  if (info.size > MAX_WEIGHTS_FILE_BYTES) {
    throw new Error(
      `evaluate: ${path} is ${formatBytes(info.size)}, larger than the weights of any model within the limit of ${MAX_MODEL_PARAMETERS.toLocaleString('en-US')} parameters (at most ${formatBytes(MAX_WEIGHTS_FILE_BYTES)})`,
    );
  }
}

/** The sizes the metadata declares must be within the limit and match the values the file holds,
 *  so that a small file cannot make evaluate build a huge model. */
function checkSpecAgainstFile(path: string, spec: ModelSpec, valuesInFile: number): void {
  const tooLarge = modelSizeProblem(spec.sizes);
  if (tooLarge !== null) throw new Error(`evaluate: ${path} describes its model as too large: ${tooLarge}`);
  const declared = mlpParameterCount(spec.sizes);
  if (declared !== valuesInFile) {
    throw new Error(
      `evaluate: ${path} describes a ${spec.sizes.join('-')} MLP of ${declared.toLocaleString('en-US')} parameters, but holds ${valuesInFile.toLocaleString('en-US')} values; the description does not match the weights`,
    );
  }
}

/** Rebuilds the MLP a weights file describes and loads its weights into it. */
export async function loadModel(path: string): Promise<LoadedModel> {
  const weightsPath = await resolveWeightsPath(path);
  await checkWeightsFileSize(weightsPath);
  const bytes = await readFile(weightsPath).catch((error: Error) => {
    throw new Error(`evaluate: cannot read ${weightsPath}: ${error.message}`);
  });
  let contents: SafetensorsContents;
  try {
    contents = readSafetensors(bytes);
  } catch (error) {
    throw new Error(`evaluate: ${weightsPath}: ${(error as Error).message}`);
  }
  const { metadata } = contents;
  const spec = parseSpec(weightsPath, metadata[MODEL_KEY]);
  checkSpecAgainstFile(weightsPath, spec, [...contents.tensors.values()].reduce((n, t) => n + t.size, 0));
  const model = buildModel(spec, 0);
  try {
    fromSafetensors(model, bytes);
  } catch (error) {
    throw new Error(`evaluate: ${weightsPath}: ${(error as Error).message}`);
  }
  return { model, spec, dataSource: metadata[DATA_KEY] ?? null, path: weightsPath };
}
