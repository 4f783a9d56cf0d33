// TensorFlow.js peer: `peer-tfjs.ts <workload dir> cpu|wasm [mlp|cnn]`.
// '@tensorflow/tfjs' is imported for its side effect of registering the gradients
// (tfjs-core alone registers none); it shares the one tfjs-core instance.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { filler, matmulResult, servePeer, timeCalls, timing, type EpochResult, type LatencyModel, type OpCase, type OpsResult, type StepsResult, type Variant } from './protocol.js';
import { gatherBatch, gatherRows, readCnnWeights, readLargeWorkload, readWorkload, smallLayers, type LayerWeights } from './workload.js';

const [dir, backend, job = 'mlp'] = process.argv.slice(2);
if (!dir || (backend !== 'cpu' && backend !== 'wasm') || (job !== 'mlp' && job !== 'cnn')) {
  throw new Error(`peer-tfjs: usage peer-tfjs.ts <workload dir> cpu|wasm [mlp|cnn], got ${process.argv.slice(2).join(' ')}`);
}

if (backend === 'wasm') {
  // The .wasm files ship inside the npm package: point the loader at them on disk.
  const require = createRequire(import.meta.url);
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/');
  setWasmPaths(wasmDir);
}
if (!(await tf.setBackend(backend))) throw new Error(`peer-tfjs: backend '${backend}' failed to initialise`);
await tf.ready();
if (backend === 'wasm') registerFilterGradient();

/**
 * tfjs-backend-wasm has Conv2D and Conv2DBackpropInput but no Conv2DBackpropFilter, so a CNN
 * cannot train on it as shipped. This registers one made of the backend's own kernels: for
 * stride 1 and 'valid' padding, dW[i, j, c, f] = Σ x[n, y+i, z+j, c]·dy[n, y, z, f] is a 'valid'
 * convolution of x seen as [C, H, W, N] with dy seen as [OH, OW, N, F] as its filter.
 */
function registerFilterGradient(): void {
  const kernel = (name: string) => {
    const k = tf.getKernel(name, 'wasm');
    if (k === undefined) throw new Error(`peer-tfjs: the wasm backend has no ${name} kernel`);
    return k.kernelFunc;
  };
  const conv = kernel('Conv2D');
  const transpose = kernel('Transpose');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend: b, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dilations } = attrs as { strides: number | [number, number]; pad: unknown; dilations?: number | [number, number] };
      const ones = (v: number | [number, number] | undefined) => v === undefined || [v].flat().every((s) => s === 1);
      if (pad !== 'valid' || !ones(strides) || !ones(dilations)) {
        throw new Error(`peer-tfjs: the filter gradient here handles stride 1, 'valid' padding only, got ${JSON.stringify(attrs)}`);
      }
      const run = (f: typeof conv, args: object) => f({ backend: b, ...args } as Parameters<typeof conv>[0]) as tf.TensorInfo;
      const xt = run(transpose, { inputs: { x }, attrs: { perm: [3, 1, 2, 0] } });
      const dyt = run(transpose, { inputs: { x: dy }, attrs: { perm: [1, 2, 0, 3] } });
      const r = run(conv, { inputs: { x: xt, filter: dyt }, attrs: { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined } });
      const out = run(transpose, { inputs: { x: r }, attrs: { perm: [1, 2, 0, 3] } });
      for (const t of [xt, dyt, r]) (b as unknown as { disposeData(id: object): void }).disposeData(t.dataId);
      return out;
    },
  });
}

const w = readWorkload(dir);
const { inputs, hidden, classes, trainCount } = w.spec;
const cnn = job === 'cnn' ? readCnnWeights(dir) : null;
const { batch, learningRate } = cnn?.spec ?? w.spec;
const W1 = tf.variable(tf.tensor2d(w.w1, [inputs, hidden]));
const B1 = tf.variable(tf.tensor1d(w.b1));
const W2 = tf.variable(tf.tensor2d(w.w2, [hidden, classes]));
const B2 = tf.variable(tf.tensor1d(w.b2));
const optimizer = tf.train.sgd(learningRate);
const x = new Float32Array(batch * inputs);
const y = new Int32Array(batch);

