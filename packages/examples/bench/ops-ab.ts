// Per-op cost of two checkouts of core, A/B:
//   npx tsx --conditions=source packages/examples/bench/ops-ab.ts <tree A> <tree B> [launches]
// Each launch is a fresh process on one tree that times every case below (after a warm-up:
// on a loaded machine V8's optimizing compiler thread waits its turn, and the backward step
// measured 20-70 µs after one second and 17-19 µs after a few; then 9 chunks of ~30 ms, the
// median kept); launches alternate between the trees. Times are the
// process's CPU time, not wall time: on a shared machine a descheduled chunk would otherwise
// count other processes' time. Prints, per case, the min and median over the launches.
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CASES = [
  'relu 10×10',
  'add 10×10',
  'mul 10×10',
  'matmul 10×10',
  'sum 10×10',
  'relu 100×100',
  'step: matmul, add, relu, sum + backward, 10×10',
] as const;
const CHUNKS = 9;
const WARM_UP_MS = 1000;
const STEP_WARM_UP_MS = 4000;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** One launch: times the case named on each input line, answers CPU µs per call. */
async function servePeer(coreIndex: string): Promise<void> {
  const c = (await import(coreIndex)) as typeof import('@matgrad/core');
  const a = c.randn([10, 10], { seed: 1, dtype: 'float32' });
  const b = c.randn([10, 10], { seed: 2, dtype: 'float32' });
  const big = c.randn([100, 100], { seed: 1, dtype: 'float32' });
  const w = c.randn([10, 10], { seed: 3, dtype: 'float32' }).requireGrad();
  const bias = c.randn([10], { seed: 4, dtype: 'float32' }).requireGrad();
  const calls: Record<(typeof CASES)[number], () => unknown> = {
    'relu 10×10': () => c.tidy(() => void a.relu()),
    'add 10×10': () => c.tidy(() => void a.add(b)),
    'mul 10×10': () => c.tidy(() => void a.mul(b)),
    'matmul 10×10': () => c.tidy(() => void a.matmul(b)),
    'sum 10×10': () => c.tidy(() => void a.sum()),
    'relu 100×100': () => c.tidy(() => void big.relu()),
    'step: matmul, add, relu, sum + backward, 10×10': () =>
      c.tidy(() => {
        const loss = a.matmul(w).add(bias).relu().sum();
        loss.backward();
        w.zeroGrad();
        bias.zeroGrad();
        return loss.item();
      }),
  };
  const warm = new Set<string>();
  for await (const line of createInterface({ input: process.stdin })) {
    const call = calls[line as (typeof CASES)[number]];
    if (!warm.has(line)) {
      const warmUp = line.startsWith('step') ? STEP_WARM_UP_MS : WARM_UP_MS;
      for (const start = performance.now(); performance.now() - start < warmUp; ) call();
      warm.add(line);
    }
    let reps = 100;
    const t = performance.now();
    for (let i = 0; i < reps; i++) call();
    reps = Math.max(50, Math.round(30 / ((performance.now() - t) / reps)));
    const before = process.cpuUsage();
    for (let i = 0; i < reps; i++) call();
    const used = process.cpuUsage(before);
    console.log((used.user + used.system) / reps);
  }
}

function compare(trees: [string, string], launches: number): void {
  const input = CASES.flatMap((name) => Array<string>(CHUNKS).fill(name)).join('\n') + '\n';
  const us = trees.map(() => CASES.map((): number[] => []));
  for (let launch = 0; launch < launches; launch++) {
    const order = launch % 2 === 0 ? [0, 1] : [1, 0];
    for (const side of order) {
      const run = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', fileURLToPath(import.meta.url), '--peer', `${trees[side]}/packages/core/src/index.ts`], { input, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`ops-ab: the launch on ${trees[side]} failed: ${run.stderr}`);
      const values = run.stdout.trim().split('\n').map(Number);
      CASES.forEach((_, i) => us[side]![i]!.push(median(values.slice(i * CHUNKS, (i + 1) * CHUNKS))));
    }
  }
  console.log(`CPU µs per call, ${launches} launches each: min / median`.padEnd(52) + 'A'.padStart(16) + 'B'.padStart(16) + '  B/A (medians)');
  CASES.forEach((name, i) => {
    const [a, b] = [us[0]![i]!, us[1]![i]!];
    const cell = (xs: number[]) => `${Math.min(...xs).toFixed(2)} / ${median(xs).toFixed(2)}`.padStart(16);
    console.log(name.padEnd(52) + cell(a) + cell(b) + `  ${(median(b) / median(a)).toFixed(3)}`);
  });
}

const args = process.argv.slice(2);
if (args[0] === '--peer') await servePeer(args[1]!);
else {
  const [treeA, treeB, launches = '8'] = args;
  if (!treeA || !treeB || !(Number(launches) >= 1)) throw new Error(`ops-ab: usage ops-ab.ts <tree A> <tree B> [launches], got ${args.join(' ')}`);
  compare([treeA, treeB], Number(launches));
}
