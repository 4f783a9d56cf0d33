import type { Backend } from './backends/backend.js';
import { backendNamed, getBackend } from './backends/registry.js';
import { checkDtype, dtypeOf, type DType } from './dtype.js';
import type { FloatArray } from './kernels/types.js';
import { checkShape, formatShape, sizeOf, type Shape } from './shape.js';
import type { Storage } from './storage.js';
import { Tensor, type NestedArray } from './tensor.js';

export type TensorData = number | NestedArray | readonly number[] | FloatArray | Int32Array | Uint8Array;

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  name?: string;
  /** The shape of flat data (a typed array or a flat list); nested arrays carry their own. */
  shape?: Shape;
  /** The backend to hold the tensor (a name such as 'js' or 'wasm'); default `getBackend()`. */
  backend?: string;
}

/** A new leaf tensor from a number, nested arrays, or flat data with a shape. The data is copied. */
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
  if (!Array.isArray(data)) throw new TypeError(`tensor: expected a number, a (nested) array of numbers or a typed array, got ${typeof data}`);
  const nestedShape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) nestedShape.push(level.length);
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

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  name?: string;
  /** The backend to hold the tensor (a name such as 'js' or 'wasm'); default `getBackend()`. */
  backend?: string;
}

export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  const s = checkShape('full', shape);
  const dtype = checkDtype('full', options.dtype ?? 'float64');
  return leaf(backendFor('full', options, dtype).fill(dtype, s, value), options);
}

export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

/** numpy's arange: start, start + step, ... up to but excluding stop. */
export function arange(start: number, stop?: number, step = 1, options: CreateOptions = {}): Tensor {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a finite non-zero number, got ${step}`);
  const n = Math.max(0, Math.ceil((to - from) / step));
  const values = Array.from({ length: n }, (_, i) => from + i * step);
  const dtype = checkDtype('arange', options.dtype ?? 'float64');
  return leaf(backendFor('arange', options, dtype).upload(values, dtype, [n]), options);
}
