// Each peer is a process of its own that reads one JSON request per line on stdin and
// answers with one JSON line on stdout; the orchestrator (run.ts) interleaves them.
import { createInterface } from 'node:readline';

export type Variant = 'AB' | 'ABt' | 'AtB';

/** A small op timed alone: `size`×`size` operands (a reduction sums all of them). */
export interface OpCase {
  op: 'add' | 'mul' | 'relu' | 'matmul' | 'sum';
  size: number;
}

/** The model timed at batch 1: the benchmark MLP or the scaling job's. */
export type LatencyModel = 'small' | 'large';

export type Request =
  | { cmd: 'epoch' }
  | { cmd: 'matmul'; m: number; k: number; n: number; variant: Variant }
  | { cmd: 'largeSteps' }
  | { cmd: 'latency'; model: LatencyModel }
  | { cmd: 'ops'; cases: OpCase[] }
  | { cmd: 'quit' };

export interface Hello {
  ready: true;
  /** What exactly ran, e.g. versions and backend. */
  detail: string;
}

export interface EpochResult {
  epochMs: number;
  testAccuracy: number;
  /** Mean training loss over the epoch's batches. */
  meanLoss: number;
  /** Buffers the peer's allocator made anew during the epoch, where it can count them. */
  freshBuffers?: number;
  /** Minor page faults the process took during the timed epoch (the operating system's count). */
  pageFaults?: number;
  /** For a GPU: when the host had recorded the whole epoch (the rest is waiting for the GPU). */
  hostMs?: number;
}

export interface MatmulResult {
  /** Milliseconds per product in the fastest chunk of calls: the one least disturbed by
   *  other processes on the machine, as Python's timeit advises. */
  ms: number;
  /** Milliseconds per product, median over the chunks. */
  medianMs: number;
  /** From `ms`. */
  gflops: number;
}

/** The scaling job: `steps` SGD steps from the initial weights. */
export interface StepsResult {
  /** Milliseconds per step, over the timed run. */
  stepMs: number;
  /** Mean training loss over the steps (equal for peers that train the same model). */
  meanLoss: number;
}

/** Microseconds per call, fastest chunk and median over seven chunks. */
export interface Timing {
  us: number;
  medianUs: number;
}

/** Per-op times, in the order of the request's cases. */
export interface OpsResult {
  ops: Timing[];
}

export type Response = Hello | EpochResult | MatmulResult | StepsResult | Timing | OpsResult | { error: string };

export interface Peer {
  detail: string;
  /** Resets the weights to the workload's initial ones, trains one epoch (timed), tests (untimed). */
  epoch(): EpochResult | Promise<EpochResult>;
  /** Times C = A·B for the variant (A·Bᵀ and Aᵀ·B read a stored transpose). */
  matmul(m: number, k: number, n: number, variant: Variant): MatmulResult | Promise<MatmulResult>;
  /** Resets the scaling job's weights, runs its SGD steps (timed). */
  largeSteps?(): StepsResult;
  /** One sample through the model's forward pass, logits read back on the host; timed per call. */
  latency?(model: LatencyModel): Timing;
  /** Each small op timed alone, its result freed. */
  ops?(cases: OpCase[]): OpsResult;
}

/** Serves requests until 'quit' or end of input. Errors are answered, not thrown, so the
 *  orchestrator can name the peer that failed. */
export async function servePeer(peer: Peer): Promise<void> {
  const send = (r: Response) => process.stdout.write(`${JSON.stringify(r)}\n`);
  send({ ready: true, detail: peer.detail });
  for await (const line of createInterface({ input: process.stdin })) {
    const request = JSON.parse(line) as Request;
    try {
      if (request.cmd === 'quit') break;
      if (request.cmd === 'epoch') send(await peer.epoch());
      else if (request.cmd === 'matmul') send(await peer.matmul(request.m, request.k, request.n, request.variant));
      else send(optional(peer, request));
    } catch (e) {
      send({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  }
  process.exit(0);
}

/** The answer to a request that not every peer serves (the GPU peer runs the epoch and products only). */
function optional(peer: Peer, request: Request & { cmd: 'largeSteps' | 'latency' | 'ops' }): Response {
  const missing = { error: `this peer does not serve '${request.cmd}'` };
  if (request.cmd === 'largeSteps') return peer.largeSteps?.() ?? missing;
  if (request.cmd === 'latency') return peer.latency?.(request.model) ?? missing;
  return peer.ops?.(request.cases) ?? missing;
}

/** Milliseconds per call of `run` in seven chunks of calls (about 40 ms each, after
 *  warm-up calls). */
export function timeCalls(run: () => void): number[] {
  for (let i = 0; i < 3; i++) run();
  let t = performance.now();
  run();
  const once = Math.max(performance.now() - t, 1e-3);
  const reps = Math.max(1, Math.round(40 / once));
  const perCall: number[] = [];
  for (let chunk = 0; chunk < 7; chunk++) {
    t = performance.now();
    for (let r = 0; r < reps; r++) run();
    perCall.push((performance.now() - t) / reps);
  }
  return perCall;
}

/** Microseconds per call of `run` in seven chunks of about 40 ms, after 100 ms of warm-up
 *  (an op of a microsecond is still being optimized after a few calls, so the chunk size is
 *  taken from the warm-up's rate): the fastest chunk, and their median. */
export function timing(run: () => void): Timing {
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < 100) {
    run();
    calls++;
  }
  const reps = Math.max(1, Math.round((calls * 40) / (performance.now() - start)));
  const perCall: number[] = [];
  for (let chunk = 0; chunk < 7; chunk++) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) run();
    perCall.push(((performance.now() - t) / reps) * 1000);
  }
  return { us: Math.min(...perCall), medianUs: median(perCall) };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function matmulResult(m: number, k: number, n: number, perCall: readonly number[]): MatmulResult {
  const ms = Math.min(...perCall);
  return { ms, medianMs: median(perCall), gflops: (2 * m * k * n) / (ms * 1e6) };
}

/** Uniform values in [-0.5, 0.5) from a fixed linear congruential stream: the operands'
 *  values do not matter for timing, only that they are finite and not denormal. */
export function filler(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}
