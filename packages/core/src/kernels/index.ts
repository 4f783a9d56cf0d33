import { jsKernels } from './js.js';
import type { Kernels } from './types.js';
import { createWasmKernels, loadWasmKernels } from './wasm/wasm-kernels.js';

export type { FloatArray, Kernels, MatrixView } from './types.js';
export { referenceKernels } from './reference.js';
export { jsKernels } from './js.js';

/** The WebAssembly SIMD128 kernels, or null where this host cannot run them synchronously. */
export const wasmKernels: Kernels | null = createWasmKernels();

let active: Kernels = wasmKernels ?? jsKernels;

// A browser main thread may refuse to compile synchronously; compile in the
// background then and switch over, unless the user has chosen kernels meanwhile.
// A failure there leaves the JavaScript kernels in place, which is the fallback.
if (wasmKernels === null && typeof WebAssembly !== 'undefined') {
  loadWasmKernels().then(
    (loaded) => {
      if (loaded && active === jsKernels) active = loaded;
    },
    () => undefined,
  );
}

/** The kernels every op computes with right now. */
export function kernels(): Kernels {
  return active;
}

/** Replace some or all kernels (for example with WebAssembly ones); returns the previous set. */
export function setKernels(next: Partial<Kernels>): Kernels {
  const previous = active;
  active = { ...active, ...next };
  return previous;
}
