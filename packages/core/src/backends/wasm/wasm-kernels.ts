import type { BinaryKernel, PatchGeometry } from '../backend.js';
import { checkAxpy } from '../../kernels/checks.js';
import { jsKernels } from '../../kernels/js.js';
import type { FloatArray, Kernels, MatrixView, RowExponentials } from '../../kernels/types.js';
import { Arena, ArenaPool, SMALLEST_ARENA_BYTES } from './arena.js';
import { MAX_TASKS, MAX_THREADS, ThreadTeam, type Job, type Task } from './threads.js';
import { sharedInitialPages, sharedMaximumPages, sharedWasmBase64, wasmBase64 } from './generated.js';

/** The arguments of the module's matmulF32/F64 (m, n, k, a, ars, acs, b, brs, bcs, c, ldc,
 *  bFinite: 1 where B is known to hold no Inf or NaN). */
type ProductArgs = [m: number, n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, bFinite: number];

interface KernelExports {
  memory: WebAssembly.Memory;
  operandBase(): number;
  scratchBytes(): number;
  useScratch(at: number): void;
  axpyF32(n: number, alpha: number, x: number, y: number): number;
  axpyF64(n: number, alpha: number, x: number, y: number): number;
  /** Returns 1 where B is known finite afterwards (see assembly/matmul.ts), else 0. */
  matmulF32(...args: ProductArgs): number;
  matmulF64(...args: ProductArgs): number;
  productBlockK(k: number): number;
  blockProductsF32(m: number, n: number, k: number, first: number, end: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, partials: number, partialBytes: number, bFinite: number): number;
  blockProductsF64(m: number, n: number, k: number, first: number, end: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, partials: number, partialBytes: number, bFinite: number): number;
  binaryRowsF32(op: number, rows: number, n: number, a: number, aRowBytes: number, as: number, b: number, bRowBytes: number, bs: number, out: number, outRowBytes: number): void;
  binaryRowsF64(op: number, rows: number, n: number, a: number, aRowBytes: number, as: number, b: number, bRowBytes: number, bs: number, out: number, outRowBytes: number): void;
  reluRowF32(n: number, x: number, out: number): void;
  reluRowF64(n: number, x: number, out: number): void;
  im2colF32: PatchKernel;
  im2colF64: PatchKernel;
  col2imF32: PatchKernel;
  col2imF64: PatchKernel;
  maxPoolPairsF32(planes: number, h: number, w: number, src: number, dst: number): void;
  maxUnpoolPairsF32(planes: number, h: number, w: number, src: number, dy: number, dst: number): void;
  gatherBlocks(outer: number, size: number, count: number, blockBytes: number, partStart: number, partBytes: number, src: number, indices: number, dst: number): void;
  fillF32(n: number, value: number, dst: number): void;
  addPartialsF32(m: number, n: number, c: number, ldc: number, partials: number, count: number, partialBytes: number): void;
  addPartialsF64(m: number, n: number, c: number, ldc: number, partials: number, count: number, partialBytes: number): void;
  rowExponentialsF32(rows: number, cols: number, src: number, exps: number, totals: number, shifts: number, probabilities: number): void;
  rowExponentialsF64(rows: number, cols: number, src: number, exps: number, totals: number, shifts: number, probabilities: number): void;
  fillF64(n: number, value: number, dst: number): void;
}

/** (n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, [pad value,] src, dst). */
type PatchKernel = (...args: number[]) => void;

/** The kernels of the wasm backend and, where tensors can live in the module's memory, the
 *  pool that puts them there. */
export interface WasmKernelSet {
  kernels: Kernels;
  /** Null where the host has no SharedArrayBuffer: tensors stay in JavaScript memory. */
  pool: ArenaPool | null;
  /** Computes the products on `count` threads (Node, shared memory only); resolves once they run. */
  setThreads(count: number): Promise<void>;
  /** How many threads compute the products. */
  threads(): number;
}

/** binaryRows copies small arrays into the module only for calls over at least this many elements. */
const STAGED_ROWS_MIN_ELEMENTS = 1024;

/** axpy copies arrays that lie outside the module in for one pass only from this many elements:
 *  below, the copies cost more than the pass (a 100-element bias update took ~1.9 µs staged
 *  inside a training step, ~0.2 in the loop of smallAxpy). */
const STAGED_AXPY_MIN_ELEMENTS = 1024;

/** y ← y + α·x with the bits of the module's axpy: in float32, α and each product rounded to
 *  float32, as f32x4.mul does, then the sum, rounded to a double and on the store to float32:
 *  a double has over twice float32's precision, so the two roundings give the float32 sum. */
