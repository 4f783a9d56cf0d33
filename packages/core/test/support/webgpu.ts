// A webgpu backend for tests on machines without a GPU: Dawn (the npm `webgpu` package) over
// SwiftShader, the CPU Vulkan driver that Debian's chromium package ships. Where none can be
// had, tests skip with the reason instead of passing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { it, type TestContext } from 'vitest';
import { createWebGpuBackend, setBackend, type WebGpuBackend } from '../../src/index.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const VULKAN_LOADER = '/usr/lib/x86_64-linux-gnu/libvulkan.so.1';

export type GpuForTests = { backend: WebGpuBackend; reason: null } | { backend: null; reason: string };

let opened: Promise<GpuForTests> | null = null;

/** The `webgpu` backend (one per test file), or why there is none. */
export function webGpuForTests(): Promise<GpuForTests> {
  return (opened ??= open());
}

/** A test that runs where `gpu` has a backend and is skipped, with the reason, elsewhere. */
export function gpuTest(gpu: GpuForTests): (name: string, body: () => Promise<void>) => void {
  return (name, body) =>
    it(name, async (ctx: TestContext) => {
      if (gpu.backend === null) ctx.skip(gpu.reason);
      await body();
    });
}

/** `make()` with `backend` as the default backend (models and datasets are built there). */
export function onBackend<T>(backend: string, make: () => T): T {
  const previous = setBackend(backend);
  try {
    return make();
  } finally {
    setBackend(previous);
  }
}

async function open(): Promise<GpuForTests> {
  try {
    const missing = installSwiftShader();
    if (missing !== null) return { backend: null, reason: missing };
    // Only where no driver was chosen: a machine with a GPU may point at its own.
    process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
    const { create } = await import('webgpu');
    return { backend: await createWebGpuBackend({ gpu: create([]) }), reason: null };
  } catch (e) {
    return { backend: null, reason: `no WebGPU adapter: ${(e as Error).message}` };
  }
}

/** Installs Debian's chromium (for SwiftShader) and the Vulkan loader when they are missing
 *  and apt-get may run (as root), as the playground's browser tests install chromium; returns
 *  what is still missing, or null. */
function installSwiftShader(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `no SwiftShader for ${process.platform}-${process.arch} (the tests use Debian's x64 chromium package)`;
  const packages = [...(existsSync(SWIFTSHADER_ICD) ? [] : ['chromium']), ...(existsSync(VULKAN_LOADER) ? [] : ['libvulkan1'])];
  if (packages.length === 0) return null;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return `SwiftShader needs the Debian packages ${packages.join(' and ')} (apt-get install -y ${packages.join(' ')})`;
  try {
    execFileSync('bash', ['-c', `apt-get install -y -qq ${packages.join(' ')} || (apt-get update -qq && apt-get install -y -qq ${packages.join(' ')})`], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 300_000,
    });
  } catch (e) {
    return `installing ${packages.join(' and ')} for SwiftShader failed: ${(e as Error).message}`;
  }
  return existsSync(SWIFTSHADER_ICD) && existsSync(VULKAN_LOADER) ? null : `apt-get installed ${packages.join(' and ')}, but ${SWIFTSHADER_ICD} or ${VULKAN_LOADER} is still missing`;
}

/** |a − b| ≤ atol + rtol·|b| elementwise (NaN matches NaN, ±∞ match themselves); the first
 *  mismatch, described, or null. */
export function firstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, { atol = 1e-5, rtol = 1e-4 } = {}): string | null {
  if (actual.length !== expected.length) return `${actual.length} values, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const [a, b] = [actual[i]!, expected[i]!];
    const same = Number.isNaN(a) ? Number.isNaN(b) : a === b || Math.abs(a - b) <= atol + rtol * Math.abs(b);
    if (!same) return `element ${i}: webgpu ${a}, js ${b} (|diff| ${Math.abs(a - b).toExponential(2)})`;
  }
  return null;
}
