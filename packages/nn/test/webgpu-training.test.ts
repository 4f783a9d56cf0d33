// Training on the webgpu backend (SwiftShader where there is no GPU) against the js backend:
// the same model, data and optimizer on both must end with the same parameters within float32
// rounding. Skipped, with the reason, where no WebGPU adapter can be had.
import { type Tensor } from '@matgrad/core';
import { afterAll, describe, expect } from 'vitest';
import { firstMismatch, gpuTest, onBackend, webGpuForTests } from '../../core/test/support/webgpu.js';
import {
  createOptimizer,
  DataLoader,
  evaluate,
  evaluateOnDevice,
  fit,
  fitAsync,
  fitOnDevice,
  fromSafetensors,
  MLP,
  OPTIMIZER_NAMES,
  predict,
  predictOnDevice,
  spiral,
  toSafetensors,
  toSafetensorsAsync,
  type Module,
} from '../src/index.js';

const gpu = await webGpuForTests();
afterAll(() => gpu.backend?.destroy());
const gpuIt = gpuTest(gpu);

async function expectSameParameters(onGpu: Module, onJs: Module, tolerance = { atol: 1e-5, rtol: 1e-4 }): Promise<void> {
  const js = [...onJs.stateDict()];
  const values = await Promise.all([...onGpu.stateDict()].map(([, t]) => t.data()));
  js.forEach(([name, t], i) => {
    const mismatch = firstMismatch(values[i]!, t.values(), tolerance);
    if (mismatch !== null) throw new Error(`${name}: ${mismatch}`);
  });
}

const model = (backend: string, options: { dropout?: number } = {}) => onBackend(backend, () => new MLP({ sizes: [2, 16, 8, 3], dtype: 'float32', seed: 5, ...options }));
const data = (backend: string) => onBackend(backend, () => spiral({ pointsPerClass: 20, seed: 3, dtype: 'float32' }));