function smallAxpy(alpha: number, x: FloatArray, y: FloatArray): void {
  if (y instanceof Float32Array) {
    const a = Math.fround(alpha);
    for (let i = 0; i < y.length; i++) y[i] = y[i]! + Math.fround(a * x[i]!);
  } else {
    for (let i = 0; i < y.length; i++) y[i] = y[i]! + alpha * x[i]!;
  }
}

/** The binary kernels of assembly/elementwise.ts and their operation codes there. */
const BINARY_ROW_CODES: Partial<Record<BinaryKernel, number>> = { add: 0, sub: 1, mul: 2, div: 3, maskPositive: 4 };

/** Products smaller than this many multiply-adds stay on one thread. A split costs more than
 *  the call: a helper spins between jobs (waking a sleeping one costs more), and it must
 *  first fetch from the other core's cache what the main thread just wrote. Splitting every
 *  product of the benchmark's training step, 100×100×10 ones included, made its epoch 63-65 ms
 *  against 47-50 on one thread. Its two first-layer products (100×784×100, 7.8M, mostly zeros)
 *  do pay: alone each ran ~118 µs on one thread and ~65 on two; inside the step ~135 and ~105;
 *  the epoch, in one process alternating both limits, took medians of 30.3 against 38.2 ms,
 *  36.6 against 39.5 and 37.8 against 42.2. */
export const SPLIT_MIN_MACS = 2 ** 22;

/** The update y ← y + αx is split over the threads from this many elements (the benchmark's
 *  first-layer weights are 78,400: 13.5 µs on one thread, 9.7 on two; 32,768 were no faster). */
export const SPLIT_MIN_ELEMENTS = 2 ** 16;

/** A take is split over the threads from this many bytes copied (the benchmark's batch: 100
 *  rows of 784 float32, 313,600 bytes). */
export const SPLIT_MIN_GATHER_BYTES = 2 ** 16;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The module's bytes; atob exists in browsers and in Node ≥ 16, so no Buffer or fs is needed. */
export function wasmBytes(): Uint8Array<ArrayBuffer> {
  return decode(wasmBase64);
}

/** Where one operand went in wasm memory: element (i, j) is at `ptr + (i * rowStride + j * colStride) * bytes`. */
interface Placed {
  ptr: number;
  rowStride: number;
  colStride: number;
}

/** Blocks taken for one kernel call (copies of operands that are not in the module's memory). */
type Staged = [at: number, bytes: number][];

/** Kernels that run the SIMD128 module. An operand in the module's memory (a tensor of the
 *  shared build's pool) is read and written where it lies; any other is copied in for the call
 *  (and an output copied back): for matmul O(mk + kn + mn) copies against O(mnk) arithmetic. */
class WasmKernels {
  private f32: Float32Array;
  private f64: Float64Array;
  /** Threads beside this one that take tasks of each large kernel call; null on one thread. */
  team: ThreadTeam | null = null;

  constructor(
    private readonly exports: KernelExports,
    private readonly arena: Arena,
    private readonly pool: ArenaPool | null,
  ) {
    this.f32 = new Float32Array(exports.memory.buffer);
    this.f64 = new Float64Array(exports.memory.buffer);
  }