/** The CNN's parameters: filters as tfjs keeps them, [kh, kw, C, F], from matgrad's [F, C, kh, kw]. */
const cnnParams = cnn === null ? null : (() => {
  const { spec, weights } = cnn;
  const [c1, c2] = spec.channels;
  const [h1, h2] = spec.hidden;
  const filters = (v: Float32Array, f: number, c: number) => tf.tidy(() => tf.transpose(tf.tensor4d(v, [f, c, 5, 5]), [2, 3, 1, 0]));
  const initial = (): tf.Tensor[] => [
    filters(weights.conv1, c1, 1), tf.tensor1d(weights.conv1Bias),
    filters(weights.conv2, c2, c1), tf.tensor1d(weights.conv2Bias),
    tf.tensor2d(weights.fc1, [c2 * 25, h1]), tf.tensor1d(weights.fc1Bias),
    tf.tensor2d(weights.fc2, [h1, h2]), tf.tensor1d(weights.fc2Bias),
    tf.tensor2d(weights.fc3, [h2, classes]), tf.tensor1d(weights.fc3Bias),
  ];
  return { variables: initial().map((t) => tf.variable(t)), initial, flat: c2 * 25 };
})();

function logits(input: tf.Tensor2D): tf.Tensor2D {
  if (cnnParams !== null) {
    const [k1, b1, k2, b2, f1, c1, f2, c2, f3, c3] = cnnParams.variables as unknown as [tf.Tensor4D, tf.Tensor, tf.Tensor4D, tf.Tensor, tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor];
    const images = tf.pad(tf.reshape(input, [-1, 28, 28, 1]), [[0, 0], [2, 2], [2, 2], [0, 0]]) as tf.Tensor4D;
    const pool1 = tf.maxPool(tf.relu(tf.add(tf.conv2d(images, k1, 1, 'valid'), b1)) as tf.Tensor4D, 2, 2, 'valid');
    const pool2 = tf.maxPool(tf.relu(tf.add(tf.conv2d(pool1, k2, 1, 'valid'), b2)) as tf.Tensor4D, 2, 2, 'valid');
    // Flattened channel by channel, as matgrad's NCHW tensors are.
    const flat = tf.reshape(tf.transpose(pool2, [0, 3, 1, 2]), [-1, cnnParams.flat]) as tf.Tensor2D;
    const h = tf.relu(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(flat, f1), c1)) as tf.Tensor2D, f2), c2)) as tf.Tensor2D;
    return tf.add(tf.matMul(h, f3), c3);
  }
  return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(input, W1), B1)), W2), B2);
}

function resetWeights(): void {
  if (cnnParams !== null) {
    const values = cnnParams.initial();
    cnnParams.variables.forEach((v, i) => v.assign(values[i]!));
    for (const t of values) t.dispose();
    return;
  }
  W1.assign(tf.tensor2d(w.w1, [inputs, hidden]));
  B1.assign(tf.tensor1d(w.b1));
  W2.assign(tf.tensor2d(w.w2, [hidden, classes]));
  B2.assign(tf.tensor1d(w.b2));
}

function epoch(): EpochResult {
  resetWeights();
  let lossSum = 0;
  const steps = trainCount / batch;
  const faultsBefore = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  for (let b = 0; b < steps; b++) {
    gatherBatch(w, b, x, y);
    const loss = tf.tidy(() => {
      const input = tf.tensor2d(x, [batch, inputs]);
      const onehot = tf.oneHot(tf.tensor1d(y, 'int32'), classes);
      return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(onehot, logits(input)) as tf.Scalar, true, cnnParams?.variables ?? [W1, B1, W2, B2])!;
    });
    lossSum += loss.dataSync()[0]!;
    loss.dispose();
  }
  const epochMs = performance.now() - t0;
  const pageFaults = process.resourceUsage().minorPageFault - faultsBefore;
  // Scored 250 digits at a time, as the matgrad peer does; untimed.
  const predicted = new Int32Array(w.testY.length);
  for (let start = 0; start < w.testY.length; start += 250) {
    const rows = Math.min(250, w.testY.length - start);
    predicted.set(tf.tidy(() => tf.argMax(logits(tf.tensor2d(w.testX.subarray(start * inputs, (start + rows) * inputs), [rows, inputs])), 1).dataSync()), start);
  }
  let correct = 0;
  for (let i = 0; i < w.testY.length; i++) if (predicted[i] === w.testY[i]) correct++;
  return { epochMs, testAccuracy: correct / w.testY.length, meanLoss: lossSum / steps, pageFaults };
}

