import type { Backend } from './backends/backend.js';
import { backendNamed, getBackend } from './backends/registry.js';
import { checkDtype, dtypeOf, type DType } from './dtype.js';
import type { FloatArray } from './kernels/types.js';
import { checkShape, formatShape, MAX_ELEMENTS, MAX_RANK, sizeOf, type Shape } from './shape.js';
import type { Storage } from './storage.js';
import { Tensor, type NestedArray } from './tensor.js';

/**
 * What `tensor()` accepts: a number (a 0-d tensor), nested arrays of numbers (their nesting is
 * the shape), or flat data (a list or typed array, shaped by the `shape` option).
 */
export type TensorData = number | NestedArray | readonly number[] | FloatArray | Int32Array | Uint8Array;

/** Options of `tensor()`. */
export interface TensorOptions {
  /** The element type; default float64, or float32 when the data is a Float32Array. */
  dtype?: DType;
  /** Make a leaf that gradients flow to (a parameter); default false. */
  requiresGrad?: boolean;
  /** A label for explanations and figures (see `Tensor.named`). */
  name?: string;
  /** The shape of flat data (a typed array or a flat list); nested arrays carry their own. */
  shape?: Shape;
  /** The backend to hold the tensor (a name such as 'js' or 'wasm'); default `getBackend()`. */
  backend?: string;
}

/**
 * A new leaf tensor from a number, nested arrays, or flat data with a shape. The data is
 * copied. The dtype is float64 unless the data is a Float32Array or `dtype` says otherwise.
 *
 * @throws RangeError for ragged nested arrays or a shape that does not match the data's length.
 * @throws TypeError for anything but numbers in the data.
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);                           // shape [2, 2], float64
 * const w = tensor([0.5, -1], { requiresGrad: true, name: 'w' }); // a parameter
 * const f = tensor(new Float32Array(6), { shape: [2, 3] });     // flat data, float32
 * ```
 */
export function tensor(data: TensorData, options: TensorOptions = {}): Tensor {
  const dtype = checkDtype('tensor', options.dtype ?? (data instanceof Float32Array ? 'float32' : 'float64'));
  const { flat, shape } = flatten(data, options.shape);
  return leaf(backendFor('tensor', options, dtype).upload(flat, dtype, shape), options);
}

/** The backend named in `options`, or the current default; `dtype` must be one it holds. */
export function backendFor(where: string, options: { backend?: string }, dtype?: DType): Backend {
  const backend = options.backend === undefined ? getBackend() : backendNamed(where, options.backend);
  if (dtype !== undefined && backend.dtypes !== undefined && !backend.dtypes.includes(dtype)) {
    throw new TypeError(`${where}: the '${backend.name}' backend holds ${backend.dtypes.join(' and ')} tensors only, got dtype ${dtype}; pass { dtype: '${backend.dtypes[0]}' }`);
  }
  return backend;
}

/** A leaf over an existing buffer (for data loaders and weight loading): on the CPU backends
 *  the buffer itself becomes the tensor's memory, not copied (writing to it changes the
 *  tensor); other backends copy it. */
export function fromBuffer(data: FloatArray, shape: Shape, options: Omit<TensorOptions, 'dtype' | 'shape'> = {}): Tensor {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) throw new TypeError('fromBuffer: data must be a Float32Array or a Float64Array');
  const s = checkShape('fromBuffer', shape);
  if (sizeOf(s) !== data.length) throw new RangeError(`fromBuffer: shape ${formatShape(s)} needs ${sizeOf(s)} elements, the buffer has ${data.length}`);
  return leaf(backendFor('fromBuffer', options, dtypeOf(data)).adopt(data, s), options);
}

/** A new leaf (a tensor no op made) over `storage`. */
export function leaf(storage: Storage, options: CreateOptions): Tensor {
  const t = new Tensor(storage, { requiresGrad: options.requiresGrad === true, creator: null });
  if (options.name !== undefined) t.name = options.name;
  return t;
}

function flatten(data: TensorData, shape: Shape | undefined): { flat: ArrayLike<number>; shape: number[] } {
  if (typeof data === 'number') {
    const s = shape === undefined ? [] : checkShape('tensor', shape);
    if (sizeOf(s) !== 1) throw new RangeError(`tensor: a single number cannot fill shape ${formatShape(s)}`);
    return { flat: [data], shape: s };
  }
  if (ArrayBuffer.isView(data)) {
    const s = shape === undefined ? [data.length] : checkShape('tensor', shape);
    if (sizeOf(s) !== data.length) throw new RangeError(`tensor: shape ${formatShape(s)} needs ${sizeOf(s)} elements, the data has ${data.length}`);
    return { flat: data, shape: s };
  }
  if (!Array.isArray(data)) throw new TypeError(`tensor: expected a number, a (nested) array of numbers or a typed array, got ${data === null ? 'null' : typeof data}`);
  const nestedShape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) {
    // Checked while descending: a hostile 100,000-deep nesting must not reach the recursion below.
    if (nestedShape.length === MAX_RANK) throw new RangeError(`tensor: the arrays are nested more than ${MAX_RANK} deep; at most ${MAX_RANK} axes are supported`);
    nestedShape.push(level.length);
  }
  const flat = (data as unknown[]).flat(Infinity) as unknown[];
  if (flat.length !== sizeOf(nestedShape) || !checkRectangular(data, nestedShape, 0)) {
    throw new RangeError(`tensor: nested arrays are ragged; every row at the same depth must have the same length (first row's shape ${formatShape(nestedShape)})`);
  }
  const bad = flat.findIndex((v) => typeof v !== 'number');
  if (bad >= 0) throw new TypeError(`tensor: element ${bad} is ${JSON.stringify(flat[bad])}, expected a number`);
  if (shape !== undefined) {
    const s = checkShape('tensor', shape);
    if (sizeOf(s) !== flat.length) throw new RangeError(`tensor: shape ${formatShape(s)} needs ${sizeOf(s)} elements, the data has ${flat.length}`);
    return { flat: flat as number[], shape: s };
  }
  return { flat: flat as number[], shape: nestedShape };
}