  matmul(m: number, n: number, k: number, a: MatrixView, b: MatrixView, out: FloatArray, outOffset: number): boolean {
    const is32 = out instanceof Float32Array;
    if ((a.data instanceof Float32Array) !== is32 || (b.data instanceof Float32Array) !== is32) {
      throw new TypeError(
        `matmul kernel: A, B and out must share one dtype, got A ${a.data.constructor.name}, B ${b.data.constructor.name}, out ${out.constructor.name}`,
      );
    }
    if (m === 0 || n === 0) return false;
    if (k === 0) {
      out.fill(0, outOffset, outOffset + m * n);
      return false;
    }
    const bytes = is32 ? 4 : 8;
    const staged: Staged = [];
    try {
      // Every staging block is taken before any copy, since growing a plain memory detaches views.
      const aAt = this.#held(a.data) ? -1 : this.#stage(placedSize(m, k, a) * bytes, staged);
      const bAt = this.#held(b.data) ? -1 : this.#stage(placedSize(k, n, b) * bytes, staged);
      const cAt = this.#held(out) ? out.byteOffset + outOffset * bytes : this.#stage(m * n * bytes, staged);
      if (aAt === null || bAt === null || cAt === null) {
        jsKernels.matmul(m, n, k, a, b, out, outOffset);
        return false;
      }
      const heap = this.#heap(is32);
      const pa = aAt < 0 ? inPlace(a, bytes) : place(m, k, a, heap, aAt / bytes, bytes);
      const pb = bAt < 0 ? inPlace(b, bytes) : place(k, n, b, heap, bAt / bytes, bytes);
      const args: ProductArgs = [m, n, k, pa.ptr, pa.rowStride, pa.colStride, pb.ptr, pb.rowStride, pb.colStride, cAt, n, b.finite === true ? 1 : 0];
      const bFinite =
        this.team !== null && m * n * k >= SPLIT_MIN_MACS ? this.#splitProduct(this.team, is32, args) : (is32 ? this.exports.matmulF32 : this.exports.matmulF64)(...args) !== 0;
      if (!this.#held(out)) out.set(heap.subarray(cAt / bytes, cAt / bytes + m * n), outOffset);
      return bFinite;
    } finally {
      this.#unstage(staged);
    }
  }

  axpy(alpha: number, x: FloatArray, y: FloatArray): boolean | void {
    checkAxpy(x, y);
    if (y.length < STAGED_AXPY_MIN_ELEMENTS && !(this.#held(x) && this.#held(y))) return smallAxpy(alpha, x, y);
    const staged: Staged = [];
    try {
      const xAt = this.#address(x, staged, true);
      const yAt = this.#address(y, staged, true);
      if (xAt === null || yAt === null) return jsKernels.axpy(alpha, x, y);
      const kernel = y instanceof Float32Array ? 'axpyF32' : 'axpyF64';
      const n = y.length;
      let finite: boolean;
      if (this.team === null || n < SPLIT_MIN_ELEMENTS) {
        finite = this.exports[kernel](n, alpha, xAt, yAt) !== 0;
      } else {
        // Cut as a weight gradient's product (by rows) and the next forward product (along k)
        // are, so that each thread tends to update the rows it computed the gradient of and
        // multiplies by next.
        const bytes = y.BYTES_PER_ELEMENT;
        finite = this.#run(this.team, rangeJob(n, this.team.threads, 4, MIN_TASK_ELEMENTS, (start, size) => ({ kernel, args: [size, alpha, xAt + start * bytes, yAt + start * bytes] })));
      }
      this.#copyOut(y, yAt);
      return finite;
    } finally {
      this.#unstage(staged);
    }
  }

  /** im2col (`forward`) or col2im of row-major arrays through the module; false where the
   *  memory could not hold the copies (the caller then runs its JavaScript loops). */
  patches(forward: boolean, input: FloatArray, imageShape: readonly number[], g: PatchGeometry, output: FloatArray): boolean {
    const is32 = output instanceof Float32Array;
    if ((input instanceof Float32Array) !== is32) throw new TypeError(`${forward ? 'im2col' : 'col2im'} kernel: input and output must share one dtype`);
    const staged: Staged = [];
    try {
      const inAt = this.#address(input, staged, true);
      const outAt = this.#address(output, staged, false);
      if (inAt === null || outAt === null) return false;
      const [n, c, h, w] = imageShape as [number, number, number, number];
      const geometry = [n, c, h, w, g.kernel[0], g.kernel[1], g.stride[0], g.stride[1], g.padding[0], g.padding[1], g.dilation[0], g.dilation[1]];
      const e = this.exports;
      if (forward) (is32 ? e.im2colF32 : e.im2colF64)(...geometry, g.padValue, inAt, outAt);
      else (is32 ? e.col2imF32 : e.col2imF64)(...geometry, inAt, outAt);
      this.#copyOut(output, outAt);
      return true;
    } finally {
      this.#unstage(staged);
    }
  }

  /** 2×2 max pooling (`dy` null) or its backward through the module; false where memory could
   *  not hold the copies of operands that are not in it. */
  pairs(x: Float32Array, dy: Float32Array | null, planes: number, h: number, w: number, output: Float32Array): boolean {
    const staged: Staged = [];
    try {
      const xAt = this.#address(x, staged, true);
      const dyAt = dy === null ? 0 : this.#address(dy, staged, true);
      const outAt = this.#address(output, staged, false);
      if (xAt === null || dyAt === null || outAt === null) return false;
      if (dy === null) this.exports.maxPoolPairsF32(planes, h, w, xAt, outAt);
      else this.exports.maxUnpoolPairsF32(planes, h, w, xAt, dyAt, outAt);
      this.#copyOut(output, outAt);
      return true;
    } finally {
      this.#unstage(staged);
    }
  }

  /** One product on several threads. Where k is long beside m and n (x·W of a first layer: a
   *  batch of 100 digits times 784×100 weights) it is cut along k, so that each thread tends to
   *  read the rows of W that its part of the gradient's product and of the update left in its
   *  cache; otherwise into blocks of rows (of columns where C has few rows). Returns whether B
   *  is known finite afterwards, as the module's matmul does. */
  #splitProduct(team: ThreadTeam, is32: boolean, args: ProductArgs): boolean {
    const [m, n, k] = args;
    return (k >= 2 * Math.max(m, n) ? this.#splitAlongK(team, is32, args) : null) ?? this.#splitRowsOrColumns(team, is32, args);
  }

  /** Blocks of rows or of columns, whole micro-tiles (4 rows, 8 columns). Each C element is
   *  computed as on one thread, so the bits are the same. */
  #splitRowsOrColumns(team: ThreadTeam, is32: boolean, [m, n, k, a, ars, acs, b, brs, bcs, c, ldc, bFinite]: ProductArgs): boolean {
    const bytes = is32 ? 4 : 8;
    const byRows = m >= 8 * team.threads || m >= n;
    const kernel = is32 ? 'matmulF32' : 'matmulF64';
    return this.#run(
      team,
      byRows
        ? rangeJob(m, team.threads, 4, MIN_TASK_MACS / (n * k), (start, rows) => ({ kernel, args: [rows, n, k, a + start * ars * bytes, ars, acs, b, brs, bcs, c + start * ldc * bytes, ldc, bFinite] }))
        : rangeJob(n, team.threads, 8, MIN_TASK_MACS / (m * k), (start, cols) => ({ kernel, args: [m, cols, k, a, ars, acs, b + start * bcs * bytes, brs, bcs, c + start * bytes, ldc, bFinite] })),
    );
  }

  /** k's blocks (the module's productBlockK) shared out in runs, one a thread, each run cut into
   *  blocks of rows. The first run's tasks sum their rows' blocks into C as one call would; the
   *  others' put each block into a partial product of its own; the partials are then added to C
   *  in block order, in one pass (the order one thread adds the blocks in, so the bits are the
   *  same). Returns
   *  whether B is known finite afterwards; null (nothing done) where k has one block, or the
   *  partials would be many or large (each is added to C in a pass of its own), or memory has no
   *  room for them. */
  #splitAlongK(team: ThreadTeam, is32: boolean, [m, n, k, a, ars, acs, b, brs, bcs, c, ldc, bFinite]: ProductArgs): boolean | null {
    const blockK = this.exports.productBlockK(k);
    const blocks = Math.ceil(k / blockK);
    const threads = Math.min(team.threads, blocks);
    if (threads < 2) return null;
    const firsts = Array.from({ length: threads + 1 }, (_, t) => Math.floor((t * blocks) / threads));
    const bytes = is32 ? 4 : 8;
    const partialBytes = m * n * bytes;
    const partialCount = blocks - firsts[1]!;
    if (partialCount > MAX_PARTIALS || partialCount * partialBytes > MAX_PARTIAL_BYTES) return null;
    const partials = this.arena.allocate(partialCount * partialBytes);
    if (partials < 0) return null;
    try {
      // Each task lists its rows' non-zeros and checks its part of B for Inf and NaN (unless B is
      // known finite), so rows are cut in few blocks: enough for a thread that is ahead to take
      // over some of another's. Four blocks instead of two, weights known finite, made the
      // benchmark's epoch on two threads 1.04× as long (in one process, alternating, 150 pairs).
      const rowBlocks = rangeBlocks(m, ROW_BLOCKS_ALONG_K, 4);
      const job: Job = { tasks: [], segmentStarts: [] };
      for (let t = 0; t < threads; t++) {
        job.segmentStarts.push(job.tasks.length);
        for (const [start, rows] of rowBlocks) {
          const ai = a + start * ars * bytes;
          job.tasks.push(
            t === 0
              ? { kernel: is32 ? 'matmulF32' : 'matmulF64', args: [rows, n, firsts[1]! * blockK, ai, ars, acs, b, brs, bcs, c + start * ldc * bytes, ldc, bFinite] }
              : {
                  kernel: is32 ? 'blockProductsF32' : 'blockProductsF64',
                  args: [rows, n, k, firsts[t]!, firsts[t + 1]!, ai, ars, acs, b, brs, bcs, partials + (firsts[t]! - firsts[1]!) * partialBytes + start * n * bytes, partialBytes, bFinite],
                },
          );
        }
      }
      const finite = this.#run(team, job);
      (is32 ? this.exports.addPartialsF32 : this.exports.addPartialsF64)(m, n, c, ldc, partials, partialCount, partialBytes);
      return finite;
    } finally {
      this.arena.release(partials, partialCount * partialBytes);
    }
  }

