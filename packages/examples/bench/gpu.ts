// The measurements for a machine with a GPU, in one process (bench/README.md, "On a GPU"): the
// matrix product's blockings tried at the largest size and the fastest kept; products at the
// bench's sizes and 4096³; the benchmark epoch (784-100-10, batch 100) and 784-1024-10 with
// batch 1000 on webgpu, the same epochs on the CPU (wasm) for the test accuracy to compare; and
// PyTorch on the same jobs where a python3 imports torch.
//
// node gpu.mjs <workload dir> [--quick]   (a bundle: the GPU machine has no pnpm; see the README)
// Writes gpu-results.json into $OUT (or the current folder), after every section.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { DEFAULT_MATMUL_TILES, fromBuffer, Rng, setBackend, tensor, WebGpuBackend, type MatmulTile } from '@matgrad/core';
import { DataLoader, fitOnDevice, MLP, SGD, TensorDataset } from '@matgrad/nn';
import { useBackend } from '../src/cli/backend.js';
import { DeviceTrainer, deviceMatmul } from './device-trainer.js';
import { median, type EpochResult, type Variant } from './protocol.js';
import { readWorkload, type Workload } from './workload.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const source = args.find((a) => !a.startsWith('--'));
if (source === undefined) throw new Error('gpu: usage gpu.mjs <workload dir> [--quick]');
const outDir = process.env.OUT ?? process.cwd();
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, quick };
const save = () => writeFileSync(join(outDir, 'gpu-results.json'), `${JSON.stringify(results, null, 2)}\n`);
const log = (line: string) => console.log(line);

/** The workload's raw files, gunzipped first where only .gz copies were carried. */
function workloadFolder(dir: string): string {
  if (existsSync(join(dir, 'workload.json'))) return dir;
  const out = join(tmpdir(), 'matgrad-workload');
  mkdirSync(out, { recursive: true });
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.gz'))) writeFileSync(join(out, file.slice(0, -3)), gunzipSync(readFileSync(join(dir, file))));
  return out;
}

