/// <reference types="@webgpu/types" />
import { registerBackend } from '../registry.js';
import { WebGpuBackend } from './webgpu-backend.js';

/** How `createWebGpuBackend` finds and names its GPU. */
export interface WebGpuOptions {
  /** Where WebGPU comes from: `navigator.gpu` in a browser or worker; in Node, a `GPU` object
   *  such as the `webgpu` package's `create([])`. Default: `navigator.gpu` where it exists. */
  gpu?: GPU;
  /** Passed to `requestAdapter` (a laptop's discrete GPU: 'high-performance'). */
  powerPreference?: GPUPowerPreference;
  /** The name to register the backend under (default 'webgpu'). */
  name?: string;
}

/** The limits worth raising to what the adapter allows: large tensors and the matrix tiles. */
const RAISED_LIMITS = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxStorageBuffersPerShaderStage'] as const;

/**
 * Asks the GPU for a device, makes a `webgpu` backend on it and registers it, so that
 * `setBackend('webgpu')` (or `tensor(..., { backend: 'webgpu' })`) puts tensors there:
 *
 * ```ts
 * await createWebGpuBackend();                              // a browser: navigator.gpu
 * await createWebGpuBackend({ gpu: create([]) });           // Node: import { create } from 'webgpu'
 * setBackend('webgpu');
 * ```
 *
 * Fails with a clear error where there is no WebGPU or no adapter. Tensors there are float32.
 */
export async function createWebGpuBackend(options: WebGpuOptions = {}): Promise<WebGpuBackend> {
  const where = 'createWebGpuBackend';
  const gpu = options.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (gpu === undefined || gpu === null || typeof gpu.requestAdapter !== 'function') {
    throw new Error(`${where}: no WebGPU here: pass { gpu } (in Node, create([]) from the 'webgpu' package), or use a browser with navigator.gpu`);
  }
  const adapter = await gpu.requestAdapter(options.powerPreference === undefined ? {} : { powerPreference: options.powerPreference });
  if (adapter === null) throw new Error(`${where}: the GPU offered no adapter (requestAdapter() gave null): no usable GPU or driver was found`);
  const requiredLimits: Record<string, number> = {};
  for (const limit of RAISED_LIMITS) requiredLimits[limit] = adapter.limits[limit];
  const device = await adapter.requestDevice({ requiredLimits });
  const { vendor = '', architecture = '', device: name = '', description = '' } = adapter.info ?? {};
  const backend = new WebGpuBackend(options.name ?? 'webgpu', device, { vendor, architecture, device: name, description }, [gpu, adapter]);
  try {
    registerBackend(backend);
  } catch (e) {
    backend.destroy();
    throw e;
  }
  return backend;
}