  /** Runs a job's tasks on this thread and the team's; returns whether every task returned 1
   *  (a product's tasks: each found its part of B finite; an update's: its part of y). */
  #run(team: ThreadTeam, job: Job): boolean {
    team.run(job, (task) => (this.exports[task.kernel] as (...args: number[]) => number | void)(...task.args));
    for (let i = 0; i < job.tasks.length; i++) if (team.result(i) !== 1) return false;
    return true;
  }

  /** Elementwise rows on arrays in the module's memory; false where that does not apply
   *  (copying large operands in for one pass would cost more than the JavaScript loop). Small
   *  arrays kept outside the module's memory (a bias, its gradient) are copied in, and `out`
   *  back, when the call covers many rows' worth of elements (a 10×10 sum ran 1.6 µs with the
   *  loop and 2.2–2.5 with the copies). */
  binaryRows(kernel: BinaryKernel, rows: number, n: number, a: FloatArray, ai: number, aRow: number, as: number, b: FloatArray, bi: number, bRow: number, bs: number, out: FloatArray, oi: number, outRow: number): boolean {
    const copies = rows > 1 && rows * n >= STAGED_ROWS_MIN_ELEMENTS;
    // A small op on arrays outside the module (under 1 KiB, JavaScript's) is refused first.
    if (!this.#reachable(out, copies)) return false;
    const op = BINARY_ROW_CODES[kernel];
    if (op === undefined || (as !== 0 && as !== 1) || (bs !== 0 && bs !== 1)) return false;
    const is32 = out instanceof Float32Array;
    if ((a instanceof Float32Array) !== is32 || (b instanceof Float32Array) !== is32) return false;
    if (!this.#reachable(a, copies) || !this.#reachable(b, copies)) return false;
    const staged: Staged = [];
    try {
      // `out` is copied in as well: rows it does not write keep their values when copied back.
      // An array passed twice (a running sum is both `a` and `out`) is copied once.
      const aAt = this.#address(a, staged, true);
      const bAt = b === a ? aAt : this.#address(b, staged, true);
      const outAt = out === a ? aAt : out === b ? bAt : this.#address(out, staged, true);
      if (aAt === null || bAt === null || outAt === null) return false;
      const bytes = is32 ? 4 : 8;
      (is32 ? this.exports.binaryRowsF32 : this.exports.binaryRowsF64)(op, rows, n, aAt + ai * bytes, aRow * bytes, as, bAt + bi * bytes, bRow * bytes, bs, outAt + oi * bytes, outRow * bytes);
      this.#copyOut(out, outAt);
      return true;
    } finally {
      this.#unstage(staged);
    }
  }

  /** Whether a kernel can reach `data`: it lies in the module's memory, or `copies` allows a
   *  small array outside to be copied in. */
  #reachable(data: FloatArray, copies: boolean): boolean {
    return this.#held(data) || (copies && data.byteLength < SMALLEST_ARENA_BYTES);
  }

  /** Fills `out` in the module's memory; TypedArray.prototype.fill stores a shared memory
   *  element by element. */
  fill(out: FloatArray, value: number): boolean {
    if (!this.#held(out)) return false;
    (out instanceof Float32Array ? this.exports.fillF32 : this.exports.fillF64)(out.length, value, out.byteOffset);
    return true;
  }

  /** take's copies with memory.copy, when both arrays lie in the module's memory (the indices
   *  are copied in); TypedArray.prototype.set copies a shared memory word by word. */
  gather(outer: number, size: number, inner: number, x: FloatArray, indices: Int32Array, out: FloatArray): boolean {
    const is32 = out instanceof Float32Array;
    if (!this.#held(x) || !this.#held(out) || (x instanceof Float32Array) !== is32) return false;
    for (let j = 0; j < indices.length; j++) if (!(indices[j]! >= 0 && indices[j]! < size)) return false;
    const staged: Staged = [];
    try {
      const at = this.#stage(indices.byteLength, staged);
      if (at === null) return false;
      new Int32Array(this.exports.memory.buffer, at, indices.length).set(indices);
      const count = indices.length;
      const blockBytes = inner * (is32 ? 4 : 8);
      if (this.team === null || outer * count * blockBytes < SPLIT_MIN_GATHER_BYTES || blockBytes < 2 * CACHE_LINE_BYTES) {
        this.exports.gatherBlocks(outer, size, count, blockBytes, 0, blockBytes, x.byteOffset, at, out.byteOffset);
      } else {
        // Each thread copies a range of every block's columns (a batch of digits: the same
        // pixels of every row), cut as the products that read the batch next are (along k for
        // x·W₁, by rows for xᵀ·Δ), so that each finds its part of x in its own cache.
        this.#run(this.team, rangeJob(blockBytes, this.team.threads, CACHE_LINE_BYTES, MIN_TASK_GATHER_BYTES / (outer * count), (start, bytes) => ({ kernel: 'gatherBlocks', args: [outer, size, count, blockBytes, start, bytes, x.byteOffset, at, out.byteOffset] })));
      }
      return true;
    } finally {
      this.#unstage(staged);
    }
  }

  reluRow(n: number, x: FloatArray, xi: number, out: FloatArray, oi: number): boolean {
    const is32 = out instanceof Float32Array;
    if (!this.#held(x) || !this.#held(out) || (x instanceof Float32Array) !== is32) return false;
    const bytes = is32 ? 4 : 8;
    (is32 ? this.exports.reluRowF32 : this.exports.reluRowF64)(n, x.byteOffset + xi * bytes, out.byteOffset + oi * bytes);
    return true;
  }

  /** The row exponentials' arrays: views of one block of the module's memory, exps first (kept:
   *  a training step asks for the same rows every time). */
  #rowExps: RowExponentials | null = null;

  rowExponentials(rows: number, cols: number, x: FloatArray, xi: number, probabilities?: FloatArray): RowExponentials | null {
    if (!this.#held(x) || rows * cols === 0) return null;
    let views = this.#rowExps;
    if (views === null || views.totals.length !== rows || views.exps.length !== rows * cols) {
      if (views !== null) this.arena.release(views.exps.byteOffset, 8 * (views.exps.length + 2 * views.totals.length));
      this.#rowExps = null;
      const at = this.arena.allocate(8 * (rows * cols + 2 * rows));
      if (at < 0) return null;
      const buffer = this.exports.memory.buffer;
      views = this.#rowExps = {
        exps: new Float64Array(buffer, at, rows * cols),
        totals: new Float64Array(buffer, at + 8 * rows * cols, rows),
        shifts: new Float64Array(buffer, at + 8 * (rows * cols + rows), rows),
        probabilitiesWritten: false,
      };
    }
    const is32 = x instanceof Float32Array;
    views.probabilitiesWritten = probabilities !== undefined && probabilities instanceof x.constructor && probabilities.length >= rows * cols && this.#held(probabilities);
    const p = views.probabilitiesWritten ? probabilities!.byteOffset : 0;
    (is32 ? this.exports.rowExponentialsF32 : this.exports.rowExponentialsF64)(rows, cols, x.byteOffset + xi * (is32 ? 4 : 8), views.exps.byteOffset, views.totals.byteOffset, views.shifts.byteOffset, p);
    return views;
  }

  #held(data: FloatArray): boolean {
    return this.pool !== null && this.pool.holds(data);
  }

  /** The byte address of `data` in the module's memory: where it lies, or a staging block that
   *  `copyIn` fills with its values (an output's block is left as it is); null where memory
   *  cannot grow. Copying at once is safe: later growth keeps the contents (only a plain
   *  memory's views detach, and none are kept across a staging). */
  #address(data: FloatArray, staged: Staged, copyIn: boolean): number | null {
    if (this.#held(data)) return data.byteOffset;
    const at = this.#stage(data.byteLength, staged);
    if (at !== null && copyIn) new Uint8Array(this.exports.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return at;
  }

  /** Copies an output staged at `at` back into `data` (nothing when it was written in place). */
  #copyOut(data: FloatArray, at: number): void {
    if (this.#held(data)) return;
    const buffer = this.exports.memory.buffer;
    data.set(data instanceof Float32Array ? new Float32Array(buffer, at, data.length) : new Float64Array(buffer, at, data.length));
  }

  /** A staging block of `bytes`, or null where memory cannot grow to hold it. */
  #stage(bytes: number, staged: Staged): number | null {
    const at = this.arena.allocate(bytes);
    if (at < 0) return null;
    staged.push([at, bytes]);
    return at;
  }

  #unstage(staged: Staged): void {
    for (const [at, bytes] of staged) this.arena.release(at, bytes);
  }

  /** Views of the whole memory, renewed after it grew. */
  #heap(is32: boolean): FloatArray {
    const buffer = this.exports.memory.buffer;
    if (this.f32.buffer !== buffer) {
      this.f32 = new Float32Array(buffer);
      this.f64 = new Float64Array(buffer);
    }
    return is32 ? this.f32 : this.f64;
  }
}

