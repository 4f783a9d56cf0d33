// matgrad peer: `peer-matgrad.ts <workload dir> float32|float64 [mlp|cnn] [threads]`. Trains with
// @matgrad/nn (Linear, ReLU, SGD; for cnn the trainer's LeNet: Conv2d, MaxPool2d, Flatten) on
// @matgrad/core; float64 runs the same job on widened copies of the data and weights.
import { fromBuffer, getBackend, matmul, memoryStats, noGrad, setThreads, softmaxCrossEntropy, take, tensor, tidy, transpose, type Tensor } from '@matgrad/core';
import { Linear, ReLU, SGD, Sequential, type Module } from '@matgrad/nn';
import { LeNet } from '../src/trainer/lenet.js';
import { filler, matmulResult, servePeer, timeCalls, timing, type EpochResult, type LatencyModel, type OpCase, type OpsResult, type StepsResult, type Variant } from './protocol.js';
import { accuracy, readCnnWeights, readLargeWorkload, readWorkload, smallLayers, type LayerWeights } from './workload.js';

const [dir, dtype, job = 'mlp', threadArg = '1'] = process.argv.slice(2);
const threads = Number(threadArg);
if (!dir || (dtype !== 'float32' && dtype !== 'float64') || (job !== 'mlp' && job !== 'cnn') || !Number.isInteger(threads) || threads < 1) {
  throw new Error(`peer-matgrad: usage peer-matgrad.ts <workload dir> float32|float64 [mlp|cnn] [threads], got ${process.argv.slice(2).join(' ')}`);
}
// More than one thread splits the large matrix products between worker threads.
await setThreads(threads);
const Float = dtype === 'float32' ? Float32Array : Float64Array;

const w = readWorkload(dir);
const { inputs, classes, trainCount } = w.spec;

/** The model, its parameters paired with the workload's initial values, and the SGD settings. */
function setup(): { model: Module; initial: [Tensor, Float32Array][]; batch: number; learningRate: number } {
  if (job === 'cnn') {
    const { spec, weights } = readCnnWeights(dir!);
    // The seed only satisfies the layers; epoch() overwrites every parameter with the workload's.
    const model = new LeNet({ kind: 'cnn', channels: spec.channels, hidden: spec.hidden, dtype: dtype as 'float32' | 'float64' }, 1);
    const named = new Map(model.namedParameters());
    const p = (name: string) => named.get(name)!;
    const initial: [Tensor, Float32Array][] = [
      [p('features.0.weight'), weights.conv1],
      [p('features.0.bias'), weights.conv1Bias],
      [p('features.3.weight'), weights.conv2],
      [p('features.3.bias'), weights.conv2Bias],
      [p('classifier.0.weight'), weights.fc1],
      [p('classifier.0.bias'), weights.fc1Bias],
      [p('classifier.2.weight'), weights.fc2],
      [p('classifier.2.bias'), weights.fc2Bias],
      [p('classifier.4.weight'), weights.fc3],
      [p('classifier.4.bias'), weights.fc3Bias],
    ];
    if (initial.length !== named.size) throw new Error(`peer-matgrad: the LeNet has ${named.size} parameters, the workload ${initial.length}`);
    return { model, initial, batch: spec.batch, learningRate: spec.learningRate };
  }
  const first = new Linear(inputs, w.spec.hidden, { dtype: dtype as 'float32' | 'float64', seed: 1 });
  const second = new Linear(w.spec.hidden, classes, { dtype: dtype as 'float32' | 'float64', seed: 2 });
  const initial: [Tensor, Float32Array][] = [
    [first.weight, w.w1],
    [first.bias!, w.b1],
    [second.weight, w.w2],
    [second.bias!, w.b2],
  ];
  return { model: new Sequential(first, new ReLU(), second), initial, batch: w.spec.batch, learningRate: w.spec.learningRate };
}

