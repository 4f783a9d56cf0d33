import type { Arena } from './arena.js';

/** The module's kernels a helper thread runs: blocks of a product's rows or columns, a product's
 *  blocks along k, parts of an update or of a take. */
export const TEAM_KERNELS = ['matmulF32', 'matmulF64', 'blockProductsF32', 'blockProductsF64', 'axpyF32', 'axpyF64', 'gatherBlocks'] as const;

/** One call of a module kernel: its export's name and its arguments (numbers, at most MAX_ARGS). */
export interface Task {
  kernel: (typeof TEAM_KERNELS)[number];
  args: number[];
}

/** A kernel call cut into tasks, and which thread each is meant for: the tasks of thread t are
 *  tasks[segmentStarts[t]] up to the next segment's start. */
export interface Job {
  tasks: Task[];
  segmentStarts: number[];
}

const MAX_ARGS = 14;
/** Tasks a job may hold (the size of the shared task table). */
export const MAX_TASKS = 128;
/** More threads than this are refused: past a few, a product's blocks get too thin to pay. */
export const MAX_THREADS = 64;

// The control block: Int32 words, each group that one thread writes and others read on a cache
// line of its own (two threads writing one line pass it back and forth between cores), then
// the task table (Float64 slots: the task's kernel, as its position in TEAM_KERNELS, then its
// arguments). A segment's word holds its next task from the front (high 16 bits) and the end of
// the tasks not yet taken (low 16 bits); a helper's done word counts the tasks of this job it
// finished.
const LINE = 16;
const GENERATION = 0;
const EXIT = 1;
const FAILED = LINE;
const SEGMENTS = 2 * LINE;
const DONE = SEGMENTS + MAX_THREADS * LINE;
const WORDS = DONE + MAX_THREADS * LINE;
const TABLE_AT = WORDS * 4;
const SLOTS = 1 + MAX_ARGS;
const CONTROL_BYTES = TABLE_AT + MAX_TASKS * SLOTS * 8;

/** After its last task a helper spins this long before it sleeps: the split ops of a training
 *  step come a few small ops apart, and waking a sleeping thread costs more than they gain. */
const SPIN_MS = 2;

/** A helper's nice value (Linux: a thread's own; elsewhere the helpers keep the default). A
 *  spinning helper at the caller's priority took a core from the caller as often as from itself
 *  whenever V8's compiler or garbage collector wanted one, which they do a lot in the first
 *  epochs; below them, it is the helper that waits, and the caller takes over its tasks. The
 *  benchmark's epochs on two threads from a cold start, four processes each way: the first 20
 *  took 1013-1081 ms in all against 1123-1205 at the default, the steady ones 33.8-35.7 against
 *  33.6-39.7 ms. */
const HELPER_NICE = 10;

// How a thread takes tasks, in the helpers (below, as source text) and in the caller
// (ThreadTeam.run): first its own segment from the front, then, once that is empty, the other
// segments from the back. A thread that is slow, or has no core for a while, leaves its tasks to
// the others; a segment lists the tasks that work on what its thread touched last (the rows of
// the weights it updated, say) first, so the others take over those it would reach last.

/** Runs in each helper thread (Node's worker_threads, evaluated from this string so that no file
 *  has to be found at run time): the same module on the same shared memory, with scratch of its
 *  own, taking tasks of each job the caller posts. */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, scratch, self, threads, spinMs, nice } = workerData;