/** At most this many tasks to a thread's segment, so that a thread that is ahead can take over
 *  some of another's. */
const TASKS_PER_THREAD = 4;

/** A task is at least this much work (multiply-adds of a product, elements of an update): each
 *  costs ~0.5 µs of hand-over between cores (the update of 32,768 float32, 5 µs on one thread,
 *  took 4.9 µs on two as one task a thread and 7.7 as four). */
const MIN_TASK_MACS = 2 ** 18;
const MIN_TASK_ELEMENTS = 2 ** 15;
const MIN_TASK_GATHER_BYTES = 2 ** 15;
const CACHE_LINE_BYTES = 64;

/** Blocks of rows a product cut along k is cut into (see WasmKernels.#splitAlongK). */
const ROW_BLOCKS_ALONG_K = 2;

/** A product is cut along k only while the partial products it needs are at most this many
 *  and this large in all (x·W₁ of the benchmark: 2, 80 KB). */
const MAX_PARTIALS = 16;
const MAX_PARTIAL_BYTES = 2 ** 20;

/** [start, size) blocks covering [0, length) in `count` runs as even as multiples of `multiple` allow. */
function rangeBlocks(length: number, count: number, multiple: number): [number, number][] {
  const size = Math.ceil(length / count / multiple) * multiple;
  const blocks: [number, number][] = [];
  for (let start = 0; start < length; start += size) blocks.push([start, Math.min(size, length - start)]);
  return blocks;
}

