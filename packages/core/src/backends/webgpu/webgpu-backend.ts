/// <reference types="@webgpu/types" />
import type { DType } from '../../dtype.js';
import type { FloatArray } from '../../kernels/types.js';
import { patchCount } from '../../patch-size.js';
import { rowMajorStrides, sizeOf, type Shape } from '../../shape.js';
import { BufferRef, Storage } from '../../storage.js';
import type { Backend, BinaryKernel, IndexSource, MemoryStats, OptimizerHyperparameters, OptimizerRule, PatchGeometry, ReduceKernel, UnaryKernel } from '../backend.js';
import { bytesFor, GpuBufferPool } from './buffer-pool.js';
import { TENSOR_USAGE } from './gpu-flags.js';
import { collapse, isRowMajorWindow, spread } from './layout.js';
import { Params } from './params.js';
import { CommandRecorder, type Binding, type Kernel } from './recorder.js';
import { ELEMENTWISE_GROUP } from './shaders/common.js';
import { binaryShader, copyIntoShader, fillShader, unaryShader, whereShader } from './shaders/elementwise.js';
import { scatterAddShader, takeShader } from './shaders/gather.js';
import { checkTile, matmulShader, tileName, type MatmulTile } from './shaders/matmul.js';
import { optimizerShader, SLOT_COUNT } from './shaders/optimizers.js';
import { col2imShader, im2colShader, maxPool2dShader, maxUnpool2dShader } from './shaders/patches.js';
import { argReduceShader, REDUCE_GROUP, reduceShader } from './shaders/reduce.js';
import { crossEntropyShader, softmaxShader } from './shaders/rows.js';
import { cumsumShader, SCAN_GROUP } from './shaders/scan.js';

/** The matrix-product blockings by problem size: large tiles keep a big GPU's cores fed with
 *  few loads per multiply-add, small ones give small products enough workgroups. */
export interface MatmulTiles {
  /** For large products (the 4096³ class). */
  large: MatmulTile;
  /** For mid-sized products. */
  medium: MatmulTile;
  /** For small products, where many workgroups matter more than reuse. */
  small: MatmulTile;
}

/** The blockings chosen on an H200 (see the bench README's GPU section). */
export const DEFAULT_MATMUL_TILES: MatmulTiles = {
  large: { bm: 128, bn: 128, bk: 8, tm: 8, tn: 8 },
  medium: { bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 },
  small: { bm: 32, bn: 32, bk: 16, tm: 4, tn: 4 },
};

/** Which GPU a backend runs on, as its WebGPU adapter reports itself (fields may be empty). */
export interface AdapterDescription {
  /** The GPU's maker, e.g. 'nvidia'. */
  vendor: string;
  /** The GPU family, e.g. 'hopper'. */
  architecture: string;
  /** The device's own name. */
  device: string;
  /** The driver's description, e.g. 'NVIDIA: 580.159.04' or 'SwiftShader driver 5.0.0'. */
  description: string;
}

/** Workgroups a tiling must give before the next larger tile is used: about one per core of
 *  a large GPU (an H200 has 132; at 1024³ the 128-wide tile gives 64 and left half idle). */
const ENOUGH_WORKGROUPS = 128;

/**
 * Tensors in GPU buffers (float32 only: WebGPU has no float64), every kernel a WGSL compute
 * shader. Kernels are recorded and submitted in batches; data stays on the device between
 * ops and comes back only through `read` (`await tensor.data()`).
 */
export class WebGpuBackend implements Backend {
  readonly readsSynchronously = false;
  readonly dtypes: readonly DType[] = ['float32'];
  readonly #recorder: CommandRecorder;
  readonly #pool: GpuBufferPool;
  readonly #kernels = new Map<string, Kernel>();
  #tiles: MatmulTiles = DEFAULT_MATMUL_TILES;