// Linux names this thread's own id in /proc/thread-self; elsewhere this throws, and the helper
// keeps its priority (see HELPER_NICE).
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid !== process.pid) require('node:os').setPriority(tid, nice);
} catch {}
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
kernels.useScratch(scratch);
const run = ${JSON.stringify(TEAM_KERNELS)}.map((name) => kernels[name]);
const words = new Int32Array(memory.buffer, control, ${WORDS});
const table = new Float64Array(memory.buffer, control + ${TABLE_AT}, ${MAX_TASKS * SLOTS});
function take(segment, fromBack) {
  const at = ${SEGMENTS} + ${LINE} * segment;
  for (;;) {
    const word = Atomics.load(words, at);
    const front = word >>> 16, back = word & 0xffff;
    if (front >= back) return -1;
    const next = fromBack ? (front << 16) | (back - 1) : ((front + 1) << 16) | back;
    if (Atomics.compareExchange(words, at, word, next) === word) return fromBack ? back - 1 : front;
  }
}
let seen = Atomics.load(words, ${GENERATION});
for (;;) {
  let spinUntil = performance.now() + spinMs;
  // The clock is read every 256 turns: each read returned a fresh number to the heap, and the
  // spinning helper's isolate collected garbage every ~14 ms.
  for (let turn = 1; Atomics.load(words, ${GENERATION}) === seen && Atomics.load(words, ${EXIT}) === 0; turn++) {
    if ((turn & 255) === 0 && performance.now() > spinUntil) {
      Atomics.wait(words, ${GENERATION}, seen);
      spinUntil = performance.now() + spinMs;
    }
  }
  if (Atomics.load(words, ${EXIT}) !== 0) break;
  seen = Atomics.load(words, ${GENERATION});
  for (let s = 0; s < threads; s++) {
    const segment = (self + s) % threads;
    for (let task = take(segment, s > 0); task >= 0; task = take(segment, s > 0)) {
      const t = task * ${SLOTS};
      try {
        // Every slot is passed (WebAssembly ignores arguments past a function's own), so that
        // no array is made per task. The kernel's slot, read, takes its result.
        table[t] = run[table[t]](${Array.from({ length: MAX_ARGS }, (_, i) => `table[t + ${i + 1}]`).join(', ')}) ?? 0;
      } catch {
        Atomics.store(words, ${FAILED}, 1);
      }
      Atomics.add(words, ${DONE} + ${LINE} * self, 1);
      Atomics.notify(words, ${DONE} + ${LINE} * self);
    }
  }
}
`;

interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (error: unknown) => void): void;
}

/**
 * Helper threads that share the module's memory with the caller: a large kernel call is cut into
 * tasks (see WasmKernels), each thread takes tasks from its own segment and then from the
 * others', and nothing is copied.
 */
export class ThreadTeam {
  readonly #words: Int32Array;
  readonly #table: Float64Array;
  #failed: unknown = null;

  private constructor(
    private readonly workers: WorkerLike[],
    memory: WebAssembly.Memory,
    /** The blocks of the arena the team took, with their sizes: given back when it stops. */
    control: number,
    private readonly blocks: { arena: Arena; taken: [at: number, bytes: number][] },
  ) {
    this.#words = new Int32Array(memory.buffer, control, WORDS);
    this.#table = new Float64Array(memory.buffer, control + TABLE_AT, MAX_TASKS * SLOTS);
    for (const worker of workers) {
      // A helper that failed (its module did not instantiate, say) takes no tasks, so jobs still
      // finish; the next job reports it rather than running on fewer threads without a word.
      worker.on('error', (error) => {
        this.#failed ??= error;
      });
      worker.unref();
    }
  }

  /** Starts `helpers` threads (Node only: worker_threads), or throws saying why not. */
  static async start(helpers: number, module: WebAssembly.Module, memory: WebAssembly.Memory, arena: Arena, scratchBytes: number): Promise<ThreadTeam> {
    if (helpers + 1 > MAX_THREADS) throw new RangeError(`setThreads: at most ${MAX_THREADS} threads, got ${helpers + 1}`);
    // One line more than the block, to start it on a line.
    const block = arena.allocate(CONTROL_BYTES + 64);
    const control = (block + 63) & ~63;
    const scratch = Array.from({ length: helpers }, () => arena.allocate(scratchBytes));
    const taken: [number, number][] = [[block, CONTROL_BYTES + 64], ...scratch.map((at): [number, number] => [at, scratchBytes])];
    if (taken.some(([at]) => at < 0)) {
      for (const [at, bytes] of taken) if (at >= 0) arena.release(at, bytes);
      throw new RangeError('setThreads: WebAssembly memory is full; no room for more threads');
    }
    new Int32Array(memory.buffer, control, WORDS).fill(0);
    try {
      const { Worker } = await nodeWorkerThreads();
      const workers = scratch.map(
        (at, i) => new Worker(HELPER_SOURCE, { eval: true, workerData: { module, memory, control, scratch: at, self: i + 1, threads: helpers + 1, spinMs: SPIN_MS, nice: HELPER_NICE } }) as WorkerLike,
      );
      return new ThreadTeam(workers, memory, control, { arena, taken });
    } catch (error) {
      for (const [at, bytes] of taken) arena.release(at, bytes);
      throw error;
    }
  }

  /** Whether a helper thread failed (the team then refuses jobs; start another). */
  get failed(): boolean {
    return this.#failed !== null;
  }

  /** Threads in all, the caller's included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Runs every task of `job`, on this thread (through `runHere`) and the helpers; returns once
   *  all are done. This thread's segment is the first. Each task's result (what its kernel
   *  returned, 0 for nothing) is then `result(i)` until the next job. */
  run(job: Job, runHere: (task: Task) => number | void): void {
    if (this.#failed !== null) throw new Error(`wasm threads: a helper thread failed (${String(this.#failed)}); call setThreads again`);
    const { tasks, segmentStarts } = job;
    if (tasks.length > MAX_TASKS) throw new RangeError(`wasm threads: a job of ${tasks.length} tasks; at most ${MAX_TASKS}`);
    const words = this.#words;
    const table = this.#table;
    for (let i = 0; i < tasks.length; i++) {
      table[i * SLOTS] = TEAM_KERNELS.indexOf(tasks[i]!.kernel);
      table.set(tasks[i]!.args, i * SLOTS + 1);
    }
    const threads = this.threads;
    for (let t = 0; t < threads; t++) {
      const start = segmentStarts[t] ?? tasks.length;
      const end = t + 1 < segmentStarts.length ? segmentStarts[t + 1]! : tasks.length;
      Atomics.store(words, SEGMENTS + LINE * t, (start << 16) | Math.max(start, end));
    }
    Atomics.add(words, GENERATION, 1);
    Atomics.notify(words, GENERATION);
    let done = 0;
    let failed = true;
    try {
      for (let s = 0; s < threads; s++) {
        for (let task = this.#take(s, s > 0); task >= 0; task = this.#take(s, s > 0)) {
          done++;
          table[task * SLOTS] = runHere(tasks[task]!) ?? 0;
        }
      }
      failed = false;
    } finally {
      // After a failure here, the tasks no thread has taken are taken and dropped: the next job
      // must not start while a helper still works on this one.
      if (failed) for (let s = 0; s < threads; s++) for (let task = this.#take(s, true); task >= 0; task = this.#take(s, true)) done++;
      // The helpers' tasks still running are about as long as this thread's: spin (a sleeping
      // wait costs tens of microseconds to wake from), then sleep until each is done.
      let spinUntil = 0;
      for (let helper = 1; done < tasks.length; ) {
        const finished = Atomics.load(words, DONE + LINE * helper);
        if (finished > 0) {
          done += finished;
          Atomics.sub(words, DONE + LINE * helper, finished);
        } else if (spinUntil === 0) {
          spinUntil = performance.now() + SPIN_MS;
        } else if (performance.now() > spinUntil) {
          // Node allows a blocking wait on its main thread; it returns as soon as the helper notifies.
          Atomics.wait(words, DONE + LINE * helper, 0, 1);
        }
        helper = helper + 1 < threads ? helper + 1 : 1;
      }
    }
    if (Atomics.load(words, FAILED) !== 0) {
      Atomics.store(words, FAILED, 0);
      throw new Error('wasm threads: a kernel failed in a helper thread; its part of the result is missing');
    }
  }

  /** What task `i` of the last job returned (0 where its kernel returns nothing). */
  result(i: number): number {
    return this.#table[i * SLOTS]!;
  }

  /** The next task of `segment`: from its front, or from its back when taking over another
   *  thread's tasks; -1 when it has none left. (The helpers' `take`, above, is the same.) */
  #take(segment: number, fromBack: boolean): number {
    const words = this.#words;
    const at = SEGMENTS + LINE * segment;
    for (;;) {
      const word = Atomics.load(words, at);
      const front = word >>> 16;
      const back = word & 0xffff;
      if (front >= back) return -1;
      const next = fromBack ? (front << 16) | (back - 1) : ((front + 1) << 16) | back;
      if (Atomics.compareExchange(words, at, word, next) === word) return fromBack ? back - 1 : front;
    }
  }

  /** Stops the helper threads. */
  async stop(): Promise<void> {
    Atomics.store(this.#words, EXIT, 1);
    Atomics.notify(this.#words, GENERATION);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    for (const [at, bytes] of this.blocks.taken) this.blocks.arena.release(at, bytes);
  }
}

interface WorkerThreadsModule {
  Worker: new (source: string, options: { eval: boolean; workerData: unknown }) => unknown;
}

async function nodeWorkerThreads(): Promise<WorkerThreadsModule> {
  // A computed specifier, so that browser bundlers leave Node's module out.
  const specifier = ['node', 'worker_threads'].join(':');
  try {
    return (await import(/* @vite-ignore */ specifier)) as WorkerThreadsModule;
  } catch {
    throw new Error("setThreads: a second thread needs Node's worker_threads; this host has none (in browsers, matgrad computes on one thread)");
  }
}