/** [0, length) cut into one segment a thread, each cut into tasks (multiples of `multiple`) of
 *  at least `minTaskLength`. The caller's segment runs upward and the others downward, so that a
 *  thread that takes over another's tasks (from the end of its segment) takes those next to its
 *  own. */
function rangeJob(length: number, threads: number, multiple: number, minTaskLength: number, task: (start: number, size: number) => Task): Job {
  const job: Job = { tasks: [], segmentStarts: [] };
  for (const [segmentStart, segmentSize] of rangeBlocks(length, threads, multiple)) {
    const count = Math.max(1, Math.min(TASKS_PER_THREAD, Math.floor(MAX_TASKS / threads), Math.floor(segmentSize / minTaskLength)));
    const blocks = rangeBlocks(segmentSize, count, multiple);
    if (job.segmentStarts.length > 0) blocks.reverse();
    job.segmentStarts.push(job.tasks.length);
    for (const [start, size] of blocks) job.tasks.push(task(segmentStart + start, size));
  }
  return job;
}

function inPlace(v: MatrixView, bytes: number): Placed {
  return { ptr: v.data.byteOffset + v.offset * bytes, rowStride: v.rowStride, colStride: v.colStride };
}

/** Index range [lo, hi) of `data` that a rows×cols view touches. */
function span(rows: number, cols: number, v: MatrixView): [number, number] {
  const r = (rows - 1) * v.rowStride;
  const c = (cols - 1) * v.colStride;
  return [v.offset + Math.min(0, r) + Math.min(0, c), v.offset + Math.max(0, r) + Math.max(0, c) + 1];
}

