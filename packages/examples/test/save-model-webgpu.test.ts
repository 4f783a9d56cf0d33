// The trainer saves a model that lives on the GPU (`train --backend webgpu`) with the same bytes
// as the same model on the CPU. Skipped, with the reason, where no WebGPU adapter can be had.
import { setBackend } from '@matgrad/core';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, type TestContext } from 'vitest';
import { webGpuForTests } from '../../core/test/support/webgpu.js';
import { buildModel, saveModel, type ModelSpec } from '../src/trainer/model-file.js';

const gpu = await webGpuForTests();
afterAll(() => gpu.backend?.destroy());

function on<T>(backend: string, make: () => T): T {
  const previous = setBackend(backend);
  try {
    return make();
  } finally {
    setBackend(previous);
  }
}

it('saveModel writes a CNN on webgpu as the same CNN on js', async (ctx: TestContext) => {
  if (gpu.backend === null) ctx.skip(gpu.reason);
  const spec: ModelSpec = { kind: 'cnn', channels: [2, 3], hidden: [8], dtype: 'float32' };
  const folder = await mkdtemp(join(tmpdir(), 'matgrad-save-webgpu-'));
  try {
    const [onGpu, onJs] = [join(folder, 'gpu.safetensors'), join(folder, 'js.safetensors')];
    await saveModel(on('webgpu', () => buildModel(spec, 4)), spec, 'test digits', onGpu);
    await saveModel(on('js', () => buildModel(spec, 4)), spec, 'test digits', onJs);
    expect(await readFile(onGpu)).toEqual(await readFile(onJs));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