const { model, initial, batch, learningRate } = setup();
const optimizer = new SGD(model, { lr: learningRate });
const testX = fromBuffer(Float.from(w.testX), [w.testY.length, inputs]);
// The training digits are one tensor on the backend, and each step takes its batch's rows from
// it, as nn's TensorDataset does (numpy's peer indexes its array the same way).
const trainX = tensor(Float.from(w.trainX), { shape: [w.trainX.length / inputs, inputs], dtype: dtype as 'float32' | 'float64' });
const y = new Int32Array(batch);

/** The `count` rows of trainX from position `start` of the workload's order; their labels go to `labels`. */
function batchRows(start: number, count: number, labels: Int32Array): Int32Array {
  const rows = w.order.subarray(start, start + count);
  for (let r = 0; r < count; r++) labels[r] = w.trainY[rows[r]!]!;
  return rows;
}

function epoch(): EpochResult {
  for (const [p, v] of initial) p.assign(v);
  let lossSum = 0;
  const steps = trainCount / batch;
  const freshBefore = memoryStats().fresh;
  const faultsBefore = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  for (let b = 0; b < steps; b++) {
    const rows = batchRows(b * batch, batch, y);
    // tidy hands each step's batch, activations and temporaries back to the backend's pool.
    lossSum += tidy(() => {
      optimizer.zeroGrad();
      const loss = softmaxCrossEntropy(model.forward(take(trainX, rows, 0)), y);
      loss.backward();
      optimizer.step();
      return loss.item();
    });
  }
  const epochMs = performance.now() - t0;
  const pageFaults = process.resourceUsage().minorPageFault - faultsBefore;
  const freshBuffers = memoryStats().fresh - freshBefore;
  // Scored 250 digits at a time (the CNN's im2col of all 2000 would be a 240 MB matrix); untimed.
  const logits = new Float(w.testY.length * classes);
  for (let start = 0; start < w.testY.length; start += 250) {
    const rows = Math.min(250, w.testY.length - start);
    logits.set(tidy(() => noGrad(() => model.forward(testX.slice([[start, start + rows]]))).values()), start * classes);
  }
  const testAccuracy = accuracy(logits, w.testY, classes);
  return { epochMs, testAccuracy, meanLoss: lossSum / steps, freshBuffers, pageFaults };
}

/** A product's operand as a tensor on the backend (in WebAssembly memory on the wasm backend,
 *  as tfjs-wasm's live in its heap), stored as is or transposed. */
function operand(rows: number, cols: number, stored: 'plain' | 'transposed', seed: number): Tensor {
  const values = Float.from(filler(rows * cols, seed));
  const options = { dtype: dtype as 'float32' | 'float64' };
  return stored === 'plain' ? tensor(values, { shape: [rows, cols], ...options }) : transpose(tensor(values, { shape: [cols, rows], ...options }));
}

function matmulBench(m: number, k: number, n: number, variant: Variant) {
  const a = operand(m, k, variant === 'AtB' ? 'transposed' : 'plain', 1);
  const b = operand(k, n, variant === 'ABt' ? 'transposed' : 'plain', 2);
  // Each product handed back to the pool at once, as the tfjs peer disposes its results and
  // numpy frees its arrays (a product never released would be new memory every call).
  return matmulResult(m, k, n, timeCalls(() => matmul(a, b).dispose()));
}

/** Linear layers with ReLU between them, holding the given initial weights (widened for float64). */
function mlp(weights: LayerWeights[]): { model: Module; initial: [Tensor, Float32Array][] } {
  const modules: Module[] = [];
  const initial: [Tensor, Float32Array][] = [];
  for (const [i, { weight, bias }] of weights.entries()) {
    // The seed only satisfies the layer; the workload's weights are assigned below.
    const linear = new Linear(weight.length / bias.length, bias.length, { dtype: dtype as 'float32' | 'float64', seed: i + 1 });
    initial.push([linear.weight, weight], [linear.bias!, bias]);
    if (i > 0) modules.push(new ReLU());
    modules.push(linear);
  }
  for (const [p, v] of initial) p.assign(v);
  return { model: new Sequential(...modules), initial };
}