  constructor(
    readonly name: string,
    /** The WebGPU device every buffer and kernel of this backend lives on. */
    readonly device: GPUDevice,
    /** Which GPU and driver this is, as the adapter describes itself. */
    readonly adapterInfo: AdapterDescription = { vendor: '', architecture: '', device: '', description: '' },
    /** What the device came from (the GPU object, the adapter), held for as long as the
     *  backend lives: Dawn's Node binding tears the device down once they are collected. */
    readonly owners: readonly unknown[] = [],
  ) {
    this.#recorder = new CommandRecorder(device);
    this.#pool = new GpuBufferPool(
      (bytes) => device.createBuffer({ size: bytes, usage: TENSOR_USAGE }),
      // Bind groups naming a retired buffer stay cached but are never asked for again: buffer
      // ids are not reused.
      (buffer) => this.#recorder.retire(buffer),
    );
  }

  /** The blockings the matrix products use (for tuning on a given GPU). */
  get matmulTiles(): MatmulTiles {
    return this.#tiles;
  }
  /** Replaces the blockings (the shaders are rebuilt on next use). */
  set matmulTiles(tiles: MatmulTiles) {
    for (const t of [tiles.large, tiles.medium, tiles.small]) checkTile(t);
    this.#tiles = tiles;
  }

  // Memory.

  upload(data: ArrayLike<number>, dtype: DType, shape: Shape): Storage {
    this.#float32('tensor', dtype);
    const out = this.#output(shape);
    if (out.size > 0) this.#recorder.write(this.#buffer(out), 0, toFloat32(data));
    return out;
  }

  adopt(data: FloatArray, shape: Shape): Storage {
    this.#float32('fromBuffer', data instanceof Float32Array ? 'float32' : 'float64');
    return this.upload(data, 'float32', shape);
  }

  readSync(): FloatArray {
    throw new Error(`values: the '${this.name}' backend cannot read synchronously (GPU memory comes back through a promise); use await tensor.data() or await tensor.array()`);
  }

  async read(x: Storage): Promise<FloatArray> {
    if (x.size === 0) return new Float32Array(0);
    if (isRowMajorWindow(x)) return this.#recorder.read(this.#buffer(x), x.offset * 4, x.size * 4);
    const copy = this.copy(x, 'float32');
    // The read's copy is recorded at once: the temporary may go back to the pool right away.
    const values = this.#recorder.read(this.#buffer(copy), 0, copy.size * 4);
    copy.ref.release();
    return values;
  }

  write(x: Storage, data: ArrayLike<number>): void {
    if (x.size === 0) return;
    if (isRowMajorWindow(x)) {
      this.#recorder.write(this.#buffer(x), x.offset * 4, toFloat32(data));
      return;
    }
    const source = this.upload(data, 'float32', x.shape);
    this.copyInto(x, source);
    source.ref.release();
  }

  recycle(buffer: unknown): void {
    this.#pool.give(buffer as GPUBuffer);
  }

  memoryStats(): MemoryStats {
    return this.#pool.stats();
  }

  /** Resolves once the GPU has run every kernel recorded so far (for timing). */
  finish(): Promise<void> {
    return this.#recorder.idle();
  }

  /** Frees the pooled buffers and the device; tensors of this backend become unusable. */
  destroy(): void {
    this.#recorder.destroy();
    this.#pool.clear();
    this.device.destroy();
  }

  // Kernels.

  fill(dtype: DType, shape: Shape, value: number): Storage {
    this.#float32('full', dtype);
    const out = this.#output(shape);
    if (out.size > 0) {
      const params = Params.start().u32(out.size).f32(value);
      this.#dispatch('fill', fillShader, params, [out], spread(Math.ceil(out.size / ELEMENTWISE_GROUP)));
    }
    return out;
  }

  copy(x: Storage, dtype: DType): Storage {
    this.#float32('cast', dtype);
    return this.#unary('copy', x);
  }

  copyInto(dst: Storage, src: Storage): void {
    if (src.size === 0) return;
    // A window of the buffer being read cannot be written in the same dispatch.
    const from = src.ref === dst.ref ? this.copy(src, 'float32') : src;
    const { shape, strides } = collapse(src.shape, [dst.strides, from.strides]);
    const params = Params.start().u32(src.size, shape.length, dst.offset, from.offset).list(shape).list(strides[0]!).list(strides[1]!);
    this.#dispatch('copyInto', copyIntoShader, params, [from, dst], spread(Math.ceil(src.size / ELEMENTWISE_GROUP)));
    if (from !== src) from.ref.release();
  }

  unary(kernel: UnaryKernel, x: Storage): Storage {
    return this.#unary(kernel, x);
  }

  #unary(kernel: UnaryKernel | 'copy', x: Storage): Storage {
    const out = this.#output(x.shape);
    if (out.size === 0) return out;
    const { shape, strides } = collapse(x.shape, [x.strides]);
    const params = Params.start().u32(x.size, shape.length, x.offset).list(shape).list(strides[0]!);
    this.#dispatch(`unary:${kernel}`, () => unaryShader(kernel), params, [x, out], spread(Math.ceil(x.size / ELEMENTWISE_GROUP)));
    return out;
  }

  binary(kernel: BinaryKernel, a: Storage, b: Storage): Storage {
    const out = this.#output(a.shape);
    if (out.size === 0) return out;
    const { shape, strides } = collapse(a.shape, [a.strides, b.strides]);
    const params = Params.start().u32(a.size, shape.length, a.offset, b.offset).list(shape).list(strides[0]!).list(strides[1]!);
    this.#dispatch(`binary:${kernel}`, () => binaryShader(kernel), params, [a, b, out], spread(Math.ceil(a.size / ELEMENTWISE_GROUP)));
    return out;
  }

  where(mask: Storage, a: Storage, b: Storage): Storage {
    const out = this.#output(a.shape);
    if (out.size === 0) return out;
    const { shape, strides } = collapse(a.shape, [mask.strides, a.strides, b.strides]);
    const params = Params.start().u32(a.size, shape.length, mask.offset, a.offset, b.offset).list(shape).list(strides[0]!).list(strides[1]!).list(strides[2]!);
    this.#dispatch('where', whereShader, params, [mask, a, b, out], spread(Math.ceil(a.size / ELEMENTWISE_GROUP)));
    return out;
  }

  reduce(kernel: ReduceKernel, x: Storage, keptShape: Shape): Storage {
    const out = this.#output(keptShape);
    const cells = out.size;
    if (cells === 0) return out;
    const count = x.size / cells;
    const kept = x.shape.map((_, i) => i).filter((i) => x.shape[i] !== 1 && keptShape[i] !== 1);
    const reduced = x.shape.map((_, i) => i).filter((i) => x.shape[i] !== 1 && keptShape[i] === 1);
    const outer = collapse(kept.map((i) => x.shape[i]!), [kept.map((i) => x.strides[i]!)]);
    const inner = collapse(reduced.map((i) => x.shape[i]!), [reduced.map((i) => x.strides[i]!)]);
    const mode = kernel === 'sum' ? 0 : kernel === 'mean' ? 1 : 2;
    const params = Params.start()
      .u32(cells, count, outer.shape.length, inner.shape.length, x.offset, mode)
      .list(outer.shape)
      .list(outer.strides[0]!)
      .list(inner.shape)
      .list(inner.strides[0]!);
    const perCell = count >= REDUCE_GROUP || (cells < 1024 && count >= 32);
    if (perCell) this.#dispatch('reduce:group', () => reduceShader(true), params, [x, out], spread(cells));
    else this.#dispatch('reduce:thread', () => reduceShader(false), params, [x, out], spread(Math.ceil(cells / 64)));
    return out;
  }

  im2col(x: Storage, geometry: PatchGeometry): Storage {
    const [n, c] = x.shape as [number, number];
    const [oh, ow] = outputSize(x.shape, geometry);
    const out = this.#output([c * geometry.kernel[0] * geometry.kernel[1], n * oh * ow]);
    return this.#patches('im2col', im2colShader, out, x.shape, geometry, x, x.strides);
  }

  col2im(col: Storage, geometry: PatchGeometry, imageShape: Shape): Storage {
    const out = this.#output(imageShape);
    return this.#patches('col2im', col2imShader, out, imageShape, geometry, col, [...col.strides, 0, 0]);
  }

  maxPool2d(x: Storage, geometry: PatchGeometry): Storage {
    const [n, c] = x.shape as [number, number];
    const out = this.#output([n, c, ...outputSize(x.shape, geometry)]);
    return this.#patches('maxPool2d', maxPool2dShader, out, x.shape, geometry, x, x.strides);
  }

  maxUnpool2d(x: Storage, dy: Storage, geometry: PatchGeometry): Storage {
    const out = this.#output(x.shape);
    return this.#patches('maxUnpool2d', maxUnpool2dShader, out, x.shape, geometry, x, x.strides, dy);
  }

  cumsum(x: Storage, axis: number, reverse: boolean): Storage {
    const out = this.#output(x.shape);
    if (out.size === 0) return out;
    const outStrides = rowMajorStrides(x.shape);
    const others = x.shape.map((_, i) => i).filter((i) => i !== axis);
    const { shape, strides } = collapse(others.map((i) => x.shape[i]!), [others.map((i) => x.strides[i]!), others.map((i) => outStrides[i]!)]);
    const lines = x.size / x.shape[axis]!;
    const params = Params.start()
      .u32(lines, x.shape[axis]!, shape.length, x.offset, x.strides[axis]!, outStrides[axis]!, reverse ? 1 : 0)
      .list(shape)
      .list(strides[0]!)
      .list(strides[1]!);
    this.#dispatch('cumsum', cumsumShader, params, [x, out], spread(Math.ceil(lines / SCAN_GROUP)));
    return out;
  }

  argReduce(kernel: 'argmax' | 'argmin', x: Storage, axis: number): Storage {
    const out = this.#output(x.shape.map((d, i) => (i === axis ? 1 : d)));
    if (out.size === 0) return out;
    const others = x.shape.map((_, i) => i).filter((i) => i !== axis);
    const { shape, strides } = collapse(others.map((i) => x.shape[i]!), [others.map((i) => x.strides[i]!)]);
    const params = Params.start()
      .u32(out.size, x.shape[axis]!, x.strides[axis]!, shape.length, x.offset, kernel === 'argmax' ? 0 : 1)
      .list(shape)
      .list(strides[0]!);
    this.#dispatch('argReduce', argReduceShader, params, [x, out], spread(Math.ceil(out.size / 64)));
    return out;
  }

  matmul(a: Storage, b: Storage): Storage {
    return this.#product(a, b, null);
  }

  affine(x: Storage, w: Storage, b: Storage): Storage {
    return this.#product(x, w, b);
  }

  softmax(x: Storage, axis: number): Storage {
    return this.#softmax(x, axis, false);
  }

  logSoftmax(x: Storage, axis: number): Storage {
    return this.#softmax(x, axis, true);
  }

  softmaxCrossEntropy(logits: Storage, targets: Storage): Storage {
    const out = this.#output([]);
    const [n, c] = logits.shape as [number, number];
    const params = Params.start().u32(n, c, logits.offset, logits.strides[0]!, logits.strides[1]!, targets.offset, targets.strides[0]!, targets.strides[1]!);
    this.#dispatch('crossEntropy', crossEntropyShader, params, [logits, targets, out], [1, 1, 1]);
    return out;
  }

  take(x: Storage, axis: number, indices: IndexSource, indexShape: Shape): Storage {
    const m = sizeOf(indexShape);
    const out = this.#output([...x.shape.slice(0, axis), ...indexShape, ...x.shape.slice(axis + 1)]);
    if (out.size === 0) return out;
    return this.#gather('take', takeShader, x, out, indices, m, x.shape[axis]!, sizeOf(x.shape.slice(axis + 1)));
  }

  scatterAdd(x: Storage, axis: number, indices: IndexSource, indexShape: Shape, size: number): Storage {
    const m = sizeOf(indexShape);
    const out = this.#output([...x.shape.slice(0, axis), size, ...x.shape.slice(axis + indexShape.length)]);
    if (out.size === 0) return out;
    return this.#gather('scatterAdd', scatterAddShader, x, out, indices, m, size, sizeOf(x.shape.slice(axis + indexShape.length)));
  }

  optimizerStep(rule: OptimizerRule, w: Storage, g: Storage, slots: readonly Storage[], h: OptimizerHyperparameters): void {
    if (!w.isContiguous || slots.some((s) => !s.isContiguous)) throw new Error(`optimizerStep: the parameter and its slots must be row-major, whole buffers`);
    if (slots.length !== SLOT_COUNT[rule]) throw new Error(`optimizerStep(${rule}): expected ${SLOT_COUNT[rule]} slots, got ${slots.length}`);
    if (w.size === 0) return;
    const grad = isRowMajorWindow(g) && g.ref !== w.ref ? g : this.copy(g, 'float32');
    const { lr, weightDecay, scale, step, momentum = 0, rho = 0, beta1 = 0, beta2 = 0, eps = 0 } = h;
    const decoupled = rule === 'adamw';
    const params = Params.start()
      .u32(w.size, grad.offset)
      .f32(lr).f32(weightDecay).f32(scale).f32(momentum).f32(rho).f32(eps).f32(beta1).f32(beta2)
      .f32(1 - beta1 ** step)
      .f32(1 - beta2 ** step)
      .f32(decoupled ? 1 - lr * weightDecay : 1)
      .f32(decoupled ? 0 : weightDecay);
    this.#dispatch(`optimizer:${rule}`, () => optimizerShader(rule), params, [w, grad, ...slots], spread(Math.ceil(w.size / ELEMENTWISE_GROUP)));
    if (grad !== g) grad.ref.release();
  }

  // Helpers.

  #product(a: Storage, b: Storage, bias: Storage | null): Storage {
    const r = a.ndim;
    const [m, k, n] = [a.shape[r - 2]!, a.shape[r - 1]!, b.shape[r - 1]!];
    const batchShape = a.shape.slice(0, r - 2);
    const out = this.#output([...batchShape, m, n]);
    if (out.size === 0) return out;
    const batch = collapse(batchShape, [a.strides.slice(0, r - 2), b.strides.slice(0, r - 2)]);
    const batches = sizeOf(batchShape);
    if (batches > 65_535) throw new RangeError(`matmul: ${batches} matrices in one batch exceed the ${this.name} backend's limit of 65535`);
    const tile = this.#tileFor(m, n, batches);
    const params = Params.start()
      .u32(m, n, k, batch.shape.length, a.offset, b.offset, a.strides[r - 2]!, a.strides[r - 1]!, b.strides[r - 2]!, b.strides[r - 1]!)
      .u32(bias === null ? 0 : 1, bias?.offset ?? 0, bias?.strides[0] ?? 0)
      .list(batch.shape)
      .list(batch.strides[0]!)
      .list(batch.strides[1]!);
    const name = `matmul:${tileName(tile)}`;
    this.#dispatch(name, () => matmulShader(tile), params, [a, b, bias ?? a, out], [Math.ceil(n / tile.bn), Math.ceil(m / tile.bm), batches]);
    return out;
  }

  #tileFor(m: number, n: number, batches: number): MatmulTile {
    const { large, medium, small } = this.#tiles;
    const groups = (t: MatmulTile) => Math.ceil(m / t.bm) * Math.ceil(n / t.bn) * batches;
    if (groups(large) >= ENOUGH_WORKGROUPS) return large;
    if (groups(medium) >= ENOUGH_WORKGROUPS / 2) return medium;
    return small;
  }

  #softmax(x: Storage, axis: number, log: boolean): Storage {
    const out = this.#output(x.shape);
    if (out.size === 0) return out;
    const outStrides = rowMajorStrides(x.shape);
    const others = x.shape.map((_, i) => i).filter((i) => i !== axis);
    const { shape, strides } = collapse(others.map((i) => x.shape[i]!), [others.map((i) => x.strides[i]!), others.map((i) => outStrides[i]!)]);
    const rows = x.size / x.shape[axis]!;
    const params = Params.start()
      .u32(rows, x.shape[axis]!, shape.length, x.offset, x.strides[axis]!, outStrides[axis]!, log ? 1 : 0)
      .list(shape)
      .list(strides[0]!)
      .list(strides[1]!);
    this.#dispatch('softmax', softmaxShader, params, [x, out], spread(rows));
    return out;
  }

  /** One thread per element of `out`: the patch kernels' shared parameters (see shaders/patches.ts). */
  #patches(name: string, shader: () => string, out: Storage, imageShape: Shape, g: PatchGeometry, a: Storage, aStrides: readonly number[], b?: Storage): Storage {
    if (out.size === 0) return out;
    const [n, c, h, w] = imageShape as [number, number, number, number];
    const params = Params.start()
      .u32(out.size, n, c, h, w, ...outputSize(imageShape, g), ...g.kernel, ...g.stride, ...g.padding, ...g.dilation)
      .f32(g.padValue)
      .u32(a.offset)
      .list(aStrides)
      .u32(b?.offset ?? 0)
      .list(b?.strides ?? [0, 0, 0, 0]);
    this.#dispatch(name, shader, params, b === undefined ? [a, out] : [a, b, out], spread(Math.ceil(out.size / ELEMENTWISE_GROUP)));
    return out;
  }

  #gather(what: string, shader: () => string, x: Storage, out: Storage, indices: IndexSource, m: number, size: number, inner: number): Storage {
    const rows = isRowMajorWindow(x) ? x : this.copy(x, 'float32');
    let index: Binding;
    let indexOffset = 0;
    let deviceIndices: Storage | null = null;
    if (indices instanceof Storage) {
      deviceIndices = isRowMajorWindow(indices) ? indices : this.copy(indices, 'float32');
      index = { buffer: this.#buffer(deviceIndices) };
      indexOffset = deviceIndices.offset;
    } else {
      index = this.#recorder.stage(new Uint32Array(indices.buffer, indices.byteOffset, indices.length));
    }
    const params = Params.start().u32(out.size, size, m, inner, rows.offset, indexOffset, deviceIndices === null ? 0 : 1);
    this.#dispatch(what, shader, params, [{ buffer: this.#buffer(rows) }, index, { buffer: this.#buffer(out) }], spread(Math.ceil(out.size / ELEMENTWISE_GROUP)));
    if (rows !== x) rows.ref.release();
    if (deviceIndices !== null && deviceIndices !== indices) deviceIndices.ref.release();
    return out;
  }

  #output(shape: Shape): Storage {
    const length = sizeOf(shape);
    return Storage.rowMajor(new BufferRef(this, this.#pool.take(bytesFor(length)), 'float32', length, true), shape);
  }

  #buffer(s: Storage): GPUBuffer {
    return s.ref.buffer<GPUBuffer>();
  }

  #dispatch(name: string, source: () => string, params: Params, operands: readonly (Storage | Binding)[], workgroups: readonly [number, number, number]): void {
    const bindings = operands.map((o) => (o instanceof Storage ? { buffer: this.#buffer(o) } : o));
    this.#recorder.dispatch(this.#kernel(name, source), params, bindings, workgroups);
  }

  #kernel(name: string, source: () => string): Kernel {
    let kernel = this.#kernels.get(name);
    if (kernel === undefined) {
      const code = source();
      const layout = this.device.createBindGroupLayout({ label: name, entries: bindingLayout(code) });
      const module = this.device.createShaderModule({ label: name, code });
      const pipeline = this.device.createComputePipeline({
        label: name,
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
      });
      kernel = { name, pipeline, layout };
      this.#kernels.set(name, kernel);
    }
    return kernel;
  }

  #float32(where: string, dtype: DType): void {
    if (dtype !== 'float32') {
      throw new TypeError(
        `${where}: the '${this.name}' backend holds float32 tensors only (WebGPU has no float64), got ${dtype}; ` +
          `create tensors with { dtype: 'float32' } (models: { dtype: 'float32' }) or cast them with .cast('float32') first`,
      );
    }
  }
}

const COMPUTE_STAGE = 0x4;

/** The bind group layout a kernel's WGSL declares: binding 0 (the parameters) read at a dynamic
 *  offset, then each buffer read-only or read-write as declared. */
function bindingLayout(code: string): GPUBindGroupLayoutEntry[] {
  const declared = [...code.matchAll(/@binding\((\d+)\) var<storage, (read|read_write)>/g)];
  return declared.map(([, binding, access]) => ({
    binding: Number(binding),
    visibility: COMPUTE_STAGE,
    buffer: { type: access === 'read' ? 'read-only-storage' : 'storage', hasDynamicOffset: binding === '0' },
  }));
}

/** [OH, OW]: how many patches fit along each axis of images of `imageShape` [N, C, H, W]. */
function outputSize(imageShape: Shape, g: PatchGeometry): [number, number] {
  return [0, 1].map((axis) => patchCount(imageShape[2 + axis]!, g.kernel[axis]!, g.stride[axis]!, g.padding[axis]!, g.dilation[axis]!)) as [number, number];
}

function toFloat32(data: ArrayLike<number>): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data);
}
