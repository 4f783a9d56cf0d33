// The benchmark's one table (printed), its JSON, and its bar chart (SVG and PNG).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIGURE_FONT_FAMILY, writeSvgFigure } from '../src/figures/render.js';
import type { Variant } from './protocol.js';
import type { CnnWorkloadSpec, LargeWorkloadSpec, WorkloadSpec } from './workload.js';

export interface Sample {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export interface MatmulRow {
  m: number;
  k: number;
  n: number;
  variant: Variant;
  /** Peer id → GFLOP/s and ms per product, from the fastest of seven chunks of calls;
   *  and the median over the chunks. */
  gflops: Record<string, number>;
  ms: Record<string, number>;
  medianMs: Record<string, number>;
}

/** A per-call time in µs per peer: the fastest of seven chunks, and their median. */
export interface TimingRow {
  label: string;
  us: Record<string, number>;
  medianUs: Record<string, number>;
}

export interface BenchResults {
  date: string;
  /** pinnedTo: the vCPUs one-thread peers were pinned to, round by round (null: not pinned). */
  machine: { node: string; platform: string; pinnedTo: number[] | null };
  /** The MLP epoch and the matrix products, or the CNN epoch. */
  job: 'mlp' | 'cnn';
  workload: WorkloadSpec | CnnWorkloadSpec;
  repeats: number;
  peers: { id: string; detail: string }[];
  epochs: Record<string, { ms: Sample; testAccuracy: number; meanLoss: number; freshBuffers?: number | undefined; pageFaults?: number | undefined }>;
  matmuls: MatmulRow[];
  /** The scaling job's ms per SGD step (MLP job only), and the peers left out with the reason. */
  large?: { spec: LargeWorkloadSpec; steps: Record<string, { ms: Sample; meanLoss: number }>; skipped: Record<string, string> } | undefined;
  /** Batch-1 inference, µs per sample. */
  latency?: TimingRow[];
  /** Small ops timed alone, µs per op. */
  ops?: TimingRow[];
}

const MATGRAD = 'matgrad';

function cell(text: string, width: number): string {
  return text.padStart(width);
}

function fixed(x: number | undefined, digits: number): string {
  return x === undefined ? '–' : x.toFixed(digits);
}

/** Rows of [label, per-peer cells]; ratios are always time(matgrad) / time(peer), so
 *  below 1 means matgrad is faster. */
export function tableLines(r: BenchResults): string[] {
  const ids = r.peers.map((p) => p.id);
  const rows: [string, string[]][] = [];
  const mg = r.epochs[MATGRAD]!.ms.median;
  rows.push(['epoch ms, median', ids.map((id) => fixed(r.epochs[id]?.ms.median, 1))]);
  rows.push(['  spread min–max', ids.map((id) => `${fixed(r.epochs[id]?.ms.min, 0)}–${fixed(r.epochs[id]?.ms.max, 0)}`)]);
  rows.push(['  ratio matgrad/peer', ids.map((id) => fixed(mg / r.epochs[id]!.ms.median, 3))]);
  rows.push(['  test accuracy', ids.map((id) => fixed(r.epochs[id]?.testAccuracy, 4))]);
  rows.push(['  mean train loss', ids.map((id) => fixed(r.epochs[id]?.meanLoss, 4))]);
  rows.push(['  fresh buffers per epoch', ids.map((id) => fixed(r.epochs[id]?.freshBuffers, 0))]);
  rows.push(['  page faults per epoch', ids.map((id) => fixed(r.epochs[id]?.pageFaults, 0))]);
  for (const row of r.matmuls) {
    rows.push([`${row.m}×${row.k}×${row.n} ${row.variant} GFLOP/s, best`, ids.map((id) => fixed(row.gflops[id], 1))]);
    rows.push(['  ratio matgrad/peer', ids.map((id) => (row.ms[id] === undefined ? '–' : fixed(row.ms[MATGRAD]! / row.ms[id]!, 3)))]);
  }
  const large = r.large;
  if (large !== undefined) {
    const steps = large.steps;
    const mgStep = steps[MATGRAD]!.ms.median;
    rows.push([`${large.spec.layers.join('-')}, batch ${large.spec.batch}: ms per step, median`, ids.map((id) => fixed(steps[id]?.ms.median, 1))]);
    rows.push(['  spread min–max', ids.map((id) => (steps[id] === undefined ? '–' : `${fixed(steps[id].ms.min, 0)}–${fixed(steps[id].ms.max, 0)}`))]);
    rows.push(['  ratio matgrad/peer', ids.map((id) => (steps[id] === undefined ? '–' : fixed(mgStep / steps[id].ms.median, 3)))]);
    rows.push([`  mean train loss (${large.spec.steps} steps)`, ids.map((id) => fixed(steps[id]?.meanLoss, 4))]);
  }
  for (const [title, timings, digits] of [['µs per sample', r.latency ?? [], 1], ['µs per op', r.ops ?? [], 2]] as const) {
    for (const row of timings) {
      rows.push([`${row.label}: ${title}, best`, ids.map((id) => fixed(row.us[id], digits))]);
      rows.push(['  ratio matgrad/peer', ids.map((id) => (row.us[id] === undefined ? '–' : fixed(row.us[MATGRAD]! / row.us[id]!, 3)))]);
    }
  }
  const labelWidth = Math.max(...rows.map(([l]) => l.length)) + 2;
  const width = Math.max(12, ...ids.map((id) => id.length + 2), ...rows.flatMap(([, cs]) => cs.map((c) => c.length + 2)));
  return [
    ' '.repeat(labelWidth) + ids.map((id) => cell(id, width)).join(''),
    ...rows.map(([label, cells]) => label.padEnd(labelWidth) + cells.map((c) => cell(c, width)).join('')),
  ];
}

/** The issue's targets, each with the measured value and whether it is met. */
export function targetLines(r: BenchResults): string[] {
  const lines: string[] = [];
  const mg = r.epochs[MATGRAD]!.ms.median;
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const wasm = r.epochs['tfjs-wasm'];
  if (wasm) {
    const ratio = mg / wasm.ms.median;
    // The MLP's target comes from issue 5, the CNN's from issue 13.
    const target = r.job === 'cnn' ? 0.5 : 0.25;
    lines.push(`epoch time ≤ ${target}× tfjs-wasm: ${ratio.toFixed(3)}× (${check(ratio <= target)})`);
  }
  const numpy = r.epochs['numpy'];
  if (numpy) lines.push(`epoch time vs numpy (goal ≤ 1.0×): ${(mg / numpy.ms.median).toFixed(2)}×`);
  for (const row of r.matmuls.filter((x) => x.variant === 'AB' && x.m <= 256)) {
    const g = row.gflops[MATGRAD]!;
    lines.push(`matmul ${row.m}×${row.k}×${row.n} ≥ 30 GFLOP/s: ${g.toFixed(1)} (${check(g >= 30)})`);
  }
  const f64 = r.epochs['matgrad-f64'];
  if (f64) {
    const ratio = f64.ms.median / mg;
    lines.push(`float64 epoch ≤ 2.5× float32: ${ratio.toFixed(2)}× (${check(ratio <= 2.5)})`);
  }
  const accuracies = Object.values(r.epochs).map((e) => e.testAccuracy);
  const gap = Math.max(...accuracies) - Math.min(...accuracies);
  lines.push(`all peers trained the same model: test accuracies within ${(gap * 100).toFixed(2)} points (${check(gap <= 0.005)})`);
  return lines;
}

/** Issue 15's targets: matgrad's epoch against numpy's on one thread (float32 and float64),
 *  and with two threads once matgrad has a two-thread peer. */
export function issue15Lines(r: BenchResults): string[] {
  const lines: string[] = [];
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const epoch = (id: string) => r.epochs[id]?.ms.median;
  const ratioLine = (goal: string, numerator: string, denominator: string, limit: number) => {
    const [a, b] = [epoch(numerator), epoch(denominator)];
    if (a === undefined || b === undefined) return `${goal}: not measured: no ${a === undefined ? numerator : denominator} peer`;
    return `${goal}: ${(a / b).toFixed(3)}× (${numerator} ${a.toFixed(1)} ms / ${denominator} ${b.toFixed(1)} ms; ${check(a / b <= limit)})`;
  };
  lines.push(ratioLine('epoch ≤ 0.8× numpy float32, one thread', MATGRAD, 'numpy', 0.8));
  lines.push(ratioLine('stretch goal: epoch ≤ 0.5× numpy float32, one thread', MATGRAD, 'numpy', 0.5));
  lines.push(ratioLine('float64 epoch ≤ 1.0× numpy float64, one thread', 'matgrad-f64', 'numpy-f64', 1.0));
  // No peer of matgrad runs on two threads yet: these stay unmeasured, never met.
  const twoThreads = r.peers.find((p) => p.id === 'matgrad-2t');
  lines.push(twoThreads ? ratioLine('two threads: epoch ≤ 0.6× numpy float32 on one thread', 'matgrad-2t', 'numpy', 0.6) : 'two threads: epoch ≤ 0.6× numpy float32 on one thread: not measured: no two-thread matgrad peer');
  lines.push(twoThreads ? ratioLine('two threads: epoch ≤ 1.0× numpy with two OpenBLAS threads', 'matgrad-2t', 'numpy-2t', 1.0) : 'two threads: epoch ≤ 1.0× numpy with two OpenBLAS threads: not measured: no two-thread matgrad peer');
  const accuracies = Object.values(r.epochs).map((e) => e.testAccuracy);
  const gap = Math.max(...accuracies) - Math.min(...accuracies);
  lines.push(`same test accuracy as every other peer: within ${(gap * 100).toFixed(2)} points (${check(gap <= 0.005)})`);
  const large = r.large;
  if (large !== undefined) {
    const losses = Object.values(large.steps).map((e) => e.meanLoss);
    const spread = Math.max(...losses) - Math.min(...losses);
    lines.push(`${large.spec.layers.join('-')}: every peer's mean loss over its ${large.spec.steps} steps within ${spread.toExponential(1)} (${check(spread <= 1e-3)})`);
    for (const [id, why] of Object.entries(large.skipped)) lines.push(`${id} is left out of the ${large.spec.layers.join('-')} row: ${why}`);
  }
  return lines;
}

const PALETTE = ['#1f77b4', '#9467bd', '#ff7f0e', '#d62728', '#2ca02c', '#17becf', '#8c564b', '#e377c2'];

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** Two panels: epoch time per peer on a log axis, and float32 A·B GFLOP/s per size. */
export function chartSvg(r: BenchResults): string {
  const ids = r.peers.map((p) => p.id);
  const color = (id: string) => PALETTE[ids.indexOf(id) % PALETTE.length]!;
  const W = 760;
  const left = 120;
  const plotW = W - left - 90;
  const bar = 18;
  const parts: string[] = [];
  const text = (x: number, y: number, s: string, extra = '') =>
    parts.push(`<text x="${x}" y="${y}" font-family="${FIGURE_FONT_FAMILY}" font-size="12" ${extra}>${escape(s)}</text>`);

  // Panel 1: epoch time, log scale from 10 ms to the next power of ten above the slowest.
  let y = 30;
  const model = r.job === 'cnn' ? 'LeNet-style CNN' : `MLP ${(r.workload as WorkloadSpec).inputs}-${(r.workload as WorkloadSpec).hidden}-${r.workload.classes}`;
  text(10, y, `One training epoch, ${r.workload.trainCount} MNIST digits, ${model} (median ms, log scale; shorter is faster)`, 'font-weight="bold"');
  y += 20;
  const slowest = Math.max(...Object.values(r.epochs).map((e) => e.ms.max));
  const lo = 1;
  const hi = Math.ceil(Math.log10(slowest));
  const xOf = (ms: number) => left + ((Math.log10(Math.max(ms, 10)) - lo) / (hi - lo)) * plotW;
  for (const id of ids) {
    const e = r.epochs[id]!;
    parts.push(`<rect x="${left}" y="${y}" width="${xOf(e.ms.median) - left}" height="${bar}" fill="${color(id)}"/>`);
    parts.push(`<line x1="${xOf(e.ms.min)}" x2="${xOf(e.ms.max)}" y1="${y + bar / 2}" y2="${y + bar / 2}" stroke="black"/>`);
    text(10, y + 13, id);
    text(xOf(e.ms.max) + 6, y + 13, `${e.ms.median.toFixed(0)} ms`);
    y += bar + 6;
  }
  for (let p = lo; p <= hi; p++) {
    const x = xOf(10 ** p);
    parts.push(`<line x1="${x}" x2="${x}" y1="${y}" y2="${y + 4}" stroke="black"/>`);
    text(x - 10, y + 16, `${10 ** p}`);
  }
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y}" y2="${y}" stroke="black"/>`);
  y += 50;

