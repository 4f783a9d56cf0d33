// matgrad on the GPU: `peer-matgrad-webgpu.ts <workload dir>`. The same model, data and batch
// order as the CPU peers, on the webgpu backend (Dawn's Node binding, the npm package webgpu).
import { WebGpuBackend } from '@matgrad/core';
import { useBackend } from '../src/cli/backend.js';
import { DeviceTrainer, deviceMatmul } from './device-trainer.js';
import { servePeer } from './protocol.js';
import { readWorkload } from './workload.js';

const [dir] = process.argv.slice(2);
if (!dir) throw new Error(`peer-matgrad-webgpu: usage peer-matgrad-webgpu.ts <workload dir>, got ${process.argv.slice(2).join(' ')}`);

const backend = await useBackend('webgpu');
if (!(backend instanceof WebGpuBackend)) throw new Error(`peer-matgrad-webgpu: expected the webgpu backend, got '${backend.name}'`);
const trainer = new DeviceTrainer(readWorkload(dir));
const info = backend.adapterInfo;
await servePeer({
  detail: `matgrad float32 (nn Linear/ReLU/SGD) on WebGPU (Dawn, npm webgpu): ${[info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'adapter without a name'}`,
  epoch: () => trainer.epoch(),
  matmul: (m, k, n, variant) => deviceMatmul(backend, m, k, n, variant),
});
