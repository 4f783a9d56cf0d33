// Starting and talking to the peer processes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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
}

const benchDir = fileURLToPath(new URL('.', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function nodePeer(id: string, file: string, args: string[], isMatgrad = false): PeerSpec {
  return { id, command: process.execPath, args: ['--conditions=source', '--import', 'tsx', `${benchDir}${file}`, ...args], isMatgrad };
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
  const specs = [nodePeer('matgrad', 'peer-matgrad.ts', [workloadDir, 'float32', 'cnn'], true), nodePeer('tfjs-wasm', 'peer-tfjs.ts', [workloadDir, 'wasm', 'cnn'])];
  if (python) {
    specs.push({ id: 'numpy', command: python, args: [`${benchDir}peer_numpy.py`, workloadDir, '1', 'cnn'], isMatgrad: false });
    specs.push({ id: 'numpy-2t', command: python, args: [`${benchDir}peer_numpy.py`, workloadDir, '2', 'cnn'], isMatgrad: false });
  }
  return specs;
}

export function peerSpecs(workloadDir: string, python: string | null, extraBackends: readonly string[] = []): PeerSpec[] {
  const specs = [
    nodePeer('matgrad', 'peer-matgrad.ts', [workloadDir, 'float32'], true),
    nodePeer('matgrad-2t', 'peer-matgrad.ts', [workloadDir, 'float32', 'mlp', '2']),
    ...(extraBackends.includes('webgpu') ? [nodePeer('matgrad-webgpu', 'peer-matgrad-webgpu.ts', [workloadDir])] : []),
    nodePeer('matgrad-f64', 'peer-matgrad.ts', [workloadDir, 'float64']),
    nodePeer('tfjs-wasm', 'peer-tfjs.ts', [workloadDir, 'wasm']),
    nodePeer('tfjs-cpu', 'peer-tfjs.ts', [workloadDir, 'cpu']),
  ];
  if (python) {
    // matgrad and TensorFlow.js run on one thread here; numpy-2t shows what a second
    // BLAS thread buys at these sizes.
    specs.push({ id: 'numpy', command: python, args: [`${benchDir}peer_numpy.py`, workloadDir, '1'], isMatgrad: false });
    // The float64 counterpart of matgrad-f64 (issue 15 compares the two).
    specs.push({ id: 'numpy-f64', command: python, args: [`${benchDir}peer_numpy.py`, workloadDir, '1', 'mlp', 'float64'], isMatgrad: false });
    specs.push({ id: 'numpy-2t', command: python, args: [`${benchDir}peer_numpy.py`, workloadDir, '2'], isMatgrad: false });
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