  // Panel 2: A·B GFLOP/s, one group per size, one bar per peer (the MLP job only).
  if (r.matmuls.length > 0) text(10, y, 'Matrix product A·B, float32 (matgrad-f64: float64), GFLOP/s, best of 7 chunks (longer is faster)', 'font-weight="bold"');
  y += 20;
  const rows = r.matmuls.filter((m) => m.variant === 'AB');
  const best = Math.max(...rows.flatMap((row) => Object.values(row.gflops)));
  const gx = (g: number) => left + (g / best) * plotW;
  for (const row of rows) {
    text(10, y + 13, `${row.m}×${row.k}×${row.n}`, 'font-weight="bold"');
    y += bar;
    for (const id of ids) {
      const g = row.gflops[id];
      if (g === undefined) continue;
      parts.push(`<rect x="${left}" y="${y}" width="${gx(g) - left}" height="${bar - 4}" fill="${color(id)}"/>`);
      text(20, y + 11, id);
      text(gx(g) + 6, y + 11, g.toFixed(1));
      y += bar;
    }
    y += 8;
  }
  const height = y + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}

export async function writeReport(r: BenchResults, outDir: string): Promise<void> {
  const lines = ['', ...tableLines(r), '', `targets (issue ${r.job === 'cnn' ? 13 : 5}):`, ...targetLines(r).map((l) => `  ${l}`)];
  if (r.job === 'mlp') lines.push('', 'targets (issue 15):', ...issue15Lines(r).map((l) => `  ${l}`));
  console.log(lines.join('\n'));
  const json = join(outDir, 'results.json');
  await writeFile(json, `${JSON.stringify(r, null, 2)}\n`);
  const { svgPath, pngPath } = await writeSvgFigure(chartSvg(r), join(outDir, 'results'));
  console.log(`\nwrote ${json}, ${svgPath}, ${pngPath}`);
}
