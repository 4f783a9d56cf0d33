// TensorFlow.js peer: `peer-tfjs.ts <workload dir> cpu|wasm`.
// '@tensorflow/tfjs' is imported for its side effect of registering the gradients
// (tfjs-core alone registers none); it shares the one tfjs-core instance.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { filler, matmulResult, servePeer, timeCalls, type EpochResult, type Variant } from './protocol.js';
import { gatherBatch, readWorkload } from './workload.js';

const [dir, backend] = process.argv.slice(2);
if (!dir || (backend !== 'cpu' && backend !== 'wasm')) {
  throw new Error(`peer-tfjs: usage peer-tfjs.ts <workload dir> cpu|wasm, got ${process.argv.slice(2).join(' ')}`);
}

if (backend === 'wasm') {
  // The .wasm files ship inside the npm package: point the loader at them on disk.
  const require = createRequire(import.meta.url);
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/');
  setWasmPaths(wasmDir);
}
if (!(await tf.setBackend(backend))) throw new Error(`peer-tfjs: backend '${backend}' failed to initialise`);
await tf.ready();

const w = readWorkload(dir);
const { inputs, hidden, classes, batch, learningRate, trainCount } = w.spec;
const W1 = tf.variable(tf.tensor2d(w.w1, [inputs, hidden]));
const B1 = tf.variable(tf.tensor1d(w.b1));
const W2 = tf.variable(tf.tensor2d(w.w2, [hidden, classes]));
const B2 = tf.variable(tf.tensor1d(w.b2));
const optimizer = tf.train.sgd(learningRate);
const x = new Float32Array(batch * inputs);
const y = new Int32Array(batch);

function logits(input: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(input, W1), B1)), W2), B2);
}

function epoch(): EpochResult {
  W1.assign(tf.tensor2d(w.w1, [inputs, hidden]));
  B1.assign(tf.tensor1d(w.b1));
  W2.assign(tf.tensor2d(w.w2, [hidden, classes]));
  B2.assign(tf.tensor1d(w.b2));
  let lossSum = 0;
  const steps = trainCount / batch;
  const t0 = performance.now();
  for (let b = 0; b < steps; b++) {
    gatherBatch(w, b, x, y);
    const loss = tf.tidy(() => {
      const input = tf.tensor2d(x, [batch, inputs]);
      const onehot = tf.oneHot(tf.tensor1d(y, 'int32'), classes);
      return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(onehot, logits(input)) as tf.Scalar, true)!;
    });
    lossSum += loss.dataSync()[0]!;
    loss.dispose();
  }
  const epochMs = performance.now() - t0;
  const testLogits = tf.tidy(() => logits(tf.tensor2d(w.testX, [w.testY.length, inputs])));
  const predicted = tf.tidy(() => tf.argMax(testLogits, 1).dataSync());
  testLogits.dispose();
  let correct = 0;
  for (let i = 0; i < w.testY.length; i++) if (predicted[i] === w.testY[i]) correct++;
  return { epochMs, testAccuracy: correct / w.testY.length, meanLoss: lossSum / steps };
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

// tfjs-backend-wasm runs XNNPACK single-threaded under Node (its multithread flag is
// off there); the cpu backend is plain JavaScript on the calling thread.
const threads = backend === 'wasm' ? getThreadsCount() : 1;
await servePeer({ detail: `TensorFlow.js ${tf.version_core}, backend ${tf.getBackend()}, ${threads} thread${threads === 1 ? '' : 's'}`, epoch, matmul });
