// The one training job every peer runs: written once as raw little-endian files so
// that matgrad, TensorFlow.js and numpy start from the same weights and see the
// batches in the same order.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '@matgrad/core';
import { loadMnistSplit, seededPermutation } from '../src/data/mnist.js';

export interface WorkloadSpec {
  inputs: number;
  hidden: number;
  classes: number;
  batch: number;
  learningRate: number;
  trainCount: number;
  testCount: number;
  weightSeed: number;
  orderSeed: number;
}

export const SPEC: WorkloadSpec = {
  inputs: 784,
  hidden: 100,
  classes: 10,
  batch: 100,
  learningRate: 0.1,
  trainCount: 8000,
  testCount: 2000,
  weightSeed: 7,
  orderSeed: 11,
};

/** File name → element type. Every peer reads these by name. */
export const FILES = {
  trainX: 'train-x.f32',
  trainY: 'train-y.i32',
  testX: 'test-x.f32',
  testY: 'test-y.i32',
  w1: 'w1.f32',
  b1: 'b1.f32',
  w2: 'w2.f32',
  b2: 'b2.f32',
  order: 'order.i32',
} as const;

export interface Workload {
  spec: WorkloadSpec;
  trainX: Float32Array;
  trainY: Int32Array;
  testX: Float32Array;
  testY: Int32Array;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
  /** The training rows in the order the epoch visits them, `batch` at a time. */
  order: Int32Array;
}

/** He-normal weights (std √(2/fan-in), the usual choice before ReLU) and zero biases. */
function heNormal(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  const std = Math.sqrt(2 / fanIn);
  return Float32Array.from({ length: fanIn * fanOut }, () => rng.normal() * std);
}

async function writeWorkload(dir: string): Promise<void> {
  const { train, test } = loadMnistSplit('float32');
  if (train.count !== SPEC.trainCount || test.count !== SPEC.testCount) {
    throw new Error(`bench workload: expected ${SPEC.trainCount}/${SPEC.testCount} digits, the MNIST split has ${train.count}/${test.count}`);
  }
  const rng = new Rng(SPEC.weightSeed);
  const arrays: Record<keyof typeof FILES, Float32Array | Int32Array> = {
    trainX: train.features as Float32Array,
    trainY: train.labels,
    testX: test.features as Float32Array,
    testY: test.labels,
    w1: heNormal(rng, SPEC.inputs, SPEC.hidden),
    b1: new Float32Array(SPEC.hidden),
    w2: heNormal(rng, SPEC.hidden, SPEC.classes),
    b2: new Float32Array(SPEC.classes),
    order: seededPermutation(SPEC.trainCount, SPEC.orderSeed),
  };
  await mkdir(dir, { recursive: true });
  for (const [key, file] of Object.entries(FILES)) {
    const a = arrays[key as keyof typeof FILES];
    await writeFile(join(dir, file), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  // Written last: its presence says the folder is complete.
  await writeFile(join(dir, 'workload.json'), JSON.stringify({ spec: SPEC, files: FILES }, null, 2));
}

/** Writes the workload into `dir` unless a complete one for this SPEC is already there. */
export async function ensureWorkload(dir: string): Promise<void> {
  const meta = join(dir, 'workload.json');
  if (existsSync(meta) && JSON.stringify(JSON.parse(readFileSync(meta, 'utf8')).spec) === JSON.stringify(SPEC)) return;
  await writeWorkload(dir);
}

function readTyped<T extends Float32Array | Int32Array>(dir: string, file: string, Ctor: { new (b: ArrayBuffer): T }): T {
  const bytes = readFileSync(join(dir, file));
  // Copied into a fresh buffer: Node's pooled Buffers need not be 4-byte aligned.
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return new Ctor(copy);
}

export function readWorkload(dir: string): Workload {
  const meta = JSON.parse(readFileSync(join(dir, 'workload.json'), 'utf8')) as { spec: WorkloadSpec };
  return {
    spec: meta.spec,
    trainX: readTyped(dir, FILES.trainX, Float32Array),
    trainY: readTyped(dir, FILES.trainY, Int32Array),
    testX: readTyped(dir, FILES.testX, Float32Array),
    testY: readTyped(dir, FILES.testY, Int32Array),
    w1: readTyped(dir, FILES.w1, Float32Array),
    b1: readTyped(dir, FILES.b1, Float32Array),
    w2: readTyped(dir, FILES.w2, Float32Array),
    b2: readTyped(dir, FILES.b2, Float32Array),
    order: readTyped(dir, FILES.order, Int32Array),
  };
}

/** Fraction of rows whose largest logit is the label's. */
export function accuracy(logits: ArrayLike<number>, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c]! > logits[i * classes + best]!) best = c;
    if (best === labels[i]) correct++;
  }
  return correct / labels.length;
}

