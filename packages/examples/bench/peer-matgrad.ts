// matgrad peer: `peer-matgrad.ts <workload dir> float32|float64`. Trains with
// @matgrad/nn (Linear, ReLU, SGD) on @matgrad/core; float64 runs the same job on
// widened copies of the data and weights.
import { fromBuffer, getBackend, matmul, memoryStats, noGrad, softmaxCrossEntropy, tidy, transpose, type Tensor } from '@matgrad/core';
import { Linear, ReLU, SGD, Sequential } from '@matgrad/nn';
import { filler, matmulResult, servePeer, timeCalls, type EpochResult, type Variant } from './protocol.js';
import { accuracy, gatherBatch, readWorkload } from './workload.js';

const [dir, dtype] = process.argv.slice(2);
if (!dir || (dtype !== 'float32' && dtype !== 'float64')) {
  throw new Error(`peer-matgrad: usage peer-matgrad.ts <workload dir> float32|float64, got ${process.argv.slice(2).join(' ')}`);
}
const Float = dtype === 'float32' ? Float32Array : Float64Array;

const w = readWorkload(dir);
const { inputs, hidden, classes, batch, learningRate, trainCount } = w.spec;
// The seed only satisfies Linear; epoch() overwrites every parameter with the workload's.
const first = new Linear(inputs, hidden, { dtype, seed: 1 });
const second = new Linear(hidden, classes, { dtype, seed: 2 });
const model = new Sequential(first, new ReLU(), second);
const optimizer = new SGD(model, { lr: learningRate });
const initial: [Tensor, Float32Array][] = [
  [first.weight, w.w1],
  [first.bias!, w.b1],
  [second.weight, w.w2],
  [second.bias!, w.b2],
];
const testX = fromBuffer(Float.from(w.testX), [w.testY.length, inputs]);
const x32 = new Float32Array(batch * inputs);
const xBatch = new Float(batch * inputs);
const y = new Int32Array(batch);

function epoch(): EpochResult {
  for (const [p, v] of initial) p.assign(v);
  let lossSum = 0;
  const steps = trainCount / batch;
  const freshBefore = memoryStats().fresh;
  const t0 = performance.now();
  for (let b = 0; b < steps; b++) {
    gatherBatch(w, b, x32, y);
    xBatch.set(x32);
    // tidy hands each step's activations and temporaries back to the backend's pool.
    lossSum += tidy(() => {
      optimizer.zeroGrad();
      const loss = softmaxCrossEntropy(model.forward(fromBuffer(xBatch, [batch, inputs])), y);
      loss.backward();
      optimizer.step();
      return loss.item();
    });
  }
  const epochMs = performance.now() - t0;
  const freshBuffers = memoryStats().fresh - freshBefore;
  const testAccuracy = accuracy(tidy(() => noGrad(() => model.forward(testX)).values()), w.testY, classes);
  return { epochMs, testAccuracy, meanLoss: lossSum / steps, freshBuffers };
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

// Both CPU backends run on the calling thread only.
const kernelName = getBackend().name === 'wasm' ? 'WebAssembly SIMD128' : 'JavaScript';
await servePeer({ detail: `matgrad ${dtype} (nn Linear/ReLU/SGD), ${kernelName} kernels, 1 thread`, epoch, matmul: matmulBench });
