// Starting and talking to the peer processes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EpochResult, Hello, MatmulResult, OpsResult, Request, Response, StepsResult, Timing } from './protocol.js';

export interface PeerSpec {
  /** Short column name in the table, e.g. `tfjs-wasm`. */
  id: string;
  command: string;
  args: string[];
  /** Whether this peer is matgrad itself (the numerator of every ratio). */
  isMatgrad: boolean;
  /** Whether it computes on one thread, so the orchestrator may pin it to one vCPU (see cpusToPin). */
  oneThread: boolean;
}

const benchDir = fileURLToPath(new URL('.', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function nodePeer(id: string, file: string, args: string[], { isMatgrad = false, oneThread = true } = {}): PeerSpec {
  return { id, command: process.execPath, args: ['--conditions=source', '--import', 'tsx', `${benchDir}${file}`, ...args], isMatgrad, oneThread };
}

function numpyPeer(id: string, python: string, args: string[]): PeerSpec {
  return { id, command: python, args: [`${benchDir}peer_numpy.py`, ...args], isMatgrad: false, oneThread: args[1] === '1' };
}

/**
 * The vCPUs to pin one-thread peers to, or null where pinning is not possible (not Linux, or no
 * `taskset`). On the 2-vCPU VMs we measure on, one vCPU can be much slower than the other for
 * minutes (for reasons not visible from inside the VM), and that slows SIMD128 code far more than
 * OpenBLAS: a loop of f32x4 multiply-adds ran 1.41 per cycle on vCPU 0 and 1.00 on vCPU 1, where
 * numpy's 256³ product ran 104 and 97 GFLOP/s; matgrad's epoch 44 against 64 ms, numpy's 56
 * against 65. Unpinned, which vCPU each peer landed on decided the ratios. So in each round
 * every one-thread peer runs on the same vCPU (round r on the r-th, in turn).
 */
export function cpusToPin(): number[] | null {
  if (process.platform !== 'linux') return null;
  let allowed: string | undefined;
  try {
    allowed = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  } catch {
    return null;
  }
  // Setting this process's affinity to what it already is proves that taskset exists and may pin.
  if (allowed === undefined || spawnSync('taskset', ['-p', '-c', allowed, String(process.pid)], { stdio: 'ignore' }).status !== 0) return null;
  return parseCpuList(allowed);
}

/** The vCPUs of a Linux CPU list such as `0-3,6`, or null if it is not one. */
export function parseCpuList(list: string): number[] | null {
  const cpus: number[] = [];
  for (const range of list.split(',')) {
    const bounds = /^(\d+)(?:-(\d+))?$/.exec(range.trim());
    if (bounds === null) return null;
    const from = Number(bounds[1]);
    const to = bounds[2] === undefined ? from : Number(bounds[2]);
    if (to < from) return null;
    for (let cpu = from; cpu <= to; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** The first python3 that imports numpy (pyenv's and Debian's may differ), or null. */
export function findNumpyPython(): string | null {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(candidate, ['-c', 'import numpy'], { stdio: 'ignore' });
    if (probe.status === 0) return candidate;
  }
  return null;
}

/** The peers of the CNN job: the pure-JS tfjs backend (minutes per epoch) and matgrad in
 *  float64 are left out to keep the run short. */
export function cnnPeerSpecs(workloadDir: string, python: string | null): PeerSpec[] {
  const specs = [nodePeer('matgrad', 'peer-matgrad.ts', [workloadDir, 'float32', 'cnn'], { isMatgrad: true }), nodePeer('tfjs-wasm', 'peer-tfjs.ts', [workloadDir, 'wasm', 'cnn'])];
  if (python) {
    specs.push(numpyPeer('numpy', python, [workloadDir, '1', 'cnn']));
    specs.push(numpyPeer('numpy-2t', python, [workloadDir, '2', 'cnn']));
  }
  return specs;
}

export function peerSpecs(workloadDir: string, python: string | null, extraBackends: readonly string[] = []): PeerSpec[] {
  const specs = [
    nodePeer('matgrad', 'peer-matgrad.ts', [workloadDir, 'float32'], { isMatgrad: true }),
    nodePeer('matgrad-2t', 'peer-matgrad.ts', [workloadDir, 'float32', 'mlp', '2'], { oneThread: false }),
    // The GPU peer's host thread waits on the GPU; it is left where the system puts it.
    ...(extraBackends.includes('webgpu') ? [nodePeer('matgrad-webgpu', 'peer-matgrad-webgpu.ts', [workloadDir], { oneThread: false })] : []),
    nodePeer('matgrad-f64', 'peer-matgrad.ts', [workloadDir, 'float64']),
    nodePeer('tfjs-wasm', 'peer-tfjs.ts', [workloadDir, 'wasm']),
    nodePeer('tfjs-cpu', 'peer-tfjs.ts', [workloadDir, 'cpu']),
  ];
  if (python) {
    // matgrad and TensorFlow.js run on one thread here; numpy-2t shows what a second
    // BLAS thread buys at these sizes.
    specs.push(numpyPeer('numpy', python, [workloadDir, '1']));
    // The float64 counterpart of matgrad-f64 (issue 15 compares the two).
    specs.push(numpyPeer('numpy-f64', python, [workloadDir, '1', 'mlp', 'float64']));
    specs.push(numpyPeer('numpy-2t', python, [workloadDir, '2']));
  }
  return specs;
}

/** One running peer; requests are answered strictly in order. */
export class PeerProcess {
  readonly detail: string;
  private constructor(
    readonly spec: PeerSpec,
    private readonly child: ChildProcess,
    private readonly lines: AsyncIterator<string>,
    private readonly rl: Interface,
    hello: Hello,
  ) {
    this.detail = hello.detail;
  }

  static async start(spec: PeerSpec): Promise<PeerProcess> {
    const child = spawn(spec.command, spec.args, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
    const rl = createInterface({ input: child.stdout! });
    const lines = rl[Symbol.asyncIterator]();
    const hello = (await next(spec.id, lines)) as Hello;
    return new PeerProcess(spec, child, lines, rl, hello);
  }

  async request(r: Request & { cmd: 'epoch' }): Promise<EpochResult>;
  async request(r: Request & { cmd: 'matmul' }): Promise<MatmulResult>;
  async request(r: Request & { cmd: 'largeSteps' }): Promise<StepsResult>;
  async request(r: Request & { cmd: 'latency' }): Promise<Timing>;
  async request(r: Request & { cmd: 'ops' }): Promise<OpsResult>;
  async request(r: Request): Promise<Response> {
    this.child.stdin!.write(`${JSON.stringify(r)}\n`);
    return next(this.spec.id, this.lines);
  }

  /** Moves the peer's main thread (the one that computes) to `cpu`. Its other threads (V8's
   *  garbage collector and compiler) stay where they were. */
  pinTo(cpu: number): void {
    const pinned = spawnSync('taskset', ['-p', '-c', String(cpu), String(this.child.pid)], { stdio: 'ignore' });
    if (pinned.status !== 0) throw new Error(`bench: taskset could not pin peer '${this.spec.id}' (pid ${this.child.pid}) to vCPU ${cpu}`);
  }

  /** Stops the peer's process (every thread of it) until `resume`, while another peer is timed:
   *  an idle peer still computes now and then (V8 collects its garbage seconds after an epoch,
   *  OpenBLAS keeps its threads spinning after a call), and a peer on two threads loses a core
   *  to it. */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.child.stdin!.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
    this.rl.close();
    await new Promise((resolve) => (this.child.exitCode !== null ? resolve(null) : this.child.once('exit', resolve)));
  }
}

/** The next JSON answer; libraries' own console lines (tfjs prints a banner) are skipped. */
async function next(id: string, lines: AsyncIterator<string>): Promise<Response> {
  for (;;) {
    const { value, done } = await lines.next();
    if (done) throw new Error(`bench: peer '${id}' exited before answering`);
    if (!value.startsWith('{')) continue;
    const response = JSON.parse(value) as Response;
    if ('error' in response) throw new Error(`bench: peer '${id}' failed: ${response.error}`);
    return response;
  }
}