/** Copies the rows of batch `b` (in epoch order) into `x` and their labels into `y`. */
export function gatherBatch(w: Workload, b: number, x: Float32Array, y: Int32Array): void {
  gatherRows(w, b * w.spec.batch, w.spec.batch, x, y);
}

/** The CNN job: LeNet-5's layout (the trainer's --model cnn) on the same digits and batch order,
 *  plain SGD; its weights are written beside the MLP's workload. */
export interface CnnWorkloadSpec {
  channels: [number, number];
  hidden: [number, number];
  classes: number;
  batch: number;
  learningRate: number;
  trainCount: number;
  testCount: number;
  weightSeed: number;
}

export const CNN_SPEC: CnnWorkloadSpec = {
  channels: [6, 16],
  hidden: [120, 84],
  classes: 10,
  batch: 100,
  learningRate: 0.05,
  trainCount: 8000,
  testCount: 2000,
  weightSeed: 13,
};

/** The CNN's parameters in matgrad's layouts: filters [F, C, 5, 5], Linear weights [in, out]. */
export const CNN_FILES = {
  conv1: 'cnn-conv1.f32',
  conv1Bias: 'cnn-conv1-bias.f32',
  conv2: 'cnn-conv2.f32',
  conv2Bias: 'cnn-conv2-bias.f32',
  fc1: 'cnn-fc1.f32',
  fc1Bias: 'cnn-fc1-bias.f32',
  fc2: 'cnn-fc2.f32',
  fc2Bias: 'cnn-fc2-bias.f32',
  fc3: 'cnn-fc3.f32',
  fc3Bias: 'cnn-fc3-bias.f32',
} as const;

export type CnnWeights = Record<keyof typeof CNN_FILES, Float32Array>;

/** The shapes of the CNN's parameters, in CNN_FILES order. */
export function cnnShapes(s: CnnWorkloadSpec): Record<keyof typeof CNN_FILES, number[]> {
  const [c1, c2] = s.channels;
  const [h1, h2] = s.hidden;
  return {
    conv1: [c1, 1, 5, 5],
    conv1Bias: [c1],
    conv2: [c2, c1, 5, 5],
    conv2Bias: [c2],
    fc1: [c2 * 25, h1],
    fc1Bias: [h1],
    fc2: [h1, h2],
    fc2Bias: [h2],
    fc3: [h2, s.classes],
    fc3Bias: [s.classes],
  };
}

