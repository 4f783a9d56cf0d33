import type { Arena } from './arena.js';

/** The control block: an Int32 state word, then (from byte 8) Float64 slots: the task's kernel
 *  (its position in HELPER_KERNELS), its argument count and its arguments. */
const STATE = 0;
const IDLE = 0;
const POSTED = 1;
const DONE = 2;
const EXIT = 3;
const RUNNING = 4;
const SLOTS_AT = 8;
const MAX_ARGS = 12;
const CONTROL_BYTES = SLOTS_AT + 8 * (2 + MAX_ARGS);

/** After its last task the helper spins this long before it sleeps: the split ops of a training
 *  step come a few small ops apart, and waking a sleeping thread costs more than they gain. */
const SPIN_MS = 2;

/** The module's kernels a helper thread runs: a block of a product's rows or columns, a
 *  product's blocks along k, a part of take's copies, a part of an update. */
export const HELPER_KERNELS = ['matmulF32', 'matmulF64', 'blockProductsF32', 'blockProductsF64', 'gatherBlocks', 'axpyF32', 'axpyF64'] as const;

/** One call of a module kernel: its export's name and its arguments (numbers, at most twelve). */
export interface Task {
  kernel: (typeof HELPER_KERNELS)[number];
  args: number[];
}

/** Runs in the helper thread (Node's worker_threads, evaluated from this string so that no file
 *  has to be found at run time): the same module on the same shared memory, with scratch of its
 *  own, running one posted task whenever the control block says so. */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, scratch, spinMs } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
kernels.useScratch(scratch);
const run = ${JSON.stringify(HELPER_KERNELS)}.map((name) => kernels[name]);
const words = new Int32Array(memory.buffer, control, 1);
const slots = new Float64Array(memory.buffer, control + ${SLOTS_AT}, ${2 + MAX_ARGS});
for (;;) {
  let state = Atomics.load(words, ${STATE});
  let spinUntil = performance.now() + spinMs;
  while (state !== ${POSTED} && state !== ${EXIT}) {
    if (performance.now() > spinUntil) {
      Atomics.wait(words, ${STATE}, state);
      spinUntil = performance.now() + spinMs;
    }
    state = Atomics.load(words, ${STATE});
  }
  if (state === ${EXIT}) break;
  // The poster may have taken the task back meanwhile (see KernelHelper.join).
  if (Atomics.compareExchange(words, ${STATE}, ${POSTED}, ${RUNNING}) !== ${POSTED}) continue;
  run[slots[0]](...slots.subarray(2, 2 + slots[1]));
  Atomics.store(words, ${STATE}, ${DONE});
  Atomics.notify(words, ${STATE});
}
`;

interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (error: unknown) => void): void;
}

/**
 * A helper thread: it shares the module's memory, so a large kernel call is split into tasks
 * (see WasmKernels) and each thread runs one, with no copies.
 */
export class KernelHelper {
  readonly #words: Int32Array;
  readonly #slots: Float64Array;
  #failed: unknown = null;

  private constructor(
    private readonly worker: WorkerLike,
    memory: WebAssembly.Memory,
    control: number,
  ) {
    this.#words = new Int32Array(memory.buffer, control, 1);
    this.#slots = new Float64Array(memory.buffer, control + SLOTS_AT, 2 + MAX_ARGS);
    worker.on('error', (error) => {
      this.#failed = error;
    });
    worker.unref();
  }

  /** Starts the helper thread (Node only: worker_threads), or throws saying why not. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, arena: Arena, scratchBytes: number): Promise<KernelHelper> {
    const control = arena.allocate(CONTROL_BYTES);
    const scratch = arena.allocate(scratchBytes);
    if (control < 0 || scratch < 0) throw new RangeError('setThreads: WebAssembly memory is full; no room for a second thread');
    new Int32Array(memory.buffer, control, 1).fill(IDLE);
    const { Worker } = await nodeWorkerThreads();
    const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { module, memory, control, scratch, spinMs: SPIN_MS } }) as WorkerLike;
    return new KernelHelper(worker, memory, control);
  }

  /** Hands the helper one task; `join` waits for it. */
  post(task: Task): void {
    this.#check();
    const slots = this.#slots;
    slots[0] = HELPER_KERNELS.indexOf(task.kernel);
    slots[1] = task.args.length;
    slots.set(task.args, 2);
    Atomics.store(this.#words, STATE, POSTED);
    Atomics.notify(this.#words, STATE);
  }

  /** Returns once the posted task is done: by the helper, or by `runHere` if the helper has not
   *  started it yet (on a busy machine the helper may not get a core soon, and waiting for it
   *  would be slower than one thread). */
  join(runHere: (task: Task) => void, task: Task): void {
    const words = this.#words;
    if (Atomics.compareExchange(words, STATE, POSTED, IDLE) === POSTED) {
      runHere(task);
      return;
    }
    // The helper's task is as large as this thread's, so it is nearly done: spin (a sleeping
    // wait costs tens of microseconds to wake from), then sleep if it is not.
    const spinUntil = performance.now() + SPIN_MS;
    while (Atomics.load(words, STATE) !== DONE) {
      if (performance.now() < spinUntil) continue;
      // Node allows a blocking wait on its main thread; it returns as soon as the helper notifies.
      Atomics.wait(words, STATE, RUNNING, 1);
      this.#check();
    }
    Atomics.store(words, STATE, IDLE);
  }

  #check(): void {
    if (this.#failed !== null) throw new Error(`wasm threads: a helper thread failed: ${String(this.#failed)}`);
  }

  /** Stops the helper thread. */
  async stop(): Promise<void> {
    Atomics.store(this.#words, STATE, EXIT);
    Atomics.notify(this.#words, STATE);
    await this.worker.terminate();
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
