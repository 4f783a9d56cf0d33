// `pnpm bench [--repeats N] [--model cnn] [--backend webgpu]`: matgrad against TensorFlow.js (pure-JS CPU and
// WebAssembly SIMD backends) and numpy (float32, float64, two BLAS threads) on one MLP training
// epoch, matrix products, a larger MLP's training steps, batch-1 inference latency and small
// ops; with --model cnn, on one epoch of a LeNet-style CNN (matgrad, tfjs-wasm, numpy).
// Each peer is one long-lived process; the orchestrator interleaves them, rotating who goes
// first, and reports median and spread. Writes runs/bench/ (runs/bench-cnn/).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { median, type LatencyModel, type OpCase, type Variant } from './protocol.js';
import { cnnPeerSpecs, cpusToPin, findNumpyPython, PeerProcess, peerSpecs, repoRoot } from './peers.js';
import { writeReport, type BenchResults, type MatmulRow, type Sample, type TimingRow } from './report.js';
import { CNN_SPEC, ensureCnnWorkload, ensureLargeWorkload, LARGE_SPEC, SPEC } from './workload.js';

function parseRepeats(argv: string[]): number {
  const i = argv.indexOf('--repeats');
  if (i < 0) return 5;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench: --repeats takes a positive integer, got ${argv[i + 1]}`);
  return n;
}

/** `--backend webgpu` adds matgrad on the GPU as a peer of its own (`matgrad-webgpu`). */
function parseBackends(argv: string[]): string[] {
  const i = argv.indexOf('--backend');
  if (i < 0) return [];
  const name = argv[i + 1];
  if (name !== 'webgpu') throw new Error(`bench: --backend takes webgpu (the CPU backends always run), got ${name}`);
  return [name];
}

/** [m, k, n]: the MLP's first layer product, then two square ones. */
const SIZES: [number, number, number][] = [
  [100, 784, 100],
  [256, 256, 256],
  [1024, 1024, 1024],
];
const VARIANTS: Variant[] = ['AB', 'ABt', 'AtB'];
/** The pure-JS backend runs 1024³ at under 1 GFLOP/s: a dozen timed calls would take half a minute. */
const SKIP: Record<string, (m: number) => boolean> = { 'tfjs-cpu': (m) => m >= 1024 };

/** Peers left out of the scaling job's training steps, and why (printed with the table). */
const LARGE_SKIP: Record<string, string> = {
  'tfjs-cpu': 'its products run at under 1 GFLOP/s (the matmul rows), so one step of ~2.9 GFLOP would take ~4 s',
};

/** Small ops timed alone (per-op overhead): 10×10 operands, and one 100×100 ReLU. */
const OP_CASES: OpCase[] = [
  { op: 'add', size: 10 },
  { op: 'mul', size: 10 },
  { op: 'relu', size: 10 },
  { op: 'matmul', size: 10 },
  { op: 'sum', size: 10 },
  { op: 'relu', size: 100 },
];
const LATENCY_MODELS: LatencyModel[] = ['small', 'large'];

/** Idle time before each timed request. OpenBLAS keeps its extra threads spinning for
 *  about 0.1 s after a call, which took a core from whichever peer ran next (matgrad
 *  measured 10-40% slower right after numpy-2t); after this pause every peer starts
 *  on a quiet machine. */
const QUIET_MS = 250;

function quiet(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, QUIET_MS));
}

/** Whether the other peers are paused while one is timed (POSIX signals; Windows has none). */
const PAUSES_OTHERS = process.platform !== 'win32';

/** Runs `work` (requests to `peer`) after QUIET_MS, with every other peer paused (SIGSTOP, see
 *  PeerProcess.pause). An idle peer is not quite idle: V8 collects a peer's garbage seconds
 *  after its epoch, on threads of its own, and the peers on two threads lost a core to that. In
 *  three runs of the eight peers' epoch rounds with the others running (2026-11-29, 17:17-17:25
 *  UTC) numpy-2t's epoch was 1.17×, 0.92× and 1.11× numpy's; in a subset of four peers (fewer
 *  idle processes, shorter gaps) 0.95×, and with the others paused 0.78× and 0.89×. */
async function alone<T>(peer: PeerProcess, work: () => Promise<T>): Promise<T> {
  const others = PAUSES_OTHERS ? peers.filter((p) => p !== peer) : [];
  for (const p of others) p.pause();
  try {
    await quiet();
    return await work();
  } finally {
    for (const p of others) p.resume();
  }
}

function sample(values: number[]): Sample {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), values };
}

/** The scaling job: interleaved runs of its SGD steps, one warm-up run each. */
async function largeSteps(all: PeerProcess[]): Promise<NonNullable<BenchResults['large']>> {
  const peers = all.filter((p) => LARGE_SKIP[p.spec.id] === undefined);
  const runs = new Map(peers.map((p) => [p.spec.id, { ms: [] as number[], loss: [] as number[] }]));
  console.log(`\n${LARGE_SPEC.layers.join('-')}, batch ${LARGE_SPEC.batch}: ${LARGE_SPEC.steps} SGD steps per run, 1 warm-up + ${repeats} timed runs per peer, interleaved`);
  for (let round = -1; round < repeats; round++) {
    pinRound(peers, round);
    const order = peers.map((_, i) => peers[(i + Math.max(round, 0)) % peers.length]!);
    for (const p of order) {
      const r = await alone(p, () => p.request({ cmd: 'largeSteps' }));
      if (round < 0) continue;
      runs.get(p.spec.id)!.ms.push(r.stepMs);
      runs.get(p.spec.id)!.loss.push(r.meanLoss);
      process.stdout.write(`  ${p.spec.id} ${r.stepMs.toFixed(1)} ms/step;`);
    }
    if (round >= 0) process.stdout.write('\n');
  }
  return {
    spec: LARGE_SPEC,
    steps: Object.fromEntries([...runs].map(([id, e]) => [id, { ms: sample(e.ms), meanLoss: median(e.loss) }])),
    skipped: Object.fromEntries(all.filter((p) => LARGE_SKIP[p.spec.id] !== undefined).map((p) => [p.spec.id, LARGE_SKIP[p.spec.id]!])),
  };
}

/** Batch-1 inference through each model, every peer in turn. */
async function latencies(peers: PeerProcess[]): Promise<TimingRow[]> {
  const rows: TimingRow[] = [];
  for (const model of LATENCY_MODELS) {
    const row: TimingRow = { label: `latency, batch 1, ${model === 'small' ? `${SPEC.inputs}-${SPEC.hidden}-${SPEC.classes}` : LARGE_SPEC.layers.join('-')}`, us: {}, medianUs: {} };
    for (const p of peers) {
      const r = await alone(p, () => p.request({ cmd: 'latency', model }));
      row.us[p.spec.id] = r.us;
      row.medianUs[p.spec.id] = r.medianUs;
    }
    console.log(`  ${row.label}: ${Object.entries(row.us).map(([id, us]) => `${id} ${us.toFixed(1)}`).join(', ')} µs`);
    rows.push(row);
  }
  return rows;
}

/** The small ops, each peer timing all of them in one request. */
async function opTimes(peers: PeerProcess[]): Promise<TimingRow[]> {
  const rows: TimingRow[] = OP_CASES.map(({ op, size }) => ({ label: `${op} ${size}×${size}`, us: {}, medianUs: {} }));
  for (const p of peers) {
    const r = await alone(p, () => p.request({ cmd: 'ops', cases: OP_CASES }));
    r.ops.forEach((t, i) => {
      rows[i]!.us[p.spec.id] = t.us;
      rows[i]!.medianUs[p.spec.id] = t.medianUs;
    });
  }
  for (const row of rows) console.log(`  ${row.label}: ${Object.entries(row.us).map(([id, us]) => `${id} ${us.toFixed(2)}`).join(', ')} µs per op`);
  return rows;
}

/** The vCPUs one-thread peers are pinned to, or null (see cpusToPin). */
const cpus = cpusToPin();

/** Pins every one-thread peer to the round's vCPU (round r to cpus[r mod count]); the
 *  sections without rounds count as round 0. */
function pinRound(peers: PeerProcess[], round: number): void {
  if (cpus === null) return;
  const cpu = cpus[((round % cpus.length) + cpus.length) % cpus.length]!;
  for (const p of peers) if (p.spec.oneThread) p.pinTo(cpu);
}

const repeats = parseRepeats(process.argv.slice(2));
const job = parseModel(process.argv.slice(2));

function parseModel(argv: string[]): 'mlp' | 'cnn' {
  const i = argv.indexOf('--model');
  if (i < 0) return 'mlp';
  const model = argv[i + 1];
  if (model !== 'mlp' && model !== 'cnn') throw new Error(`bench: --model takes mlp or cnn, got ${model}`);
  return model;
}
/** Untimed epochs each peer runs in a row before the rounds. V8 is still optimizing a JavaScript
 *  peer's training step during its first epochs (seen: matgrad's first two epochs 136 and 93 ms,
 *  then 77-83), and matgrad on two threads settles later still: from a cold start 200+ ms, then
 *  80-100 for epochs 2-5 and 40-65 until about the 15th-20th (bench README, sixth and seventh
 *  passes). Nor is it steady then: three processes from a cold start (2026-11-29, 17:55 UTC) ran
 *  epochs 16-25 in 30-34 ms on two threads and 36-37 on one, epochs 35-50 in 28-29 and 34-36; so
 *  32, after which a round's timed epoch (3-6 settling epochs later) is past the 35th. A CNN
 *  epoch is 1.5-4.5 s, so that job runs two. */
const WARMUP_EPOCHS = job === 'cnn' ? 2 : 32;
/** In a training run epochs follow one another, but the rotation leaves each peer idle for
 *  6-12 s while the others run. After such a gap V8 judges its allocation rate low (the gap
 *  counts in its average until about ten scavenges have passed) and at every scavenge hands the
 *  young generation's spare half back to the system, so each page the program then allocates
 *  in is a fresh page fault: 1,000-1,500 per matgrad epoch, on this sandbox ~12 µs each, where
 *  epochs that follow one another take about 20 (the table prints each peer's count). With one
 *  untimed epoch per turn, matgrad's timed epochs that took those faults ran 66-111 ms against
 *  44-54 without them; numpy takes none. A fixed three untimed epochs were not always enough: a
 *  slow spell of the machine lengthens the gaps, and a run at 05:25 UTC still had 1,200 faults
 *  in matgrad's timed epochs of one round (and tfjs-cpu 2,900-4,100 in two). Nor is one quiet
 *  epoch: the faults start at the first scavenge after the gap, which can fall in the second
 *  epoch (a run at 05:36 UTC: 277 faults, then 1,281 in the timed epoch). So a turn runs at
 *  least MIN_SETTLING_EPOCHS untimed epochs, and more until one takes fewer than STEADY_FAULTS
 *  page faults (at most MAX_SETTLING_EPOCHS), then the timed one; the round line prints how many
 *  each took. One CNN epoch allocates far more than ten scavenges' worth: there a turn runs one. */
const MIN_SETTLING_EPOCHS = job === 'cnn' ? 1 : 3;
const MAX_SETTLING_EPOCHS = job === 'cnn' ? 1 : 6;
/** Page faults per epoch that count as steady: matgrad's epochs take 3-50 once settled, tfjs's
 *  115-430, those right after a gap 1,000-4,100 (each fault is a fresh 4 KiB page). */
const STEADY_FAULTS = 500;

/** Untimed epochs until `peer` is past the idle gap (see above); returns how many it ran. */
async function settle(peer: PeerProcess): Promise<number> {
  for (let n = 1; ; n++) {
    const r = await peer.request({ cmd: 'epoch' });
    if (n >= MAX_SETTLING_EPOCHS || (n >= MIN_SETTLING_EPOCHS && (r.pageFaults ?? 0) < STEADY_FAULTS)) return n;
  }
}
const outDir = join(repoRoot, 'runs', job === 'cnn' ? 'bench-cnn' : 'bench');
const workloadDir = join(repoRoot, 'runs', 'bench', 'workload');
await (job === 'cnn' ? ensureCnnWorkload(workloadDir) : ensureLargeWorkload(workloadDir));
const python = findNumpyPython();
if (!python) console.log('numpy: no python3 with numpy found (tried python3, /usr/bin/python3); the numpy column is left out');

const specs = job === 'cnn' ? cnnPeerSpecs(workloadDir, python) : peerSpecs(workloadDir, python, parseBackends(process.argv.slice(2)));
const peers = await Promise.all(specs.map((s) => PeerProcess.start(s)));
// Interrupted while peers are paused, the orchestrator continues them first: a stopped process
// would outlive it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const p of peers) p.resume();
    process.exit(130);
  });
}
try {
  for (const p of peers) console.log(`${p.spec.id.padEnd(12)} ${p.detail}`);
  console.log(
    cpus === null
      ? '\nvCPUs: peers not pinned (this needs Linux and taskset)'
      : `\nvCPUs: in round r every one-thread peer's main thread is pinned to vCPU ${cpus.length > 1 ? `[${cpus.join(', ')}][r mod ${cpus.length}]` : cpus[0]}${job === 'mlp' ? `, in the other sections to vCPU ${cpus[0]}` : ''}; two-thread peers are not pinned`,
  );
  console.log(PAUSES_OTHERS ? 'others paused: while a peer runs, every other peer process is stopped (SIGSTOP) and continued after' : 'others not paused (this platform has no SIGSTOP)');
  const settling = MIN_SETTLING_EPOCHS === MAX_SETTLING_EPOCHS ? `${MIN_SETTLING_EPOCHS}` : `${MIN_SETTLING_EPOCHS}-${MAX_SETTLING_EPOCHS} (past ${MIN_SETTLING_EPOCHS} until one takes under ${STEADY_FAULTS} page faults)`;
  console.log(`\nepochs: ${WARMUP_EPOCHS} warm-up in a row, then ${repeats} timed per peer, interleaved; each timed epoch right after ${settling} untimed`);
  const epochs = new Map(peers.map((p) => [p.spec.id, { ms: [] as number[], accuracy: [] as number[], loss: [] as number[], fresh: [] as number[], faults: [] as number[] }]));
  pinRound(peers, 0);
  for (const p of peers) await alone(p, async () => { for (let e = 0; e < WARMUP_EPOCHS; e++) await p.request({ cmd: 'epoch' }); });
  for (let round = 0; round < repeats; round++) {
    pinRound(peers, round);
    const order = peers.map((_, i) => peers[(i + round) % peers.length]!);
    for (const p of order) {
      const [settled, r] = await alone(p, async () => [await settle(p), await p.request({ cmd: 'epoch' })] as const);
      const e = epochs.get(p.spec.id)!;
      e.ms.push(r.epochMs);
      e.accuracy.push(r.testAccuracy);
      e.loss.push(r.meanLoss);
      if (r.freshBuffers !== undefined) e.fresh.push(r.freshBuffers);
      if (r.pageFaults !== undefined) e.faults.push(r.pageFaults);
      process.stdout.write(`  ${p.spec.id} ${r.epochMs.toFixed(1)} ms (${settled} untimed${r.pageFaults === undefined ? '' : `, ${r.pageFaults} faults`});`);
    }
    process.stdout.write('\n');
  }

  pinRound(peers, 0);
  const matmuls: MatmulRow[] = [];
  if (job === 'mlp') console.log('\nmatmul (float32 for all; matgrad-f64 in float64):');
  for (const [m, k, n] of job === 'mlp' ? SIZES : []) {
    for (const variant of VARIANTS) {
      const row: MatmulRow = { m, k, n, variant, gflops: {}, ms: {}, medianMs: {} };
      for (const p of peers) {
        if (SKIP[p.spec.id]?.(m)) continue;
        const r = await alone(p, () => p.request({ cmd: 'matmul', m, k, n, variant }));
        row.gflops[p.spec.id] = r.gflops;
        row.ms[p.spec.id] = r.ms;
        row.medianMs[p.spec.id] = r.medianMs;
      }
      console.log(`  ${m}×${k}×${n} ${variant}: ${Object.entries(row.gflops).map(([id, g]) => `${id} ${g.toFixed(1)}`).join(', ')} GFLOP/s`);
      matmuls.push(row);
    }
  }

  // The GPU peer runs the epoch and the products only.
  const cpuPeers = peers.filter((p) => p.spec.id !== 'matgrad-webgpu');
  const large = job === 'mlp' ? await largeSteps(cpuPeers) : undefined;
  pinRound(cpuPeers, 0);
  const latency = job === 'mlp' ? await latencies(cpuPeers) : [];
  const ops = job === 'mlp' ? await opTimes(cpuPeers) : [];

  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: { node: process.version, platform: `${process.platform} ${process.arch}`, pinnedTo: cpus },
    job,
    workload: job === 'cnn' ? CNN_SPEC : SPEC,
    repeats,
    peers: peers.map((p) => ({ id: p.spec.id, detail: p.detail })),
    epochs: Object.fromEntries(
      [...epochs].map(([id, e]) => [id, { ms: sample(e.ms), testAccuracy: median(e.accuracy), meanLoss: median(e.loss), freshBuffers: e.fresh.length > 0 ? median(e.fresh) : undefined, pageFaults: e.faults.length > 0 ? median(e.faults) : undefined }]),
    ),
    matmuls,
    large,
    latency,
    ops,
  };
  await mkdir(outDir, { recursive: true });
  await writeReport(results, outDir);
} finally {
  await Promise.all(peers.map((p) => p.stop()));
}
