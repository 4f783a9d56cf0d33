import { backendNames, createWebGpuBackend, getBackend, setBackend, type Backend } from '@matgrad/core';

/** The backends the commands can run on: the two CPU ones, and WebGPU through Dawn's Node binding. */
export const BACKEND_CHOICES = ['wasm', 'js', 'webgpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/**
 * Makes `name` the backend new tensors go to, creating the WebGPU one first (Dawn's Node
 * binding, the npm package `webgpu`). Fails with what to do where there is no GPU adapter.
 */
export async function useBackend(name: BackendChoice): Promise<Backend> {
  if (name === 'webgpu' && !backendNames().includes('webgpu')) {
    const { create } = await import('webgpu');
    try {
      await createWebGpuBackend({ gpu: create([]), powerPreference: 'high-performance' });
    } catch (e) {
      throw new Error(
        `--backend webgpu: ${(e as Error).message}. Dawn needs a Vulkan driver; on a Linux machine without a GPU, SwiftShader works ` +
          `(apt-get install chromium libvulkan1, then VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)`,
        { cause: e },
      );
    }
  }
  setBackend(name);
  return getBackend();
}