/** A view whose span is at most twice its element count (contiguous, transposed, or a
 *  mildly strided slice) is copied as one block with its strides kept; a sparser one is
 *  gathered row-major so the copy never exceeds twice the data. */
function copiesSpan(rows: number, cols: number, v: MatrixView): boolean {
  const [lo, hi] = span(rows, cols, v);
  return hi - lo <= 2 * rows * cols;
}

function placedSize(rows: number, cols: number, v: MatrixView): number {
  if (!copiesSpan(rows, cols, v)) return rows * cols;
  const [lo, hi] = span(rows, cols, v);
  return hi - lo;
}

function place(rows: number, cols: number, v: MatrixView, heap: FloatArray, at: number, bytes: number): Placed {
  if (copiesSpan(rows, cols, v)) {
    const [lo, hi] = span(rows, cols, v);
    heap.set(v.data.subarray(lo, hi), at);
    return { ptr: (at + v.offset - lo) * bytes, rowStride: v.rowStride, colStride: v.colStride };
  }
  const { data, offset, rowStride, colStride } = v;
  let d = at;
  for (let i = 0; i < rows; i++) {
    const row = offset + i * rowStride;
    for (let j = 0; j < cols; j++) heap[d++] = data[row + j * colStride]!;
  }
  return { ptr: at * bytes, rowStride: cols, colStride: 1 };
}

/** Options of createWasmKernels (tests use them to put even tiny tensors in the module). */
export interface WasmKernelOptions {
  /** Buffers below this many bytes stay in JavaScript memory (default SMALLEST_ARENA_BYTES). */
  smallestArenaBytes?: number;
}