/** The scaling job, built on its first request. */
let large: (ReturnType<typeof mlp> & { optimizer: SGD; spec: ReturnType<typeof readLargeWorkload>['spec'] }) | null = null;
function largeJob(): NonNullable<typeof large> {
  if (large === null) {
    const { spec, layers } = readLargeWorkload(dir!);
    const built = mlp(layers);
    large = { ...built, optimizer: new SGD(built.model, { lr: spec.learningRate }), spec };
  }
  return large;
}

function largeSteps(): StepsResult {
  const { model: net, initial: start, optimizer: sgd, spec } = largeJob();
  for (const [p, v] of start) p.assign(v);
  const labels = new Int32Array(spec.batch);
  let lossSum = 0;
  const t0 = performance.now();
  for (let s = 0; s < spec.steps; s++) {
    // As in epoch(): the batch's rows taken from the training tensor.
    const rows = batchRows(s * spec.batch, spec.batch, labels);
    lossSum += tidy(() => {
      sgd.zeroGrad();
      const loss = softmaxCrossEntropy(net.forward(take(trainX, rows, 0)), labels);
      loss.backward();
      sgd.step();
      return loss.item();
    });
  }
  return { stepMs: (performance.now() - t0) / spec.steps, meanLoss: lossSum / spec.steps };
}

/** The benchmark MLP at its initial weights, for the latency row (the trained one keeps changing). */
let smallNet: Module | null = null;
const sample = Float.from(w.testX.subarray(0, inputs));

/** Batch 1 through either model at its initial weights (every peer times the same values). */
function latency(which: LatencyModel) {
  let net: Module;
  if (which === 'large') {
    const job = largeJob();
    for (const [p, v] of job.initial) p.assign(v);
    net = job.model;
  } else {
    net = smallNet ??= mlp(smallLayers(w)).model;
  }
  return timing(() => {
    tidy(() => noGrad(() => net.forward(fromBuffer(sample, [1, inputs]))).values());
  });
}

const OP_CALLS: Record<OpCase['op'], (a: Tensor, b: Tensor) => Tensor> = {
  add: (a, b) => a.add(b),
  mul: (a, b) => a.mul(b),
  relu: (a) => a.relu(),
  matmul: (a, b) => a.matmul(b),
  sum: (a) => a.sum(),
};

function ops(cases: OpCase[]): OpsResult {
  return {
    ops: cases.map(({ op, size }) => {
      // Operands made as tensors (copied onto the backend: WebAssembly memory on the wasm
      // backend, as tfjs-wasm's live in its heap), not JavaScript arrays wrapped by fromBuffer.
      const a = tensor(Float.from(filler(size * size, 1)), { shape: [size, size], dtype: dtype as 'float32' | 'float64' });
      const b = tensor(Float.from(filler(size * size, 2)), { shape: [size, size], dtype: dtype as 'float32' | 'float64' });
      const call = OP_CALLS[op];
      // Each result handed back to the pool at once, as the tfjs peers dispose theirs.
      return timing(() => call(a, b).dispose());
    }),
  };
}

const kernelName = getBackend().name === 'wasm' ? 'WebAssembly SIMD128' : 'JavaScript';
const layers = job === 'cnn' ? 'nn Conv2d/ReLU/MaxPool2d/Flatten/Linear/SGD: conv2d as im2col + matmul' : 'nn Linear/ReLU/SGD';
const threadText = threads === 1 ? '1 thread' : `${threads} threads (products and updates split)`;
await servePeer({ detail: `matgrad ${dtype} (${layers}), ${kernelName} kernels, ${threadText}`, epoch, matmul: matmulBench, largeSteps, latency, ops });
