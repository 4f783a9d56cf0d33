// matgrad peer: `peer-matgrad.ts <workload dir> float32|float64`. Trains with
// @matgrad/core's ops and backward; float64 runs the same job on widened copies.
import { add, fromBuffer, kernels, matmul, noGrad, relu, softmaxCrossEntropy, transpose, type Tensor } from '@matgrad/core';
import { filler, matmulResult, servePeer, timeCalls, type EpochResult, type Variant } from './protocol.js';
import { accuracy, gatherBatch, readWorkload } from './workload.js';

const [dir, dtype] = process.argv.slice(2);
if (!dir || (dtype !== 'float32' && dtype !== 'float64')) {
  throw new Error(`peer-matgrad: usage peer-matgrad.ts <workload dir> float32|float64, got ${process.argv.slice(2).join(' ')}`);
}
const Float = dtype === 'float32' ? Float32Array : Float64Array;

const w = readWorkload(dir);
const { inputs, hidden, classes, batch, learningRate, trainCount } = w.spec;
const init = [w.w1, w.b1, w.w2, w.b2];
const shapes = [[inputs, hidden], [hidden], [hidden, classes], [classes]];
const params: Tensor[] = init.map((v, i) => fromBuffer(Float.from(v), shapes[i]!, { requiresGrad: true }));
const [W1, B1, W2, B2] = params as [Tensor, Tensor, Tensor, Tensor];
const testX = fromBuffer(Float.from(w.testX), [w.testY.length, inputs]);
const x32 = new Float32Array(batch * inputs);
const xBatch = new Float(batch * inputs);
const y = new Int32Array(batch);

function logits(x: Tensor): Tensor {
  return add(matmul(relu(add(matmul(x, W1), B1)), W2), B2);
}

function epoch(): EpochResult {
  params.forEach((p, i) => p.values().set(init[i]!));
  let lossSum = 0;
  const steps = trainCount / batch;
  const t0 = performance.now();
  for (let b = 0; b < steps; b++) {
    gatherBatch(w, b, x32, y);
    xBatch.set(x32);
    const loss = softmaxCrossEntropy(logits(fromBuffer(xBatch, [batch, inputs])), y);
    loss.backward();
    lossSum += loss.item();
    noGrad(() => {
      for (const p of params) {
        const v = p.values();
        const g = p.grad!.values();
        for (let i = 0; i < v.length; i++) v[i]! -= learningRate * g[i]!;
        p.grad = null;
      }
    });
  }
  const epochMs = performance.now() - t0;
  const testAccuracy = accuracy(noGrad(() => logits(testX)).values(), w.testY, classes);
  return { epochMs, testAccuracy, meanLoss: lossSum / steps };
}

function operand(rows: number, cols: number, stored: 'plain' | 'transposed', seed: number): Tensor {
  return stored === 'plain'
    ? fromBuffer(Float.from(filler(rows * cols, seed)), [rows, cols])
    : transpose(fromBuffer(Float.from(filler(rows * cols, seed)), [cols, rows]));
}

function matmulBench(m: number, k: number, n: number, variant: Variant) {
  const a = operand(m, k, variant === 'AtB' ? 'transposed' : 'plain', 1);
  const b = operand(k, n, variant === 'ABt' ? 'transposed' : 'plain', 2);
  return matmulResult(m, k, n, timeCalls(() => matmul(a, b)));
}

const kernelName = kernels().matmul.name || 'active';
await servePeer({ detail: `matgrad ${dtype}, ${kernelName} matmul kernel`, epoch, matmul: matmulBench });
