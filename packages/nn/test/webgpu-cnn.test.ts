// A small CNN trained on the webgpu backend (SwiftShader where there is no GPU) against the js
// backend: the same layers, images, batches and optimizer must give the same loss at every step
// and the same parameters after, within float32 rounding. Skipped, with the reason, where no
// WebGPU adapter can be had.
import { tensor } from '@matgrad/core';
import { afterAll, describe, expect } from 'vitest';
import { firstMismatch, gpuTest, onBackend, webGpuForTests } from '../../core/test/support/webgpu.js';
import { AvgPool2d, Conv2d, createOptimizer, DataLoader, fit, fitOnDevice, Flatten, GELU, LayerNorm, Linear, MaxPool2d, ReLU, Sequential, TensorDataset, type Module, type OptimizerName } from '../src/index.js';

const gpu = await webGpuForTests();
afterAll(() => gpu.backend?.destroy());
const gpuIt = gpuTest(gpu);

const SIDE = 8;
const CLASSES = 3;
const IMAGES = 24;

/** Every layer kind a small CNN uses: convolutions (padded, grouped), max and average pooling,
 *  GELU, LayerNorm and a Linear head, on 8×8 one-channel images. */
function cnn(backend: string): Module {
  return onBackend(backend, () => {
    const options = { seed: 7, dtype: 'float32' as const };
    return new Sequential(
      new Conv2d(1, 4, 3, { padding: 1, ...options }),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(4, 6, 3, { padding: 1, groups: 2, ...options }),
      new GELU(),
      new AvgPool2d(2),
      new Flatten(),
      new LayerNorm(6 * 2 * 2, { dtype: 'float32' }),
      new Linear(6 * 2 * 2, CLASSES, options),
    );
  });
}

/** Images whose class is the band (top, middle, bottom) that holds a bright stripe, over a
 *  fixed texture, so the classes can be learned and no two pixels tie. */
function digits(backend: string): TensorDataset {
  const labels = Array.from({ length: IMAGES }, (_, i) => i % CLASSES);
  const pixels = new Float32Array(IMAGES * SIDE * SIDE);
  labels.forEach((label, n) => {
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const stripe = Math.floor((y * CLASSES) / SIDE) === label ? 1 : 0;
        pixels[(n * SIDE + y) * SIDE + x] = stripe + 0.3 * Math.sin(1.7 * n + 0.9 * y + 1.3 * x + 0.1 * x * y);
      }
    }
  });
  return onBackend(backend, () => new TensorDataset(tensor(pixels, { shape: [IMAGES, 1, SIDE, SIDE], dtype: 'float32' }), labels));
}

describe('a small CNN trains on webgpu as on js', () => {
  for (const [name, lr] of [['momentum', 0.05], ['adam', 0.01]] as Array<[OptimizerName, number]>) {
    gpuIt(`conv, pooling, GELU, LayerNorm and Linear: the same loss at each of 6 steps of ${name}, the same parameters after`, async () => {
      const [gpuModel, jsModel] = [cnn('webgpu'), cnn('js')];
      const loader = (backend: string) => new DataLoader(digits(backend), { batchSize: 8, shuffle: true, seed: 2 });
      const jsLosses: number[] = [];
      const gpuLosses: number[] = [];
      fit(jsModel, loader('js'), { epochs: 2, optimizer: createOptimizer(name, jsModel, { lr }), onBatch: (b) => jsLosses.push(b.loss) });
      await fitOnDevice(gpuModel, loader('webgpu'), { epochs: 2, optimizer: createOptimizer(name, gpuModel, { lr }), onBatch: (b) => gpuLosses.push(b.loss) });
      expect(jsLosses).toHaveLength(6);
      expect(firstMismatch(gpuLosses, jsLosses), `losses: webgpu ${gpuLosses.join(', ')}; js ${jsLosses.join(', ')}`).toBeNull();
      // It learned something: the last batches' loss is below the first's.
      expect(jsLosses[5]!).toBeLessThan(jsLosses[0]!);
      const js = [...jsModel.stateDict()];
      const values = await Promise.all([...gpuModel.stateDict()].map(([, t]) => t.data()));
      js.forEach(([parameter, t], i) => expect(firstMismatch(values[i]!, t.values(), { atol: 1e-5, rtol: 1e-4 }), parameter).toBeNull());
    });
  }
});