function kernelSet(module: WebAssembly.Module, instance: WebAssembly.Instance, shared: boolean, options: WasmKernelOptions = {}): WasmKernelSet {
  const exports = instance.exports as unknown as KernelExports;
  const arena = new Arena(exports.memory, exports.operandBase());
  const pool = shared ? new ArenaPool(arena, options.smallestArenaBytes) : null;
  const impl = new WasmKernels(exports, arena, pool);
  let settled: Promise<void> = Promise.resolve();
  const setThreads = async (count: number): Promise<void> => {
    if (!Number.isInteger(count) || count < 1 || count > MAX_THREADS) {
      throw new RangeError(`setThreads: count must be an integer from 1 to ${MAX_THREADS}, got ${String(count)}`);
    }
    if (!shared && count > 1) throw new Error('setThreads: more than one thread needs SharedArrayBuffer, which this host does not offer (a browser page must be cross-origin isolated)');
    // Calls take effect one after another (two at once would each start a team), and a call
    // that keeps the count keeps the team, unless one of its helpers failed.
    const change = settled.then(async () => {
      if ((impl.team?.threads ?? 1) === count && impl.team?.failed !== true) return;
      const stopping = impl.team;
      impl.team = null;
      await stopping?.stop();
      if (count > 1) impl.team = await ThreadTeam.start(count - 1, module, exports.memory, arena, exports.scratchBytes());
    });
    settled = change.catch(() => undefined);
    await change;
  };
  const kernels: Kernels = {
    matmul: (m, n, k, a, b, out, outOffset) => impl.matmul(m, n, k, a, b, out, outOffset),
    axpy: (alpha, x, y) => impl.axpy(alpha, x, y),
    im2col: (x, shape, geometry, out) => impl.patches(true, x, shape, geometry, out),
    col2im: (col, imageShape, geometry, out) => impl.patches(false, col, imageShape, geometry, out),
    binaryRows: (kernel, rows, n, a, ai, aRow, as, b, bi, bRow, bs, out, oi, outRow) => impl.binaryRows(kernel, rows, n, a, ai, aRow, as, b, bi, bRow, bs, out, oi, outRow),
    reluRow: (n, x, xi, out, oi) => impl.reluRow(n, x, xi, out, oi),
    gather: (outer, size, inner, x, indices, out) => impl.gather(outer, size, inner, x, indices, out),
    fill: (out, value) => impl.fill(out, value),
    rowExponentials: (rows, cols, x, xi, probabilities) => impl.rowExponentials(rows, cols, x, xi, probabilities),
    maxPoolPairs: (x, planes, h, w, out) => impl.pairs(x, null, planes, h, w, out),
    maxUnpoolPairs: (x, dy, planes, h, w, out) => impl.pairs(x, dy, planes, h, w, out),
  };
  return { kernels, pool, setThreads, threads: () => impl.team?.threads ?? 1 };
}


/** Whether this host runs WebAssembly with SIMD128 (the module validates). */
export function wasmSupported(): boolean {
  return typeof WebAssembly !== 'undefined' && WebAssembly.validate(wasmBytes());
}

/** The shared build on a new shared memory, where the host allows one (Node; browsers only
 *  on cross-origin isolated pages); else null. */
function sharedMemory(): WebAssembly.Memory | null {
  if (typeof SharedArrayBuffer === 'undefined') return null;
  try {
    return new WebAssembly.Memory({ initial: sharedInitialPages, maximum: sharedMaximumPages, shared: true });
  } catch {
    return null;
  }
}

/** Synchronous instantiation, or null where WebAssembly or SIMD128 is missing, or
 *  where the host refuses synchronous compilation (browsers' main-thread size limit). */
export function createWasmKernels(options: WasmKernelOptions = {}): WasmKernelSet | null {
  if (!wasmSupported()) return null;
  try {
    const memory = sharedMemory();
    if (memory !== null) {
      const module = new WebAssembly.Module(decode(sharedWasmBase64));
      return kernelSet(module, new WebAssembly.Instance(module, { env: { memory } }), true, options);
    }
    const module = new WebAssembly.Module(wasmBytes());
    return kernelSet(module, new WebAssembly.Instance(module, {}), false);
  } catch {
    return null;
  }
}

/** Asynchronous instantiation for hosts that refuse the synchronous one; null without SIMD128. */
export async function loadWasmKernels(): Promise<WasmKernelSet | null> {
  if (!wasmSupported()) return null;
  const memory = sharedMemory();
  if (memory !== null) {
    const { module, instance } = await WebAssembly.instantiate(decode(sharedWasmBase64), { env: { memory } });
    return kernelSet(module, instance, true);
  }
  const { module, instance } = await WebAssembly.instantiate(wasmBytes(), {});
  return kernelSet(module, instance, false);
}
