import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DType, Tensor } from '@matgrad/core';
import { fromSafetensors, MAX_HEADER_BYTES, MLP, readSafetensors, toSafetensorsAsync, type Activation, type Module, type SafetensorsContents } from '@matgrad/nn';
import { DIGIT_CLASSES, PIXELS_PER_DIGIT } from '../data/digits.js';
import { writeFileAtomic } from '../files/atomic-file.js';
import { describeCnn, LeNet, lenetParameterShapes, type CnnSpec } from './lenet.js';
import { formatBytes, MAX_MODEL_PARAMETERS, mlpParameterCount, modelSizeProblem } from './model-size.js';

/** The weights file of a run folder. */
export const WEIGHTS_FILE = 'model.safetensors';
/** The metadata keys under which the weights file records how to rebuild its model. */
const MLP_KEY = 'matgrad.mlp';
const CNN_KEY = 'matgrad.cnn';
const DATA_KEY = 'matgrad.data';

/** What rebuilds a trainer's MLP (recorded in its weights file). */
export interface MlpSpec {
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

export type { CnnSpec };
/** What rebuilds a trainer's model, an MLP or a CNN (recorded in its weights file). */
export type ModelSpec = MlpSpec | CnnSpec;

export function isCnn(spec: ModelSpec): spec is CnnSpec {
  return (spec as CnnSpec).kind === 'cnn';
}

/** `784-256-10 relu` or `conv5x5(6)-pool-conv5x5(16)-pool-120-84-10`, for log lines. */
export function describeModel(spec: ModelSpec): string {
  return isCnn(spec) ? `CNN ${describeCnn(spec)}` : `${spec.sizes.join('-')} ${spec.activation}`;
}

/** The model `spec` describes, its weights drawn from `seed`; an MLP over the size limit is refused first. */
export function buildModel(spec: ModelSpec, seed: number): Module {
  if (isCnn(spec)) return new LeNet(spec, seed);
  const tooLarge = modelSizeProblem(spec.sizes);
  if (tooLarge !== null) throw new Error(`buildModel: ${tooLarge}`);
  return new MLP({ sizes: spec.sizes, activation: spec.activation, dropout: spec.dropout, dtype: spec.dtype, seed });
}

/** Saves the weights with the spec of their model and the data they were trained on, so `evaluate` needs only the file.
 *  Written atomically, as every file of a run, so an interruption leaves no temporary file behind. Read through
 *  promises, so a model on the GPU saves too. */
export async function saveModel(model: Module, spec: ModelSpec, dataSource: string, path: string): Promise<void> {
  await writeFileAtomic(path, await toSafetensorsAsync(model, { metadata: { [isCnn(spec) ? CNN_KEY : MLP_KEY]: JSON.stringify(spec), [DATA_KEY]: dataSource } }));
}

/** A model rebuilt from its weights file. */
export interface LoadedModel {
  /** The model, with the file's weights. */
  model: Module;
  /** How it was built. */
  spec: ModelSpec;
  /** The data it was trained on, when the file says. */
  dataSource: string | null;
  /** The file read. */
  path: string;
}

const positiveIntegers = (xs: unknown, length?: number): boolean =>
  Array.isArray(xs) && (length === undefined || xs.length === length) && xs.every((n) => Number.isInteger(n) && n > 0);

function parseSpec(path: string, metadata: Record<string, string>): ModelSpec {
  const fail = (why: string) =>
    new Error(
      `evaluate: ${path} ${why}; it was not written by the trainer (expected metadata '${MLP_KEY}' with sizes ${PIXELS_PER_DIGIT}-...-${DIGIT_CLASSES}, activation, dropout, dtype, ` +
        `or '${CNN_KEY}' with channels, hidden, dtype)`,
    );
  const key = metadata[CNN_KEY] !== undefined ? CNN_KEY : MLP_KEY;
  const text = metadata[key];
  if (text === undefined) throw fail('has no model description');
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch {
    throw fail(`has an unreadable model description ${JSON.stringify(text.slice(0, 80))}`);
  }
  const dtypeOk = (s: { dtype?: unknown }) => s.dtype === 'float32' || s.dtype === 'float64';
  if (key === CNN_KEY) {
    const s = spec as Partial<CnnSpec> | null;
    const valid = s !== null && s.kind === 'cnn' && positiveIntegers(s.channels, 2) && positiveIntegers(s.hidden) && dtypeOk(s);
    if (!valid) throw fail(`describes its model as ${text.slice(0, 120)}`);
    return s as CnnSpec;
  }
  const s = spec as Partial<MlpSpec> | null;
  const valid =
    s !== null &&
    positiveIntegers(s.sizes) &&
    s.sizes![0] === PIXELS_PER_DIGIT &&
    s.sizes![s.sizes!.length - 1] === DIGIT_CLASSES &&
    (s.activation === 'relu' || s.activation === 'sigmoid' || s.activation === 'tanh') &&
    typeof s.dropout === 'number' &&
    dtypeOk(s);
  if (!valid) throw fail(`describes its model as ${text.slice(0, 120)}`);
  return s as MlpSpec;
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
function checkSpecAgainstFile(path: string, spec: MlpSpec, valuesInFile: number): void {
  const tooLarge = modelSizeProblem(spec.sizes);
  if (tooLarge !== null) throw new Error(`evaluate: ${path} describes its model as too large: ${tooLarge}`);
  const declared = mlpParameterCount(spec.sizes);
  if (declared !== valuesInFile) {
    throw new Error(
      `evaluate: ${path} describes a ${spec.sizes.join('-')} MLP of ${declared.toLocaleString('en-US')} parameters, but holds ${valuesInFile.toLocaleString('en-US')} values; the description does not match the weights`,
    );
  }
}

const formatShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** The CNN the metadata declares must be within the limit and have exactly the file's tensors,
 *  name for name and shape for shape, so that a small file cannot make evaluate build a huge model. */
function checkCnnAgainstFile(path: string, spec: CnnSpec, tensors: ReadonlyMap<string, Tensor>): void {
  const expected = lenetParameterShapes(spec);
  const declared = [...expected.values()].reduce((n, shape) => n + shape.reduce((a, b) => a * b, 1), 0);
  const model = `a CNN ${describeCnn(spec)}`;
  if (declared > MAX_MODEL_PARAMETERS) {
    throw new Error(
      `evaluate: ${path} describes its model as too large: ${model} has ${declared.toLocaleString('en-US')} parameters (${formatBytes(declared * 8)} in float64), ` +
        `more than the limit of ${MAX_MODEL_PARAMETERS.toLocaleString('en-US')}`,
    );
  }
  const mismatch = (why: string) => new Error(`evaluate: ${path} describes ${model}, ${why}; the description does not match the weights`);
  for (const [name, shape] of expected) {
    const held = tensors.get(name);
    if (held === undefined) throw mismatch(`whose ${name} ${formatShape(shape)} the file does not hold`);
    if (held.shape.length !== shape.length || held.shape.some((d, i) => d !== shape[i])) {
      throw mismatch(`whose ${name} is ${formatShape(shape)}, but the file holds it as ${formatShape(held.shape)}`);
    }
  }
  const extra = [...tensors.keys()].find((name) => !expected.has(name));
  if (extra !== undefined) throw mismatch(`which has no place for the file's tensor ${extra}`);
}

/** Rebuilds the model a weights file describes (MLP or CNN) and loads its weights into it. */
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
  const spec = parseSpec(weightsPath, metadata);
  if (isCnn(spec)) checkCnnAgainstFile(weightsPath, spec, contents.tensors);
  else checkSpecAgainstFile(weightsPath, spec, [...contents.tensors.values()].reduce((n, t) => n + t.size, 0));
  const model = buildModel(spec, 0);
  try {
    fromSafetensors(model, bytes);
  } catch (error) {
    throw new Error(`evaluate: ${weightsPath}: ${(error as Error).message}`);
  }
  return { model, spec, dataSource: metadata[DATA_KEY] ?? null, path: weightsPath };
}
