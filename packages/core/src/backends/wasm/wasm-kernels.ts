import type { PatchGeometry } from '../backend.js';
import { checkAxpy } from '../../kernels/checks.js';
import type { FloatArray, Kernels, MatrixView } from '../../kernels/types.js';
import { wasmBase64 } from './generated.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  operandBase(): number;
  axpyF32(n: number, alpha: number, x: number, y: number): void;
  axpyF64(n: number, alpha: number, x: number, y: number): void;
  matmulF32(m: number, n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number): void;
  matmulF64(m: number, n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number): void;
  im2colF32: PatchKernel;
  im2colF64: PatchKernel;
  col2imF32: PatchKernel;
  col2imF64: PatchKernel;
  maxPoolPairsF32(planes: number, h: number, w: number, src: number, dst: number): void;
  maxUnpoolPairsF32(planes: number, h: number, w: number, src: number, dy: number, dst: number): void;
}

/** (n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, [pad value,] src, dst). */
type PatchKernel = (...args: number[]) => void;

const PAGE_BYTES = 65536;

/** The module's bytes; atob exists in browsers and in Node ≥ 16, so no Buffer or fs is needed. */
export function wasmBytes(): Uint8Array<ArrayBuffer> {
  const text = atob(wasmBase64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Where one operand went in wasm memory: element (i, j) is at `ptr + (i * rowStride + j * colStride) * bytes`. */
interface Placed {
  ptr: number;
  rowStride: number;
  colStride: number;
}

/** Kernels that run the SIMD128 module. The tensors live in JavaScript memory, so each
 *  call copies its operands into the module's linear memory and the result back: for
 *  matmul O(mk + kn + mn) copies against O(mnk) arithmetic; for axpy the copies are
 *  memcpy-fast while the SIMD loop is several times faster than a JavaScript one. */
class WasmKernels {
  private f32: Float32Array;
  private f64: Float64Array;
  private readonly base: number;

  constructor(private readonly exports: KernelExports) {
    this.base = exports.operandBase();
    this.f32 = new Float32Array(exports.memory.buffer);
    this.f64 = new Float64Array(exports.memory.buffer);
  }

  matmul(m: number, n: number, k: number, a: MatrixView, b: MatrixView, out: FloatArray, outOffset: number): void {
    const is32 = out instanceof Float32Array;
    if ((a.data instanceof Float32Array) !== is32 || (b.data instanceof Float32Array) !== is32) {
      throw new TypeError(
        `matmul kernel: A, B and out must share one dtype, got A ${a.data.constructor.name}, B ${b.data.constructor.name}, out ${out.constructor.name}`,
      );
    }
    if (m === 0 || n === 0) return;
    if (k === 0) {
      out.fill(0, outOffset, outOffset + m * n);
      return;
    }
    const bytes = is32 ? 4 : 8;
    const aElems = placedSize(m, k, a);
    const bElems = placedSize(k, n, b);
    // Every region starts 16-byte aligned, so v128 loads of contiguous rows never straddle.
    const aStart = this.base;
    const bStart = align16(aStart + aElems * bytes);
    const cStart = align16(bStart + bElems * bytes);
    this.ensure(cStart + m * n * bytes);
    const heap = is32 ? this.f32 : this.f64;
    const pa = place(m, k, a, heap, aStart / bytes, bytes);
    const pb = place(k, n, b, heap, bStart / bytes, bytes);
    const run = is32 ? this.exports.matmulF32 : this.exports.matmulF64;
    run(m, n, k, pa.ptr, pa.rowStride, pa.colStride, pb.ptr, pb.rowStride, pb.colStride, cStart);
    const c = cStart / bytes;
    out.set(heap.subarray(c, c + m * n), outOffset);
  }

  axpy(alpha: number, x: FloatArray, y: FloatArray): void {
    checkAxpy(x, y);
    const is32 = y instanceof Float32Array;
    const bytes = is32 ? 4 : 8;
    const n = y.length;
    const xStart = this.base;
    const yStart = align16(xStart + n * bytes);
    this.ensure(yStart + n * bytes);
    const heap = is32 ? this.f32 : this.f64;
    heap.set(x, xStart / bytes);
    heap.set(y, yStart / bytes);
    (is32 ? this.exports.axpyF32 : this.exports.axpyF64)(n, alpha, xStart, yStart);
    y.set(heap.subarray(yStart / bytes, yStart / bytes + n));
  }

  /** im2col (`forward`) or col2im through the module: `input` copied in, `output` copied out. */
  patches(forward: boolean, input: FloatArray, imageShape: readonly number[], g: PatchGeometry, output: FloatArray): void {
    const is32 = output instanceof Float32Array;
    if ((input instanceof Float32Array) !== is32) throw new TypeError(`${forward ? 'im2col' : 'col2im'} kernel: input and output must share one dtype`);
    const bytes = is32 ? 4 : 8;
    const inStart = this.base;
    const outStart = align16(inStart + input.length * bytes);
    this.ensure(outStart + output.length * bytes);
    const heap = is32 ? this.f32 : this.f64;
    heap.set(input, inStart / bytes);
    const [n, c, h, w] = imageShape as [number, number, number, number];
    const geometry = [n, c, h, w, g.kernel[0], g.kernel[1], g.stride[0], g.stride[1], g.padding[0], g.padding[1], g.dilation[0], g.dilation[1]];
    const e = this.exports;
    if (forward) (is32 ? e.im2colF32 : e.im2colF64)(...geometry, g.padValue, inStart, outStart);
    else (is32 ? e.col2imF32 : e.col2imF64)(...geometry, inStart, outStart);
    output.set(heap.subarray(outStart / bytes, outStart / bytes + output.length));
  }

  /** 2×2 max pooling (`dy` null) or its backward through the module: inputs copied in, `output` copied out. */
  pairs(x: Float32Array, dy: Float32Array | null, planes: number, h: number, w: number, output: Float32Array): void {
    const xStart = this.base;
    const dyStart = align16(xStart + x.length * 4);
    const outStart = align16(dyStart + (dy?.length ?? 0) * 4);
    this.ensure(outStart + output.length * 4);
    this.f32.set(x, xStart / 4);
    if (dy === null) {
      this.exports.maxPoolPairsF32(planes, h, w, xStart, outStart);
    } else {
      this.f32.set(dy, dyStart / 4);
      this.exports.maxUnpoolPairsF32(planes, h, w, xStart, dyStart, outStart);
    }
    output.set(this.f32.subarray(outStart / 4, outStart / 4 + output.length));
  }

  /** Grows memory to `bytes`. The module declares no memory for its packing scratch
   *  (it lies between __heap_base and operandBase), so this call, which always covers
   *  operandBase, is also what makes the scratch exist. */
  private ensure(bytes: number): void {
    const memory = this.exports.memory;
    if (bytes > memory.buffer.byteLength) {
      memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
    }
    // grow() detaches the old buffer, so the views are rebuilt whenever it changed.
    if (this.f32.buffer !== memory.buffer) {
      this.f32 = new Float32Array(memory.buffer);
      this.f64 = new Float64Array(memory.buffer);
    }
  }
}

function align16(byte: number): number {
  return (byte + 15) & ~15;
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

function kernelsOf(instance: WebAssembly.Instance): Kernels {
  const impl = new WasmKernels(instance.exports as unknown as KernelExports);
  return {
    matmul: (m, n, k, a, b, out, outOffset) => impl.matmul(m, n, k, a, b, out, outOffset),
    axpy: (alpha, x, y) => impl.axpy(alpha, x, y),
    im2col: (x, shape, geometry, out) => impl.patches(true, x, shape, geometry, out),
    col2im: (col, imageShape, geometry, out) => impl.patches(false, col, imageShape, geometry, out),
    maxPoolPairs: (x, planes, h, w, out) => impl.pairs(x, null, planes, h, w, out),
    maxUnpoolPairs: (x, dy, planes, h, w, out) => impl.pairs(x, dy, planes, h, w, out),
  };
}

/** Whether this host runs WebAssembly with SIMD128 (the module validates). */
export function wasmSupported(): boolean {
  return typeof WebAssembly !== 'undefined' && WebAssembly.validate(wasmBytes());
}

/** Synchronous instantiation, or null where WebAssembly or SIMD128 is missing, or
 *  where the host refuses synchronous compilation (browsers' main-thread size limit). */
export function createWasmKernels(): Kernels | null {
  if (typeof WebAssembly === 'undefined') return null;
  const bytes = wasmBytes();
  if (!WebAssembly.validate(bytes)) return null;
  try {
    return kernelsOf(new WebAssembly.Instance(new WebAssembly.Module(bytes), {}));
  } catch {
    return null;
  }
}

/** Asynchronous instantiation for hosts that refuse the synchronous one; null without SIMD128. */
export async function loadWasmKernels(): Promise<Kernels | null> {
  if (typeof WebAssembly === 'undefined') return null;
  const bytes = wasmBytes();
  if (!WebAssembly.validate(bytes)) return null;
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return kernelsOf(instance);
}
