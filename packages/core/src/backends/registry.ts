import { jsKernels } from '../kernels/js.js';
import type { Backend, MemoryStats } from './backend.js';
import { CpuBackend } from './cpu/cpu-backend.js';
import { createWasmKernels, loadWasmKernels, wasmSupported, type WasmKernelSet } from './wasm/wasm-kernels.js';

/** Plain JavaScript loops everywhere: runs on any host, and under any Content-Security-Policy. */
const js = new CpuBackend('js', jsKernels);

/** The JavaScript loops with WebAssembly SIMD128 matrix products. Where the host refuses to
 *  compile synchronously (a browser's main thread), it starts on the JavaScript products and
 *  switches once the module has compiled in the background (`ready()` waits for that). */
const supported = wasmSupported();
const compiled = supported ? createWasmKernels() : null;
let wasmSet: WasmKernelSet | null = compiled;
const wasm: CpuBackend | null = supported ? new CpuBackend('wasm', compiled?.kernels ?? jsKernels, compiled?.pool ?? undefined) : null;
const wasmLoaded: Promise<void> =
  wasm !== null && compiled === null
    ? loadWasmKernels().then(
        (set) => {
          if (set === null) return;
          wasm.useKernels(set.kernels, set.pool);
          wasmSet = set;
        },
        // A failed compile leaves the JavaScript products in place, which is the fallback.
        () => undefined,
      )
    : Promise.resolve();

const backends = new Map<string, Backend>([[js.name, js]]);
if (wasm !== null) backends.set(wasm.name, wasm);

let current: Backend = wasm ?? js;

/** The backend new tensors are made on (`wasm` where WebAssembly SIMD128 exists, else `js`),
 *  or the one registered as `name` (e.g. `getBackend(t.backend).readsSynchronously`). */
export function getBackend(name?: string): Backend {
  return name === undefined ? current : backendNamed('getBackend', name);
}

/** Chooses the backend for tensors made from now on (by name, or a backend object, which is
 *  registered); returns the previous one. Tensors already made stay where they are: move
 *  them with `tensor.to(name)`. */
export function setBackend(backend: string | Backend): Backend {
  const previous = current;
  current = typeof backend === 'string' ? backendNamed('setBackend', backend) : registerBackend(backend);
  return previous;
}

/** Makes a backend known by its name (for `setBackend(name)` and `tensor.to(name)`). */
export function registerBackend(backend: Backend): Backend {
  const known = backends.get(backend.name);
  if (known !== undefined && known !== backend) throw new Error(`registerBackend: another backend is already registered as '${backend.name}'`);
  backends.set(backend.name, backend);
  return backend;
}

export function backendNamed(where: string, name: string): Backend {
  const found = backends.get(name);
  if (found === undefined) {
    const why =
      name === 'wasm' ? ' (this host has no WebAssembly with SIMD128)' : name === 'webgpu' ? ' (make it first: await createWebGpuBackend({ gpu }))' : '';
    throw new RangeError(`${where}: no backend named ${JSON.stringify(name)}${why}; available: ${[...backends.keys()].join(', ')}`);
  }
  return found;
}

/** The names of the backends available here. */
export function backendNames(): string[] {
  return [...backends.keys()];
}

/** Resolves once every backend has finished loading (the WebAssembly module, in browsers). */
export function ready(): Promise<void> {
  return wasmLoaded;
}

/** How often a backend (default: the current one) allocated fresh buffers or reused pooled
 *  ones, and what its pool holds now. */
export function memoryStats(backend?: string): MemoryStats {
  return (backend === undefined ? current : backendNamed('memoryStats', backend)).memoryStats();
}

/** Splits the `wasm` backend's large matrix products and updates over `count` threads (1 to 64;
 *  1, the default, computes everything on the calling thread). The helpers are Node worker
 *  threads on the module's shared memory, so nothing is copied, and results are bit-identical
 *  to one thread's. Each call is cut into tasks, a run of them for each thread; a thread that is
 *  done with its own takes over the others' last ones, so a helper that has no core for a while
 *  holds up at most the task it started. Between calls a helper spins for 2 ms before it sleeps, so it answers at once within
 *  a training step. Node only: elsewhere it throws, saying why. */
export async function setThreads(count: number): Promise<void> {
  await wasmLoaded;
  if (wasmSet === null) throw new Error(`setThreads: the 'wasm' backend is not available here (${wasm === null ? 'no WebAssembly with SIMD128' : 'its module did not load'})`);
  await wasmSet.setThreads(count);
}

/** How many threads compute the `wasm` backend's matrix products (see setThreads). */
export function threadCount(): number {
  return wasmSet?.threads() ?? 1;
}
