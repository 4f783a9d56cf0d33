// The trainer saves a model that lives on the GPU (`train --backend webgpu`) with the same bytes
// as the same model on the CPU. Skipped, with the reason, where no WebGPU adapter can be had.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, type TestContext } from 'vitest';
import { onBackend, webGpuForTests } from '../../core/test/support/webgpu.js';
import { buildModel, saveModel, type ModelSpec } from '../src/trainer/model-file.js';

const gpu = await webGpuForTests();
afterAll(() => gpu.backend?.destroy());

it('saveModel writes a CNN on webgpu as the same CNN on js', async (ctx: TestContext) => {
  if (gpu.backend === null) ctx.skip(gpu.reason);
  const spec: ModelSpec = { kind: 'cnn', channels: [2, 3], hidden: [8], dtype: 'float32' };
  const folder = await mkdtemp(join(tmpdir(), 'matgrad-save-webgpu-'));
  try {
    const [onGpu, onJs] = [join(folder, 'gpu.safetensors'), join(folder, 'js.safetensors')];
    await saveModel(onBackend('webgpu', () => buildModel(spec, 4)), spec, 'test digits', onGpu);
    await saveModel(onBackend('js', () => buildModel(spec, 4)), spec, 'test digits', onJs);
    expect(await readFile(onGpu)).toEqual(await readFile(onJs));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