describe('training on webgpu matches js', () => {
  for (const name of OPTIMIZER_NAMES) {
    gpuIt(`an MLP after six steps of ${name} (weight decay included)`, async () => {
      const [gpuModel, jsModel] = [model('webgpu'), model('js')];
      const options = { lr: name === 'sgd' ? 0.1 : 0.01, weightDecay: 0.01 };
      const common = { epochs: 2, optimizer: createOptimizer(name, jsModel, options) };
      fit(jsModel, new DataLoader(data('js'), { batchSize: 20, shuffle: true, seed: 1 }), common);
      await fitOnDevice(gpuModel, new DataLoader(data('webgpu'), { batchSize: 20, shuffle: true, seed: 1 }), { ...common, optimizer: createOptimizer(name, gpuModel, options) });
      await expectSameParameters(gpuModel, jsModel);
    });
  }

  gpuIt('fitAsync trains on webgpu by itself, reading through promises, to the parameters fit gives on js', async () => {
    const [gpuModel, jsModel] = [model('webgpu'), model('js')];
    const options = { lr: 0.05 };
    const jsHistory = fit(jsModel, new DataLoader(data('js'), { batchSize: 20, shuffle: true, seed: 1 }), { epochs: 2, optimizer: createOptimizer('momentum', jsModel, options) });
    const batches: number[] = [];
    const gpuHistory = await fitAsync(gpuModel, new DataLoader(data('webgpu'), { batchSize: 20, shuffle: true, seed: 1 }), {
      epochs: 2,
      optimizer: createOptimizer('momentum', gpuModel, options),
      onBatch: ({ batch }) => batches.push(batch),
    });
    await expectSameParameters(gpuModel, jsModel);
    expect(batches).toEqual([0, 1, 2, 0, 1, 2]);
    gpuHistory.forEach((r, i) => expect(r.loss).toBeCloseTo(jsHistory[i]!.loss, 4));
  });

  gpuIt('fitOnDevice reports what fit reports: per batch, per epoch and on validation', async () => {
    const [gpuModel, jsModel] = [model('webgpu'), model('js')];
    const run = async (m: Module, backend: string, train: typeof fitOnDevice) => {
      const batches: number[] = [];
      const history = await train(m, new DataLoader(data(backend), { batchSize: 25 }), {
        epochs: 2,
        optimizer: createOptimizer('adam', m, { lr: 0.02 }),
        validation: new DataLoader(data(backend), { batchSize: 60 }),
        onBatch: (b) => batches.push(b.epoch, b.batch, b.size, b.loss),
      });
      return { history, batches };
    };
    const onJs = await run(jsModel, 'js', async (...args) => fit(...args));
    const onGpu = await run(gpuModel, 'webgpu', fitOnDevice);
    expect(firstMismatch(onGpu.batches, onJs.batches)).toBeNull();
    const numbers = (h: typeof onJs.history) => h.flatMap((r) => [r.epoch, r.loss, r.accuracy!, r.lr, r.validation!.loss, r.validation!.accuracy!, r.validation!.count]);
    expect(firstMismatch(numbers(onGpu.history), numbers(onJs.history))).toBeNull();
    const heldOut = (backend: string) => new DataLoader(data(backend), { batchSize: 16 });
    const [gpuScore, jsScore] = [await evaluateOnDevice(gpuModel, heldOut('webgpu')), evaluate(jsModel, heldOut('js'))];
    expect(firstMismatch([gpuScore.loss, gpuScore.accuracy!, gpuScore.count], [jsScore.loss, jsScore.accuracy!, jsScore.count])).toBeNull();
    expect(await predictOnDevice(gpuModel, heldOut('webgpu'))).toEqual(predict(jsModel, heldOut('js')));
    expect(await predictOnDevice(gpuModel, data('webgpu').x)).toEqual(predict(jsModel, data('js').x));
    // On a CPU backend the asynchronous loop gives fit's numbers exactly.
    const [again, twin] = [model('js'), model('js')];
    const viaFit = await run(again, 'js', async (...args) => fit(...args));
    const viaDevice = await run(twin, 'js', fitOnDevice);
    expect(viaDevice.batches).toEqual(viaFit.batches);
    expect(numbers(viaDevice.history)).toEqual(numbers(viaFit.history));
  });

  gpuIt('dropout draws the same masks on webgpu as on js', async () => {
    const [gpuModel, jsModel] = [model('webgpu', { dropout: 0.3 }), model('js', { dropout: 0.3 })];
    const common = { epochs: 1, optimizer: createOptimizer('sgd', jsModel, { lr: 0.1 }) };
    fit(jsModel, new DataLoader(data('js'), { batchSize: 30 }), common);
    await fitOnDevice(gpuModel, new DataLoader(data('webgpu'), { batchSize: 30 }), { ...common, optimizer: createOptimizer('sgd', gpuModel, { lr: 0.1 }) });
    await expectSameParameters(gpuModel, jsModel);
  });
});

describe('safetensors on webgpu', () => {
  gpuIt('saves the bytes toSafetensors writes on js, and loads them back onto the GPU', async () => {
    const [gpuModel, jsModel] = [model('webgpu'), model('js')];
    const bytes = await toSafetensorsAsync(gpuModel, { metadata: { note: 'gpu' } });
    expect(bytes).toEqual(toSafetensors(jsModel, { metadata: { note: 'gpu' } }));
    const other = onBackend('webgpu', () => new MLP({ sizes: [2, 16, 8, 3], dtype: 'float32', seed: 99 }));
    expect(onBackend('webgpu', () => fromSafetensors(other, bytes)).metadata).toEqual({ note: 'gpu' });
    await expectSameParameters(other, jsModel, { atol: 0, rtol: 0 });
  });
  gpuIt('a float64 weight file is refused by a float32 model on the GPU, which stays as it was', async () => {
    const gpuModel = model('webgpu');
    const before = await Promise.all(gpuModel.parameters().map((p: Tensor) => p.data()));
    const bytes = toSafetensors(onBackend('js', () => new MLP({ sizes: [2, 16, 8, 3], seed: 1 })));
    expect(() => onBackend('webgpu', () => fromSafetensors(gpuModel, bytes))).toThrow(/fromSafetensors: nothing was loaded: 'layers.0.weight' is F64 \[2,16\], expected F32 \[2,16\]/);
    expect(await Promise.all(gpuModel.parameters().map((p: Tensor) => p.data()))).toEqual(before);
  });
});
