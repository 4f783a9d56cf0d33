import { backendNamed } from './backends/registry.js';
import type { DType } from './dtype.js';
import { formatArray } from './format.js';
import type { FloatArray } from './kernels/types.js';
import type { Creator } from './op.js';
import { formatShape, sameShape, sizeOf } from './shape.js';
import type { Storage } from './storage.js';

/** Elements as nested JavaScript arrays, one level per axis (what `toArray()` returns and `tensor()` accepts). */
export type NestedArray = Array<number | NestedArray>;

/** Gradients that the engine made and stored in `.grad`: `zeroGrad` may hand their memory
 *  back to the backend's pool, since no one else was given them. */
export const engineGrads = new WeakSet<Tensor>();

/**
 * An n-dimensional float array that remembers the op that made it, so gradients can flow back.
 * Its elements live in a backend (see `getBackend`); read them with `values()` / `toArray()` /
 * `item()` on the CPU backends, or `await data()` / `await array()` on any backend. The op
 * methods (`add`, `matmul`, `sum`, `backward`, ...) are installed by `methods.ts`.
 */
export class Tensor {
  /** @internal The backend window holding the elements; ops pass it to kernels. */
  readonly storage: Storage;
  /** The op and inputs this tensor was computed from; null for a leaf. */
  readonly creator: Creator | null;
  /** A label for explanations and figures, e.g. `W1`. */
  name: string | undefined;
  /** ∂L/∂(this), filled by `backward()` on leaves that require grad; summed across calls. */
  grad: Tensor | null = null;
  #requiresGrad: boolean;

  /** Tensors are made by `tensor()`, `zeros()`, `fromBuffer()`, ... and by ops; a backend author makes
   *  one over a `Storage` of that backend. */
  constructor(storage: Storage, { requiresGrad, creator, name }: { requiresGrad: boolean; creator: Creator | null; name?: string }) {
    this.storage = storage;
    this.#requiresGrad = requiresGrad;
    this.creator = creator;
    this.name = name;
  }

/** The length of each axis, outermost first; `[]` for a 0-d (scalar) tensor. */
  get shape(): readonly number[] {
    return this.storage.shape;
  }
/** The element type: `float64` (the default) or `float32`. */
  get dtype(): DType {
    return this.storage.dtype;
  }
/** The number of elements: the product of the shape (1 for a 0-d tensor). */
  get size(): number {
    return this.storage.size;
  }
/** The number of axes (0 for a scalar). */
  get ndim(): number {
    return this.storage.ndim;
  }
  /** The name of the backend that holds this tensor's elements (`js`, `wasm`, ...). */
  get backend(): string {
    return this.storage.backend.name;
  }
/**
 * Whether gradients flow to this tensor: set on leaves by `requireGrad()` or the creation
 * option, and on op results whose inputs require grad (while grad is enabled).
 */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
/**
 * True for a tensor no op made (created, loaded, or `detach()`ed): `backward()` stores `.grad`
 * only on leaves (unless `retainGrads` is passed).
 */
  get isLeaf(): boolean {
    return this.creator === null;
  }

  /** Marks a leaf as a parameter to differentiate with respect to. */
  requireGrad(flag = true): this {
    if (!this.isLeaf) throw new Error(`requireGrad: only leaf tensors can change requiresGrad; this one was made by '${this.creator!.op.name}' (use detach() first)`);
    this.#requiresGrad = flag;
    return this;
  }

/**
 * Sets the label shown in explanations, graphs and derivations, and returns this tensor.
 *
 * @example
 * ```ts
 * const W1 = randn([2, 3], { seed: 0 }).requireGrad().named('W1');
 * ```
 */
  named(name: string): this {
    this.name = name;
    return this;
  }

  /** The elements in row-major order, as a new Float32Array or Float64Array (a copy: writing
   *  to it does not change the tensor; use `assign` for that). Synchronous, so CPU backends
   *  only; on others use `await data()`. */
  values(): FloatArray {
    const backend = this.storage.backend;
    if (!backend.readsSynchronously) {
      throw new Error(`values: the '${backend.name}' backend cannot read synchronously; use await tensor.data() (or await tensor.array())`);
    }
    return backend.readSync(this.storage);
  }

  /** The elements in row-major order, on any backend. */
  data(): Promise<FloatArray> {
    return this.storage.backend.read(this.storage);
  }

  /** The elements as nested arrays (a number for a 0-d tensor), on any backend. */
  async array(): Promise<number | NestedArray> {
    return nest(await this.data(), this.shape);
  }