async function section(name: string, run: () => Promise<void>): Promise<void> {
  const started = performance.now();
  try {
    await run();
  } catch (e) {
    results[`${name}Error`] = (e as Error).stack ?? String(e);
    log(`${name}: FAILED: ${(e as Error).message}`);
  }
  log(`  (${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  save();
}

const folder = workloadFolder(source);
const bench = readWorkload(folder);
const selected = await useBackend('webgpu');
if (!(selected instanceof WebGpuBackend)) throw new Error('gpu: the webgpu backend did not load');
const backend: WebGpuBackend = selected;
results.adapter = backend.adapterInfo;
log(`webgpu adapter: ${JSON.stringify(backend.adapterInfo)}`);

const BIG = quick ? 256 : 4096;
const CANDIDATES: MatmulTile[] = [
  DEFAULT_MATMUL_TILES.large,
  { bm: 128, bn: 128, bk: 16, tm: 8, tn: 8 },
  { bm: 128, bn: 64, bk: 16, tm: 8, tn: 4 },
  { bm: 64, bn: 128, bk: 8, tm: 4, tn: 8 },
  { bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 },
];

/** The largest |GPU − CPU| over products with partial tiles (A·B, A·Bᵀ, Aᵀ·B), with `tile`
 *  used for every size: a blocking must be right before it may be fast. */
async function productError(tile: MatmulTile): Promise<number> {
  backend.matmulTiles = { large: tile, medium: tile, small: tile };
  const values = (rows: number, cols: number, seed: number) => Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.37 + seed));
  const pair = (backendName: string) => {
    const a = tensor(values(300, 200, 1), { shape: [300, 200], dtype: 'float32', backend: backendName });
    const b = tensor(values(200, 250, 2), { shape: [200, 250], dtype: 'float32', backend: backendName });
    return [a.matmul(b), a.matmul(b.T.mul(1).T), a.T.mul(1).T.matmul(b)];
  };
  const cpu = pair('wasm').map((t) => t.values());
  const gpu = await Promise.all(pair('webgpu').map((t) => t.data()));
  let worst = 0;
  gpu.forEach((g, k) => g.forEach((v, i) => (worst = Math.max(worst, Number.isNaN(v) ? Infinity : Math.abs(v - cpu[k]![i]!)))));
  return worst;
}

await section('tiles', async () => {
  const tried: { tile: MatmulTile; gflops: number; gflopsQuarter: number; maxError: number }[] = [];
  for (const tile of CANDIDATES) {
    const maxError = await productError(tile);
    backend.matmulTiles = { large: tile, medium: tile, small: tile };
    const mid = await deviceMatmul(backend, BIG / 4, BIG / 4, BIG / 4, 'AB');
    const r = await deviceMatmul(backend, BIG, BIG, BIG, 'AB');
    tried.push({ tile, gflops: maxError < 1e-3 ? r.gflops : 0, gflopsQuarter: mid.gflops, maxError });
    log(`  ${BIG}³ with ${JSON.stringify(tile)}: ${r.gflops.toFixed(0)} GFLOP/s (${BIG / 4}³: ${mid.gflops.toFixed(0)}); largest |GPU − CPU| on 300×200×250: ${maxError.toExponential(2)}`);
  }
  const best = tried.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  backend.matmulTiles = { ...DEFAULT_MATMUL_TILES, large: best.tile };
  results.tiles = { tried, chosen: best.tile };
});

await section('matmul', async () => {
  const rows: unknown[] = [];
  const sizes: [number, number, number][] = quick ? [[100, 784, 100], [BIG, BIG, BIG]] : [[100, 784, 100], [256, 256, 256], [1024, 1024, 1024], [4096, 4096, 4096]];
  for (const [m, k, n] of sizes) {
    for (const variant of ['AB', 'ABt', 'AtB'] as Variant[]) {
      const r = await deviceMatmul(backend, m, k, n, variant);
      rows.push({ m, k, n, variant, ...r });
      log(`  ${m}×${k}×${n} ${variant}: ${r.gflops.toFixed(0)} GFLOP/s (${r.ms.toFixed(3)} ms)`);
    }
  }
  results.matmul = rows;
});

await section('roundTrip', async () => {
  const x = tensor([1], { dtype: 'float32' });
  for (let i = 0; i < 20; i++) await x.add(1).data();
  const t = performance.now();
  for (let i = 0; i < 200; i++) await x.add(1).data();
  results.roundTripMs = (performance.now() - t) / 200;
  log(`  one kernel + read back: ${((results.roundTripMs as number) * 1000).toFixed(0)} µs`);
});

/** The bench's job with another hidden width and batch: same data and order, He-normal
 *  weights from a fixed seed (written out for PyTorch to read). */
function job(hidden: number, batch: number): Workload {
  if (hidden === bench.spec.hidden && batch === bench.spec.batch) return bench;
  const rng = new Rng(7);
  const he = (fanIn: number, fanOut: number) => Float32Array.from({ length: fanIn * fanOut }, () => rng.normal() * Math.sqrt(2 / fanIn));
  const w = { ...bench, spec: { ...bench.spec, hidden, batch }, w1: he(784, hidden), b1: new Float32Array(hidden), w2: he(hidden, 10), b2: new Float32Array(10) };
  for (const key of ['w1', 'b1', 'w2', 'b2'] as const) writeFileSync(join(folder, `${key}-${hidden}.f32`), w[key]);
  return w;
}

const JOBS = [
  { name: 'mlp-784-100-10-batch-100', hidden: 100, batch: 100 },
  { name: 'mlp-784-1024-10-batch-1000', hidden: 1024, batch: 1000 },
];
const [WARMUP, REPEATS] = quick ? [0, 1] : [2, 7];
const epochs: Record<string, Record<string, unknown>> = {};
results.epochs = epochs;

for (const { name, hidden, batch } of JOBS) {
  await section(name, async () => {
    const w = job(hidden, batch);
    const entry: Record<string, unknown> = {};
    epochs[name] = entry;
    const run = async (backendName: 'webgpu' | 'wasm', warmup: number, repeats: number) => {
      const previous = setBackend(backendName);
      try {
        const trainer = new DeviceTrainer(w);
        for (let i = 0; i < warmup; i++) await trainer.epoch();
        const runs: EpochResult[] = [];
        for (let i = 0; i < repeats; i++) runs.push(await trainer.epoch());
        const ms = runs.map((r) => r.epochMs);
        const last = runs[runs.length - 1]!;
        const hostMs = runs.map((r) => r.hostMs ?? NaN);
        entry[backendName] = { ms, medianMs: median(ms), hostMs, testAccuracy: last.testAccuracy, meanLoss: last.meanLoss, freshBuffers: last.freshBuffers };
        log(
          `  ${name} on ${backendName}: median ${median(ms).toFixed(2)} ms (${ms.map((v) => v.toFixed(1)).join(' ')}; recorded by the host in ${hostMs.map((v) => v.toFixed(1)).join(' ')}), ` +
            `test accuracy ${last.testAccuracy}, mean loss ${last.meanLoss.toFixed(4)}, fresh buffers ${last.freshBuffers}`,
        );
      } finally {
        setBackend(previous);
      }
    };
    await run('webgpu', WARMUP, REPEATS);
    await run('wasm', 0, 1);
  });
}

await section('fitOnDevice', async () => {
  // nn's own loop on the same data: a DataLoader's batches (gathered by take on the device),
  // each batch's loss and correct count read while the next one runs.
  const previous = setBackend('webgpu');
  try {
    const model = new MLP({ sizes: [784, 100, 10], dtype: 'float32', seed: 7 });
    const data = new TensorDataset(fromBuffer(bench.trainX, [bench.trainY.length, 784]), Float32Array.from(bench.trainY));
    const loader = new DataLoader(data, { batchSize: 100, shuffle: true, seed: 11 });
    const history = await fitOnDevice(model, loader, { epochs: WARMUP + (quick ? 1 : 3), optimizer: new SGD(model, { lr: 0.1 }) });
    const ms = history.slice(WARMUP).map((r) => r.time);
    results.fitOnDevice = { epochs: history.map((r) => ({ ms: r.time, loss: r.loss, accuracy: r.accuracy })), medianMs: median(ms) };
    log(`  fitOnDevice 784-100-10, batch 100, shuffled: ${history.map((r) => r.time.toFixed(1)).join(' ')} ms per epoch (training accuracy ${history.map((r) => r.accuracy!.toFixed(3)).join(' ')})`);
  } finally {
    setBackend(previous);
  }
});

await section('torch', async () => {
  const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0);
  if (python === undefined) {
    results.torch = 'no python3 imports torch and numpy here';
    log(`  ${results.torch}`);
    return;
  }
  const cuda = spawnSync(python, ['-c', 'import torch; print(torch.cuda.is_available())'], { encoding: 'utf8' }).stdout.trim() === 'True';
  if (!cuda && !quick) {
    results.torch = `${python} imports torch, but it sees no CUDA device`;
    log(`  ${results.torch}`);
    return;
  }
  const script = [join(dirname(fileURLToPath(import.meta.url)), 'peer_torch.py')].find(existsSync);
  if (script === undefined) throw new Error('peer_torch.py is not beside the script (copy it into .device/)');
  const weights = (hidden: number) =>
    hidden === bench.spec.hidden ? { w1: 'w1.f32', b1: 'b1.f32', w2: 'w2.f32', b2: 'b2.f32' } : { w1: `w1-${hidden}.f32`, b1: `b1-${hidden}.f32`, w2: `w2-${hidden}.f32`, b2: `b2-${hidden}.f32` };
  const jobs = {
    device: cuda ? 'cuda' : 'cpu',
    warmup: WARMUP,
    repeats: REPEATS,
    epochs: JOBS.map((j) => ({ ...j, weights: weights(j.hidden) })),
    matmuls: quick ? [[BIG, BIG, BIG]] : [[1024, 1024, 1024], [4096, 4096, 4096]],
  };
  const jobsFile = join(folder, 'torch-jobs.json');
  writeFileSync(jobsFile, JSON.stringify(jobs));
  const r = spawnSync(python, [script, folder, jobsFile], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`peer_torch.py failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const torch = JSON.parse(r.stdout.trim().split('\n').pop()!) as { epochs: Record<string, unknown>; matmuls: unknown[] };
  results.torch = torch;
  log(`  PyTorch ${JSON.stringify(torch)}`);
});

log(`\nwrote ${join(outDir, 'gpu-results.json')}`);
backend.destroy();
