// Each peer is a process of its own that reads one JSON request per line on stdin and
// answers with one JSON line on stdout; the orchestrator (run.ts) interleaves them.
import { createInterface } from 'node:readline';

export type Variant = 'AB' | 'ABt' | 'AtB';

export type Request =
  | { cmd: 'epoch' }
  | { cmd: 'matmul'; m: number; k: number; n: number; variant: Variant }
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

export type Response = Hello | EpochResult | MatmulResult | { error: string };

export interface Peer {
  detail: string;
  /** Resets the weights to the workload's initial ones, trains one epoch (timed), tests (untimed). */
  epoch(): EpochResult | Promise<EpochResult>;
  /** Times C = A·B for the variant (A·Bᵀ and Aᵀ·B read a stored transpose). */
  matmul(m: number, k: number, n: number, variant: Variant): MatmulResult | Promise<MatmulResult>;
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
      else send(await peer.matmul(request.m, request.k, request.n, request.variant));
    } catch (e) {
      send({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  }
  process.exit(0);
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