  /** The elements as nested arrays (a number for a 0-d tensor); CPU backends only. */
  toArray(): number | NestedArray {
    return nest(this.values(), this.shape);
  }

/**
 * The single element as a number; CPU backends only.
 *
 * @throws RangeError when the tensor has more than one element.
 */
  item(): number {
    if (this.size !== 1) throw new RangeError(`item: only a tensor with one element can be converted to a number, got shape ${formatShape(this.shape)}`);
    return this.values()[0]!;
  }

  /** Overwrites the elements in place (a parameter update, loading weights), from a tensor of
   *  the same shape or from row-major numbers. Not recorded in any graph. */
  assign(source: Tensor | ArrayLike<number>): this {
    if (source instanceof Tensor) {
      if (!sameShape(source.shape, this.shape)) throw new RangeError(`assign: source shape ${formatShape(source.shape)} differs from the tensor's ${formatShape(this.shape)}`);
      if (source.storage.backend !== this.storage.backend) {
        throw new Error(`assign: the source is on the '${source.backend}' backend, the tensor on '${this.backend}'; move it with source.to('${this.backend}')`);
      }
      this.storage.backend.copyInto(this.storage, source.storage);
      this.storage.ref.version++;
      return this;
    }
    if (source === null || typeof source !== 'object' || typeof source.length !== 'number') {
      throw new TypeError(`assign: expected a Tensor or an array of numbers, got ${source === null ? 'null' : typeof source}`);
    }
    if (source.length !== this.size) throw new RangeError(`assign: ${source.length} values for a tensor of ${this.size} elements (shape ${formatShape(this.shape)})`);
    this.storage.backend.write(this.storage, source);
    this.storage.ref.version++;
    return this;
  }

  /** A copy on another backend (the same tensor when it is already there); a leaf, off the graph. */
  to(backend: string): Tensor {
    const target = backendNamed('to', backend);
    if (target === this.storage.backend) return this;
    if (target.dtypes !== undefined && !target.dtypes.includes(this.dtype)) {
      throw new TypeError(`to: the '${target.name}' backend holds ${target.dtypes.join(' and ')} tensors only, this one is ${this.dtype}; cast it first: t.cast('${target.dtypes[0]}').to('${target.name}')`);
    }
    if (!this.storage.backend.readsSynchronously) {
      throw new Error(
        `to: the '${this.backend}' backend cannot read synchronously; copy through the host with ` +
          `tensor(await t.data(), { shape: t.shape, dtype: t.dtype, backend: '${target.name}' })`,
      );
    }
    const values = this.storage.backend.readSync(this.storage);
    return new Tensor(target.upload(values, this.dtype, this.shape), { requiresGrad: this.requiresGrad && this.isLeaf, creator: null, name: this.name });
  }

  /** Hands this tensor's memory back to its backend now (it and its views become unusable). */
  dispose(): void {
    this.storage.ref.release();
  }

/**
 * numpy-style text such as `tensor([[1., 2.], [3., 4.]])` (rows on their own lines), with the dtype when it is not float64 and
 * `requiresGrad=true` when set.
 */
  toString(): string {
    const prefix = 'tensor(';
    const extras = [this.dtype === 'float64' ? '' : `dtype=${this.dtype}`, this.requiresGrad ? 'requiresGrad=true' : ''].filter(Boolean);
    if (!this.storage.backend.readsSynchronously) return `${prefix}<on ${this.backend}>, shape=${formatShape(this.shape)}${extras.map((e) => ', ' + e).join('')})`;
    const body = this.size === 0 ? `[], shape=${formatShape(this.shape)}` : formatArray(this.values(), this.shape, prefix);
    return `${prefix}${body}${extras.map((e) => ', ' + e).join('')})`;
  }

  /** Node's console.log and util.inspect print a tensor as `toString()` does (numpy's style). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** The same values, cut off from the graph (shares memory). */
  detach(): Tensor {
    return new Tensor(this.storage, { requiresGrad: false, creator: null, name: this.name });
  }

  /** Forgets the gradient; memory the engine made for it goes back to the backend's pool. */
  zeroGrad(): void {
    const g = this.grad;
    this.grad = null;
    if (g !== null && engineGrads.has(g)) {
      engineGrads.delete(g);
      g.dispose();
    }
  }
}

function nest(values: FloatArray, shape: readonly number[]): number | NestedArray {
  const build = (axis: number, offset: number): NestedArray => {
    const n = shape[axis]!;
    const stride = sizeOf(shape.slice(axis + 1));
    return Array.from({ length: n }, (_, i) => (axis === shape.length - 1 ? values[offset + i]! : build(axis + 1, offset + i * stride)));
  };
  return shape.length === 0 ? values[0]! : build(0, 0);
}