function checkRectangular(data: unknown, shape: number[], depth: number): boolean {
  if (depth === shape.length) return !Array.isArray(data);
  return Array.isArray(data) && data.length === shape[depth] && data.every((d) => checkRectangular(d, shape, depth + 1));
}

/** A 0-d tensor holding one number (how plain-number operands enter the graph, on the
 *  backend of the tensor they meet). */
export function scalar(value: number, dtype: DType = 'float64', backend: Backend = getBackend()): Tensor {
  return new Tensor(backend.fill(dtype, [], value), { requiresGrad: false, creator: null });
}

/** Options of the creation functions (`zeros`, `ones`, `full`, `arange`, and with a seed
 *  `rand` / `randn`). */
export interface CreateOptions {
  /** The element type; default float64. */
  dtype?: DType;
  /** Make a leaf that gradients flow to (a parameter); default false. */
  requiresGrad?: boolean;
  /** A label for explanations and figures (see `Tensor.named`). */
  name?: string;
  /** The backend to hold the tensor (a name such as 'js' or 'wasm'); default `getBackend()`. */
  backend?: string;
}

/**
 * A new leaf of `shape` with every element `value`.
 *
 * @example
 * ```ts
 * full([2, 3], 0.1, { dtype: 'float32' });
 * ```
 */
export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  return filled('full', shape, value, options);
}

/** A new leaf of `shape` filled with 0 (float64 unless `dtype` says otherwise). */
export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return filled('zeros', shape, 0, options);
}

/** A new leaf of `shape` filled with 1 (float64 unless `dtype` says otherwise). */
export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return filled('ones', shape, 1, options);
}

function filled(where: string, shape: Shape, value: number, options: CreateOptions): Tensor {
  const s = checkShape(where, shape);
  if (typeof value !== 'number') throw new TypeError(`${where}: the fill value must be a number, got ${value === null ? 'null' : typeof value}`);
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object such as { dtype, requiresGrad }, got ${options === null ? 'null' : typeof options}`);
  const dtype = checkDtype(where, options.dtype ?? 'float64');
  return leaf(backendFor(where, options, dtype).fill(dtype, s, value), options);
}

/** numpy's arange: start, start + step, ... up to but excluding stop. */
export function arange(start: number, stop?: number, step = 1, options: CreateOptions = {}): Tensor {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  for (const [name, value] of [['start', from], ['stop', to]] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`arange: ${name} must be a finite number, got ${String(value)}`);
  }
  if (typeof step !== 'number' || step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a finite non-zero number, got ${String(step)}`);
  const n = Math.max(0, Math.ceil((to - from) / step));
  if (n > MAX_ELEMENTS) throw new RangeError(`arange: ${n} values from ${from} to ${to} by ${step}; one tensor holds at most ${MAX_ELEMENTS}`);
  const values = Array.from({ length: n }, (_, i) => from + i * step);
  const dtype = checkDtype('arange', options.dtype ?? 'float64');
  return leaf(backendFor('arange', options, dtype).upload(values, dtype, [n]), options);
}

/** The identity matrix [n, m] (m = n by default): ones on the diagonal, zeros elsewhere. */
export function eye(n: number, m: number = n, options: CreateOptions = {}): Tensor {
  for (const [name, v] of [['n', n], ['m', m]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`eye: ${name} must be a non-negative integer, got ${String(v)}`);
  }
  const values = new Float64Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return leaf(backendFor('eye', options).upload(values, checkDtype('eye', options.dtype ?? 'float64'), [n, m]), options);
}

/** numpy's linspace: `num` evenly spaced values from start to stop, both included (the last is
 *  exactly stop). */
export function linspace(start: number, stop: number, num = 50, options: CreateOptions = {}): Tensor {
  if (!Number.isFinite(start) || !Number.isFinite(stop)) throw new RangeError(`linspace: start and stop must be finite numbers, got ${start} and ${stop}`);
  if (!Number.isInteger(num) || num < 0) throw new RangeError(`linspace: num must be a non-negative integer, got ${String(num)}`);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  const values = Array.from({ length: num }, (_, i) => (i === num - 1 && num > 1 ? stop : start + i * step));
  return leaf(backendFor('linspace', options).upload(values, checkDtype('linspace', options.dtype ?? 'float64'), [num]), options);
}
