import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DType } from '@matgrad/core';
import { fromSafetensors, MLP, readSafetensors, type Activation, type Module } from '@matgrad/nn';
import { saveWeights } from '@matgrad/nn/node';
import { DIGIT_CLASSES, PIXELS_PER_DIGIT } from '../data/digits.js';
import { describeCnn, LeNet, type CnnSpec } from './lenet.js';

export const WEIGHTS_FILE = 'model.safetensors';
/** The metadata keys under which the weights file records how to rebuild its model. */
const MLP_KEY = 'matgrad.mlp';
const CNN_KEY = 'matgrad.cnn';
const DATA_KEY = 'matgrad.data';

export interface MlpSpec {
  sizes: number[];
  activation: Activation;
  dropout: number;
  dtype: DType;
}

export type { CnnSpec };
export type ModelSpec = MlpSpec | CnnSpec;

export function isCnn(spec: ModelSpec): spec is CnnSpec {
  return (spec as CnnSpec).kind === 'cnn';
}

/** `784-256-10 relu` or `conv5x5(6)-pool-conv5x5(16)-pool-120-84-10`, for log lines. */
export function describeModel(spec: ModelSpec): string {
  return isCnn(spec) ? `CNN ${describeCnn(spec)}` : `${spec.sizes.join('-')} ${spec.activation}`;
}

export function buildModel(spec: ModelSpec, seed: number): Module {
  if (isCnn(spec)) return new LeNet(spec, seed);
  return new MLP({ sizes: spec.sizes, activation: spec.activation, dropout: spec.dropout, dtype: spec.dtype, seed });
}

/** Saves the weights with the spec of their model and the data they were trained on, so `evaluate` needs only the file. */
export async function saveModel(model: Module, spec: ModelSpec, dataSource: string, path: string): Promise<void> {
  await saveWeights(model, path, { metadata: { [isCnn(spec) ? CNN_KEY : MLP_KEY]: JSON.stringify(spec), [DATA_KEY]: dataSource } });
}

export interface LoadedModel {
  model: Module;
  spec: ModelSpec;
  dataSource: string | null;
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
  return info.isDirectory() ? join(path, WEIGHTS_FILE) : path;
}

/** Rebuilds the model a weights file describes (MLP or CNN) and loads its weights into it. */
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
  const spec = parseSpec(weightsPath, metadata);
  const model = buildModel(spec, 0);
  try {
    fromSafetensors(model, bytes);
  } catch (error) {
    throw new Error(`evaluate: ${weightsPath}: ${(error as Error).message}`);
  }
  return { model, spec, dataSource: metadata[DATA_KEY] ?? null, path: weightsPath };
}