/** Writes the CNN's weights (He-normal over each layer's fan-in, zero biases) beside the MLP workload. */
export async function ensureCnnWorkload(dir: string): Promise<void> {
  await ensureWorkload(dir);
  const meta = join(dir, 'cnn.json');
  if (existsSync(meta) && JSON.stringify(JSON.parse(readFileSync(meta, 'utf8')).spec) === JSON.stringify(CNN_SPEC)) return;
  const rng = new Rng(CNN_SPEC.weightSeed);
  const shapes = cnnShapes(CNN_SPEC);
  for (const [key, file] of Object.entries(CNN_FILES) as [keyof typeof CNN_FILES, string][]) {
    const shape = shapes[key];
    const size = shape.reduce((a, b) => a * b, 1);
    // Fan-in: C·kh·kw for a filter bank [F, C, kh, kw], the input width for a Linear [in, out].
    const fanIn = shape.length === 4 ? shape[1]! * shape[2]! * shape[3]! : shape[0]!;
    const values = shape.length === 1 ? new Float32Array(size) : heNormal(rng, fanIn, size / fanIn);
    await writeFile(join(dir, file), new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  await writeFile(meta, JSON.stringify({ spec: CNN_SPEC, files: CNN_FILES }, null, 2));
}

export function readCnnWeights(dir: string): { spec: CnnWorkloadSpec; weights: CnnWeights } {
  const meta = JSON.parse(readFileSync(join(dir, 'cnn.json'), 'utf8')) as { spec: CnnWorkloadSpec };
  const weights = Object.fromEntries(Object.entries(CNN_FILES).map(([key, file]) => [key, readTyped(dir, file, Float32Array)])) as CnnWeights;
  return { spec: meta.spec, weights };
}

/** The scaling job: a wider and deeper MLP on larger batches (dense, large products), trained
 *  for a fixed number of SGD steps on the first batches of the same batch order. */
export interface LargeWorkloadSpec {
  /** Layer widths, input first: Linear layers with ReLU between them. */
  layers: number[];
  batch: number;
  /** Timed SGD steps per run (an epoch would take minutes on the slower peers). */
  steps: number;
  learningRate: number;
  weightSeed: number;
}

export const LARGE_SPEC: LargeWorkloadSpec = {
  layers: [784, 1024, 1024, 10],
  batch: 256,
  steps: 3,
  learningRate: 0.1,
  weightSeed: 17,
};

/** Weights [in, out] and zero biases per layer: `large-w1.f32`, `large-b1.f32`, ... */
function largeFiles(spec: LargeWorkloadSpec): { weight: string; bias: string }[] {
  return spec.layers.slice(1).map((_, i) => ({ weight: `large-w${i + 1}.f32`, bias: `large-b${i + 1}.f32` }));
}

/** Writes the scaling job's He-normal weights beside the MLP workload, once. */
export async function ensureLargeWorkload(dir: string): Promise<void> {
  await ensureWorkload(dir);
  const meta = join(dir, 'large.json');
  if (existsSync(meta) && JSON.stringify(JSON.parse(readFileSync(meta, 'utf8')).spec) === JSON.stringify(LARGE_SPEC)) return;
  const rng = new Rng(LARGE_SPEC.weightSeed);
  const files = largeFiles(LARGE_SPEC);
  for (const [i, { weight, bias }] of files.entries()) {
    const [fanIn, fanOut] = [LARGE_SPEC.layers[i]!, LARGE_SPEC.layers[i + 1]!];
    const w = heNormal(rng, fanIn, fanOut);
    await writeFile(join(dir, weight), new Uint8Array(w.buffer));
    await writeFile(join(dir, bias), new Uint8Array(new Float32Array(fanOut).buffer));
  }
  await writeFile(meta, JSON.stringify({ spec: LARGE_SPEC, files }, null, 2));
}

/** A Linear layer's initial weight [in, out] and bias [out], row-major float32. */
export interface LayerWeights {
  weight: Float32Array;
  bias: Float32Array;
}

export function readLargeWorkload(dir: string): { spec: LargeWorkloadSpec; layers: LayerWeights[] } {
  const meta = JSON.parse(readFileSync(join(dir, 'large.json'), 'utf8')) as { spec: LargeWorkloadSpec; files: { weight: string; bias: string }[] };
  return {
    spec: meta.spec,
    layers: meta.files.map((f) => ({ weight: readTyped(dir, f.weight, Float32Array), bias: readTyped(dir, f.bias, Float32Array) })),
  };
}

/** The benchmark MLP's initial weights as layers, for code shared with the scaling job. */
export function smallLayers(w: Workload): LayerWeights[] {
  return [
    { weight: w.w1, bias: w.b1 },
    { weight: w.w2, bias: w.b2 },
  ];
}

/** Copies `count` rows of the epoch order, from position `start`, into `x` and their labels into `y`. */
export function gatherRows(w: Workload, start: number, count: number, x: Float32Array, y: Int32Array): void {
  const { inputs } = w.spec;
  for (let r = 0; r < count; r++) {
    const row = w.order[start + r]!;
    x.set(w.trainX.subarray(row * inputs, (row + 1) * inputs), r * inputs);
    y[r] = w.trainY[row]!;
  }
}
