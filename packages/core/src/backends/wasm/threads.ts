import type { Arena } from './arena.js';

/** The control block's Int32 words: the state, then the product's arguments. */
const STATE = 0;
const IDLE = 0;
const POSTED = 1;
const DONE = 2;
const EXIT = 3;
const RUNNING = 4;
const ARGS = 1;
const CONTROL_BYTES = 64;

/** After its last task the helper spins this long before it sleeps: the products of a training
 *  step come a few small ops apart, and waking a sleeping thread costs more than they gain. */
const SPIN_MS = 2;

/** Runs in the helper thread (Node's worker_threads, evaluated from this string so that no file
 *  has to be found at run time): the same module on the same shared memory, with scratch of its
 *  own, doing one half of a product whenever the control block says so. */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, scratch, spinMs } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
kernels.useScratch(scratch);
const words = new Int32Array(memory.buffer, control, ${CONTROL_BYTES / 4});
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
  // The poster may have taken the task back meanwhile (see ProductHelper.join).
  if (Atomics.compareExchange(words, ${STATE}, ${POSTED}, ${RUNNING}) !== ${POSTED}) continue;
  const a = (i) => words[${ARGS} + i] >>> 0;
  const run = a(0) === 4 ? kernels.matmulF32 : kernels.matmulF64;
  run(words[${ARGS} + 1], words[${ARGS} + 2], words[${ARGS} + 3], a(4), words[${ARGS} + 5], words[${ARGS} + 6], a(7), words[${ARGS} + 8], words[${ARGS} + 9], a(10), words[${ARGS} + 11]);
  Atomics.store(words, ${STATE}, ${DONE});
  Atomics.notify(words, ${STATE});
}
`;

/** The arguments of the module's matmulF32/F64 (m, n, k, a, ars, acs, b, brs, bcs, c, ldc). */
export type ProductArgs = [m: number, n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number];

interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (error: unknown) => void): void;
}

/**
 * A helper thread for the matrix products: it shares the module's memory, so a product is split
 * into blocks of rows (or of columns, for a short C) and each thread computes one, with no
 * copies. Each C element is computed exactly as on one thread, so results are bit-identical
 * whatever the split.
 */
export class ProductHelper {
  readonly #words: Int32Array;
  #failed: unknown = null;

  private constructor(
    private readonly worker: WorkerLike,
    memory: WebAssembly.Memory,
    control: number,
  ) {
    this.#words = new Int32Array(memory.buffer, control, CONTROL_BYTES / 4);
    worker.on('error', (error) => {
      this.#failed = error;
    });
    worker.unref();
  }

  /** Starts the helper thread (Node only: worker_threads), or throws saying why not. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, arena: Arena, scratchBytes: number): Promise<ProductHelper> {
    const control = arena.allocate(CONTROL_BYTES);
    const scratch = arena.allocate(scratchBytes);
    if (control < 0 || scratch < 0) throw new RangeError('setThreads: WebAssembly memory is full; no room for a second thread');
    new Int32Array(memory.buffer, control, CONTROL_BYTES / 4).fill(IDLE);
    const { Worker } = await nodeWorkerThreads();
    const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { module, memory, control, scratch, spinMs: SPIN_MS } }) as WorkerLike;
    return new ProductHelper(worker, memory, control);
  }

  /** Hands the helper one product (`bytes`: the element size, 4 or 8); `join` waits for it. */
  post(bytes: number, args: ProductArgs): void {
    this.#check();
    const words = this.#words;
    words[ARGS] = bytes;
    for (let i = 0; i < args.length; i++) words[ARGS + 1 + i] = args[i]! | 0;
    Atomics.store(words, STATE, POSTED);
    Atomics.notify(words, STATE);
  }

  /** Returns once the posted product is done: by the helper, or here if the helper has not
   *  started it yet (on a busy machine the helper may not get a core soon, and waiting for it
   *  would be slower than one thread). */
  join(runHere: (args: ProductArgs) => void, args: ProductArgs): void {
    const words = this.#words;
    if (Atomics.compareExchange(words, STATE, POSTED, IDLE) === POSTED) {
      runHere(args);
      return;
    }
    // The helper's block is as large as this thread's, so it is nearly done: spin (a sleeping
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
