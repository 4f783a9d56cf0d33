// The benchmark's training job with its data resident on the current backend: the CPU peer's
// model and loop (@matgrad/nn Linear, ReLU, SGD), the data uploaded once, every batch gathered
// on the device and values read back only at the end of the epoch, as a GPU needs. Used by the
// webgpu peer and by gpu.ts (which also runs it on the CPU, for the accuracy to compare).
import { fromBuffer, keep, matmul, memoryStats, noGrad, softmaxCrossEntropy, stack, tidy, transpose, type Backend, type Tensor } from '@matgrad/core';
import { Linear, ReLU, SGD, Sequential } from '@matgrad/nn';
import { filler, matmulResult, type EpochResult, type MatmulResult, type Variant } from './protocol.js';
import { accuracy, type Workload } from './workload.js';

export class DeviceTrainer {
  readonly #w: Workload;
  readonly #model: Sequential;
  readonly #optimizer: SGD;
  readonly #initial: [Tensor, Float32Array][];
  readonly #trainX: Tensor;
  readonly #trainY: Tensor;
  readonly #testX: Tensor;

  /** Builds the model and uploads the data on the current backend. */
  constructor(w: Workload) {
    const { inputs, hidden, classes, learningRate } = w.spec;
    this.#w = w;
    const first = new Linear(inputs, hidden, { dtype: 'float32', seed: 1 });
    const second = new Linear(hidden, classes, { dtype: 'float32', seed: 2 });
    this.#model = new Sequential(first, new ReLU(), second);
    this.#optimizer = new SGD(this.#model, { lr: learningRate });
    this.#initial = [
      [first.weight, w.w1],
      [first.bias!, w.b1],
      [second.weight, w.w2],
      [second.bias!, w.b2],
    ];
    this.#trainX = fromBuffer(w.trainX, [w.trainY.length, inputs]);
    this.#trainY = fromBuffer(Float32Array.from(w.trainY), [w.trainY.length]);
    this.#testX = fromBuffer(w.testX, [w.testY.length, inputs]);
  }

  /** One epoch from the workload's initial weights (timed until its last kernel is done), then
   *  the test accuracy (untimed). */
  async epoch(): Promise<EpochResult> {
    const { batch, trainCount, classes } = this.#w.spec;
    for (const [p, v] of this.#initial) p.assign(v);
    // Each step's loss stays on the device; they are summed and read once, after the epoch.
    const losses: Tensor[] = [];
    const steps = trainCount / batch;
    const freshBefore = memoryStats().fresh;
    const t0 = performance.now();
    for (let b = 0; b < steps; b++) {
      tidy(() => {
        const rows = this.#w.order.subarray(b * batch, (b + 1) * batch);
        const x = this.#trainX.take(rows, 0);
        const y = this.#trainY.take(rows, 0);
        this.#optimizer.zeroGrad();
        const loss = softmaxCrossEntropy(this.#model.forward(x), y);
        loss.backward();
        this.#optimizer.step();
        losses.push(keep(loss.detach()));
      });
    }
    const lossSum = tidy(() => keep(stack(losses).sum()));
    const hostMs = performance.now() - t0;
    const [total] = await lossSum.data();
    const epochMs = performance.now() - t0;
    const freshBuffers = memoryStats().fresh - freshBefore;
    for (const t of [lossSum, ...losses]) t.dispose();
    const { logits } = tidy(() => ({ logits: noGrad(() => this.#model.forward(this.#testX)).data() }));
    return { epochMs, hostMs, testAccuracy: accuracy(await logits, this.#w.testY, classes), meanLoss: total! / steps, freshBuffers };
  }
}

/** The product C = A·B on a GPU backend (the current one), as A·B, A·Bᵀ or Aᵀ·B with the transposed
 *  operand stored transposed; timed as the CPU peers are (seven chunks of ~40 ms), each chunk
 *  until the GPU has finished it. */
export async function deviceMatmul(backend: Backend & { finish(): Promise<void> }, m: number, k: number, n: number, variant: Variant): Promise<MatmulResult> {
  const operand = (rows: number, cols: number, transposed: boolean, seed: number): Tensor =>
    transposed ? transpose(fromBuffer(filler(rows * cols, seed), [cols, rows])) : fromBuffer(filler(rows * cols, seed), [rows, cols]);
  const a = operand(m, k, variant === 'AtB', 1);
  const b = operand(k, n, variant === 'ABt', 2);
  const run = (reps: number) => tidy(() => {
    for (let r = 0; r < reps; r++) matmul(a, b);
  });
  run(3);
  await backend.finish();
  let t = performance.now();
  run(1);
  await backend.finish();
  const once = Math.max(performance.now() - t, 1e-3);
  const reps = Math.max(1, Math.round(40 / once));
  const perCall: number[] = [];
  for (let chunk = 0; chunk < 7; chunk++) {
    t = performance.now();
    run(reps);
    await backend.finish();
    perCall.push((performance.now() - t) / reps);
  }
  a.dispose();
  b.dispose();
  return matmulResult(m, k, n, perCall);
}