function matmul(m: number, k: number, n: number, variant: Variant) {
  const a = variant === 'AtB' ? tf.tensor2d(filler(k * m, 1), [k, m]) : tf.tensor2d(filler(m * k, 1), [m, k]);
  const b = variant === 'ABt' ? tf.tensor2d(filler(n * k, 2), [n, k]) : tf.tensor2d(filler(k * n, 2), [k, n]);
  const perCall = timeCalls(() => {
    const c = tf.matMul(a, b, variant === 'AtB', variant === 'ABt');
    c.dataSync();
    c.dispose();
  });
  a.dispose();
  b.dispose();
  return matmulResult(m, k, n, perCall);
}

/** Linear layers with ReLU between them, as variables holding `layers`' initial weights. */
function mlp(layers: LayerWeights[], trainable: boolean) {
  const initial = () => layers.flatMap(({ weight, bias }) => [tf.tensor2d(weight, [weight.length / bias.length, bias.length]), tf.tensor1d(bias)]);
  const variables = initial().map((t) => tf.variable(t, trainable));
  const forward = (input: tf.Tensor2D): tf.Tensor2D => {
    let h = input;
    for (let i = 0; i < variables.length; i += 2) {
      if (i > 0) h = tf.relu(h);
      h = tf.add(tf.matMul(h, variables[i] as tf.Tensor2D), variables[i + 1]!);
    }
    return h;
  };
  const reset = () => {
    const values = initial();
    variables.forEach((v, i) => v.assign(values[i]!));
    for (const t of values) t.dispose();
  };
  return { forward, reset, variables };
}

const largeWorkload = job === 'mlp' ? readLargeWorkload(dir) : null;
let large: ReturnType<typeof mlp> | null = null;

function largeSteps(): StepsResult {
  const spec = largeWorkload!.spec;
  large ??= mlp(largeWorkload!.layers, true);
  large.reset();
  const sgd = tf.train.sgd(spec.learningRate);
  const xs = new Float32Array(spec.batch * inputs);
  const labels = new Int32Array(spec.batch);
  let lossSum = 0;
  const t0 = performance.now();
  for (let s = 0; s < spec.steps; s++) {
    gatherRows(w, s * spec.batch, spec.batch, xs, labels);
    const loss = tf.tidy(() => {
      const input = tf.tensor2d(xs, [spec.batch, inputs]);
      const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
      return sgd.minimize(() => tf.losses.softmaxCrossEntropy(onehot, large!.forward(input)) as tf.Scalar, true, large!.variables)!;
    });
    lossSum += loss.dataSync()[0]!;
    loss.dispose();
  }
  const stepMs = (performance.now() - t0) / spec.steps;
  sgd.dispose();
  return { stepMs, meanLoss: lossSum / spec.steps };
}

/** The benchmark MLP at its initial weights, for the latency row. */
let small: ReturnType<typeof mlp> | null = null;
const sample = w.testX.slice(0, inputs);

/** Batch 1 through either model at its initial weights (every peer times the same values). */
function latency(which: LatencyModel) {
  let net: ReturnType<typeof mlp>;
  if (which === 'large') {
    net = large ??= mlp(largeWorkload!.layers, true);
    net.reset();
  } else {
    net = small ??= mlp(smallLayers(w), false);
  }
  return timing(() => {
    tf.tidy(() => net.forward(tf.tensor2d(sample, [1, inputs])).dataSync());
  });
}

const OP_CALLS: Record<OpCase['op'], (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor> = {
  add: (a, b) => tf.add(a, b),
  mul: (a, b) => tf.mul(a, b),
  relu: (a) => tf.relu(a),
  matmul: (a, b) => tf.matMul(a, b),
  sum: (a) => tf.sum(a),
};

function ops(cases: OpCase[]): OpsResult {
  return {
    ops: cases.map(({ op, size }) => {
      const a = tf.tensor2d(filler(size * size, 1), [size, size]);
      const b = tf.tensor2d(filler(size * size, 2), [size, size]);
      const call = OP_CALLS[op];
      const result = timing(() => call(a, b).dispose());
      a.dispose();
      b.dispose();
      return result;
    }),
  };
}

// tfjs-backend-wasm runs XNNPACK single-threaded under Node (its multithread flag is
// off there); the cpu backend is plain JavaScript on the calling thread.
const threads = backend === 'wasm' ? getThreadsCount() : 1;
const extra = job === 'cnn' && backend === 'wasm' ? ' (its filter gradient composed of its Conv2D and Transpose kernels)' : '';
await servePeer({ detail: `TensorFlow.js ${tf.version_core}, backend ${tf.getBackend()}${extra}, ${threads} thread${threads === 1 ? '' : 's'}`, epoch, matmul, largeSteps, latency, ops });
