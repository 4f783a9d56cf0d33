import { fromBuffer, Tensor, type FloatArray } from '@matgrad/core';
import { Module } from '../module.js';
import { formatShape, sameShape } from '../shapes.js';
import { describeValue } from './describe.js';
import {
  decodeFloats,
  decodeRaw,
  DTYPE_BYTES,
  encodeRaw,
  rawArrayMatches,
  rawArrayName,
  safetensorsDTypeOf,
  tensorDTypeOf,
  type RawTensor,
  type SafetensorsDType,
} from './dtypes.js';
import type { BatchNorm1d } from '../layers/batchnorm.js';
import { layoutOf, LAYOUTS, transposeMatrix, type Layout, type WeightsLayout } from './layout.js';
import { HOSTILE_KEYS, MAX_HEADER_BYTES, METADATA_KEY, readHeader } from './safetensors-header.js';

export { MAX_HEADER_BYTES, MAX_RANK } from './safetensors-header.js';

/**
 * The safetensors format (https://github.com/huggingface/safetensors): an unsigned 64-bit
 * little-endian header length N, N bytes of JSON describing each tensor (dtype, shape, byte
 * range) plus optional string metadata, then every tensor's elements, row-major and
 * little-endian, packed back to back. These functions work on bytes and run anywhere; the
 * file functions are in `@matgrad/nn/node`.
 */

/** What `toSafetensors` can write: a module (its parameters and buffers), or tensors by name.
 *  A `RawTensor` entry writes integers or booleans. */
export type TensorSource = Module | ReadonlyMap<string, Tensor | RawTensor> | Readonly<Record<string, Tensor | RawTensor>>;

/** The contents of a safetensors file. */
export interface SafetensorsContents {
  /** The float tensors: F64 as float64; F32, F16 and BF16 as float32 (exactly). */
  tensors: Map<string, Tensor>;
  /** The tensors a `Tensor` cannot hold (integers, booleans, 8-bit floats), as typed arrays. */
  others: Map<string, RawTensor>;
  /** Every tensor's dtype as the file declares it. */
  dtypes: Map<string, SafetensorsDType>;
  /** The file's `__metadata__` (strings by key). */
  metadata: Record<string, string>;
}

/** Options of `toSafetensors` and `saveWeights`. */
export interface SaveOptions {
  /** Strings stored in the file's `__metadata__`. */
  metadata?: Readonly<Record<string, string>>;
  /** Whose names and layout to write (a module only); default `'matgrad'`. See {@link WeightsLayout}. */
  layout?: WeightsLayout;
}

/** Options of `fromSafetensors` and `loadWeights`. */
export interface LoadOptions {
  /** Whose names and layout the file has; default `'matgrad'`. See {@link WeightsLayout}. */
  layout?: WeightsLayout;
  /**
   * Convert float tensors of another dtype (F64, F32, F16, BF16) to the model's. Default
   * false: a file whose float dtype differs from the model's is refused rather than
   * silently rounded or widened.
   */
  cast?: boolean;
  /**
   * Default true: a float tensor of the file that the model has no place for is an error, as
   * in PyTorch's `load_state_dict(strict=True)`. With false it is skipped and reported, like
   * the integer tensors. Every tensor of the model must be in the file either way: a model is
   * never left half loaded.
   */
  strict?: boolean;
}

/** A tensor of the file that the model has no place for: left out of the load and reported
 *  (its values are in `readSafetensors`'s result). */
export interface SkippedTensor {
  /** Its name in the file. */
  name: string;
  /** Its dtype in the file. */
  dtype: SafetensorsDType;
  /** Its shape. */
  shape: number[];
}

/** What `fromSafetensors` and `loadWeights` report. */
export interface LoadReport {
  /** The file's `__metadata__`. */
  metadata: Record<string, string>;
  /** Tensors of the file that the model has no place for: integer, boolean and 8-bit float
   *  ones, and with `strict: false` float ones too. */
  skipped: SkippedTensor[];
}

/**
 * Serializes tensors to safetensors bytes: a module's parameters and buffers under their
 * dotted names (or PyTorch's, with `{ layout: 'pytorch' }`), or tensors given by name.
 *
 * @example
 * const bytes = toSafetensors(model, { metadata: { epoch: '3' } });
 * const forPyTorch = toSafetensors(model, { layout: 'pytorch' }); // torch: model.load_state_dict(load_file(...))
 */
export function toSafetensors(source: TensorSource, options: SaveOptions = {}): Uint8Array {
  const { metadata, layout } = checkSaveOptions('toSafetensors', options);
  const entries = entriesOf(source, layout);
  // No prototype: every name, whatever it is, becomes an own key of the JSON object.
  const header: Record<string, unknown> = Object.create(null);
  if (metadata !== undefined) header[METADATA_KEY] = { ...metadata };
  const items = entries.map(([name, item]) => {
    if (name === '' || name === METADATA_KEY || HOSTILE_KEYS.has(name)) throw new TypeError(`toSafetensors: ${JSON.stringify(name)} cannot be a tensor name`);
    return { name, ...encodable(name, item) };
  });
  let offset = 0;
  for (const item of items) {
    const bytes = item.size * DTYPE_BYTES[item.dtype];
    header[item.name] = { dtype: item.dtype, shape: item.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Spaces pad the header to a multiple of 8 bytes, as the reference writer does, so the
  // data section starts aligned for every dtype.
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const item of items) {
    item.write(view, at);
    at += item.size * DTYPE_BYTES[item.dtype];
  }
  return out;
}

function checkSaveOptions(who: string, options: SaveOptions): { metadata: Readonly<Record<string, string>> | undefined; layout: WeightsLayout } {
  if (options === null || typeof options !== 'object') throw new TypeError(`${who}: options must be an object such as { metadata, layout }, got ${describeValue(options)}`);
  const { metadata, layout = 'matgrad' } = options;
  checkLayoutName(who, layout);
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object') throw new TypeError(`${who}: metadata must be an object of strings, got ${describeValue(metadata)}`);
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string' || HOSTILE_KEYS.has(key)) {
        throw new TypeError(`${who}: metadata '${key}' must be a string under a plain key (safetensors metadata maps strings to strings)`);
      }
    }
  }
  return { metadata, layout };
}

function checkLayoutName(who: string, layout: unknown): asserts layout is WeightsLayout {
  if (!LAYOUTS.includes(layout as WeightsLayout)) {
    throw new TypeError(`${who}: layout must be ${LAYOUTS.map((l) => `'${l}'`).join(' or ')}, got ${describeValue(layout)}`);
  }
}

function entriesOf(source: TensorSource, layout: WeightsLayout): Array<[string, unknown]> {
  if (source instanceof Module) {
    return layoutOf(source, layout).map((entry): [string, unknown] =>
      entry.kind === 'counter'
        ? [entry.fileName, { dtype: 'I64', shape: [], values: BigInt64Array.of(BigInt(entry.module.numBatchesTracked)) } satisfies RawTensor]
        : [entry.fileName, entry.transposed ? transposedTensor(entry.tensor) : entry.tensor],
    );
  }
  if (layout !== 'matgrad') throw new TypeError(`toSafetensors: the '${layout}' layout maps a module's names, so the source must be a Module`);
  if (source instanceof Map) return [...source];
  if (source !== null && typeof source === 'object') return Object.entries(source);
  throw new TypeError(`toSafetensors: the source must be a Module, a Map or an object of tensors by name, got ${describeValue(source)}`);
}

function transposedTensor(t: Tensor): Tensor {
  const [rows, cols] = t.shape as [number, number];
  return fromBuffer(transposeMatrix(t.values(), rows, cols), [cols, rows]);
}

interface Encodable {
  dtype: SafetensorsDType;
  shape: number[];
  size: number;
  write: (view: DataView, at: number) => void;
}

function encodable(name: string, item: unknown): Encodable {
  if (item instanceof Tensor) {
    const values = item.values();
    const dtype = safetensorsDTypeOf(item.dtype);
    const write =
      dtype === 'F32'
        ? (view: DataView, at: number) => {
            for (let i = 0; i < values.length; i++) view.setFloat32(at + 4 * i, values[i]!, true);
          }
        : (view: DataView, at: number) => {
            for (let i = 0; i < values.length; i++) view.setFloat64(at + 8 * i, values[i]!, true);
          };
    return { dtype, shape: [...item.shape], size: values.length, write };
  }
  const raw = item as Partial<RawTensor> | null;
  if (raw === null || typeof raw !== 'object' || raw.dtype === undefined || !Object.hasOwn(DTYPE_BYTES, raw.dtype) || tensorDTypeOf(raw.dtype) !== null) {
    throw new TypeError(`toSafetensors: '${name}' must be a Tensor or a { dtype, shape, values } of an integer, BOOL or F8 dtype, got ${describeValue(item)}`);
  }
  const { dtype, shape, values } = raw as RawTensor;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new TypeError(`toSafetensors: '${name}' has shape ${describeValue(shape)}; expected an array of non-negative integers`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (!rawArrayMatches(dtype, values) || values.length !== size) {
    throw new TypeError(`toSafetensors: '${name}' (${dtype} ${formatShape(shape)}) needs a ${rawArrayName(dtype)} of ${size} values, got ${describeValue(values)}`);
  }
  return { dtype, shape: [...shape], size, write: (view, at) => encodeRaw(dtype, values, view, at) };
}

/**
 * Parses safetensors bytes, checking them in full before anything is allocated from them:
 * the header length bounded and inside the buffer, valid UTF-8 JSON, no prototype keys,
 * every entry well formed (integers written as integers, at most 64 axes, sizes that fit the
 * file), and the tensors packed without overlaps or gaps. Tensors are returned as copies:
 * float ones as `Tensor`s, the others as typed arrays.
 */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer, options: { maxHeaderBytes?: number } = {}): SafetensorsContents {
  const data = asBytes('readSafetensors', bytes);
  const fail = (why: string): never => {
    throw new Error(`readSafetensors: ${why}`);
  };
  const { entries, metadata, dataStart } = readHeader(data, options.maxHeaderBytes ?? MAX_HEADER_BYTES, fail);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const contents: SafetensorsContents = { tensors: new Map(), others: new Map(), dtypes: new Map(), metadata };
  for (const e of entries) {
    contents.dtypes.set(e.name, e.dtype);
    const count = (e.end - e.begin) / DTYPE_BYTES[e.dtype];
    const at = dataStart + e.begin;
    if (tensorDTypeOf(e.dtype) !== null) contents.tensors.set(e.name, fromBuffer(decodeFloats(e.dtype, view, at, count), e.shape, { backend: 'js' })); // read on the host, whatever the default backend
    else contents.others.set(e.name, { dtype: e.dtype, shape: e.shape, values: decodeRaw(e.dtype, view, at, count) });
  }
  return contents;
}

/** The file's bytes as a Uint8Array; anything else (a path, a string) is refused by name. */
function asBytes(who: string, bytes: unknown): Uint8Array {
  const tag = Object.prototype.toString.call(bytes);
  if (tag === '[object Uint8Array]') return bytes as Uint8Array;
  if (tag === '[object ArrayBuffer]') return new Uint8Array(bytes as ArrayBuffer);
  const hint = typeof bytes === 'string' ? ' (to read a file by its path, use loadWeights from @matgrad/nn/node)' : '';
  throw new TypeError(`${who}: expected the file's bytes as a Uint8Array or an ArrayBuffer, got ${describeValue(bytes)}${hint}`);
}

/**
 * Loads safetensors bytes into a module's parameters and buffers, in place. The bytes are
 * checked in full, then every expected name, shape and dtype, before anything is written:
 * on any error the module is unchanged. Integer and boolean tensors the model has no place
 * for (such as a checkpoint's counters) are skipped and reported; a float tensor the model
 * does not have is an error, as in PyTorch's strict `load_state_dict`, unless `strict: false`.
 * Floats of another dtype than the model's load only with `cast: true`.
 *
 * @example
 * const { metadata } = fromSafetensors(model, bytes);
 * fromSafetensors(model, bytesFromPyTorch, { layout: 'pytorch', cast: true }); // e.g. F16 weights into a float32 MLP
 */
export function fromSafetensors(model: Module, bytes: Uint8Array | ArrayBuffer, options: LoadOptions = {}): LoadReport {
  const who = 'fromSafetensors';
  if (!(model instanceof Module)) throw new TypeError(`${who}: the first argument must be a Module (e.g. an MLP), got ${describeValue(model)}`);
  const data = asBytes(who, bytes);
  if (options === null || typeof options !== 'object') throw new TypeError(`${who}: options must be an object such as { layout, cast }, got ${describeValue(options)}`);
  const { layout = 'matgrad', cast = false, strict = true } = options;
  checkLayoutName(who, layout);
  for (const [name, value] of [['cast', cast], ['strict', strict]] as const) {
    if (typeof value !== 'boolean') throw new TypeError(`${who}: ${name} must be true or false, got ${describeValue(value)}`);
  }
  const contents = readSafetensors(data);
  const plan = layoutOf(model, layout);
  const { state, counts, problems, used } = matchLayout(plan, contents, cast);
  const skipped: SkippedTensor[] = [];
  for (const [name, dtype] of contents.dtypes) {
    if (used.has(name)) continue;
    const float = contents.tensors.get(name);
    if (float !== undefined && strict) {
      problems.push(`'${name}' (${dtype}) is not an entry of this ${model.constructor.name} (pass { strict: false } to skip it)`);
    } else {
      skipped.push({ name, dtype, shape: [...(float?.shape ?? contents.others.get(name)!.shape)] });
    }
  }
  if (problems.length > 0) throw new Error(`${who}: nothing was loaded: ${problems.join('; ')}`);
  model.loadStateDict(state);
  for (const [module, count] of counts) module.numBatchesTracked = count;
  return { metadata: contents.metadata, skipped };
}

/** The file's tensors under the model's names, converted and transposed as the layout says,
 *  with every mismatch collected rather than thrown. */
function matchLayout(plan: Layout, contents: SafetensorsContents, cast: boolean) {
  const state = new Map<string, Tensor>();
  const counts = new Map<BatchNorm1d, number>();
  const problems: string[] = [];
  const used = new Set<string>();
  for (const entry of plan) {
    used.add(entry.fileName);
    if (entry.kind === 'counter') {
      const count = counterOf(entry.fileName, contents, problems);
      if (count !== null) counts.set(entry.module, count);
      continue;
    }
    const { fileName, modelName, tensor: target, transposed } = entry;
    const label = fileName === modelName ? `'${fileName}'` : `'${fileName}' (${modelName})`;
    const expectedShape = transposed ? [target.shape[1]!, target.shape[0]!] : [...target.shape];
    const expectedDtype = safetensorsDTypeOf(target.dtype);
    const expected = `${expectedDtype} ${formatShape(expectedShape)}`;
    const dtype = contents.dtypes.get(fileName);
    const source = contents.tensors.get(fileName);
    if (dtype === undefined) {
      problems.push(`${label} is missing (expected ${expected})`);
    } else if (source === undefined) {
      problems.push(`${label} is ${dtype} in the file; expected ${expected} (integer, boolean and 8-bit float tensors are not converted)`);
    } else if (!sameShape(source.shape, expectedShape)) {
      problems.push(`${label} is ${dtype} ${formatShape(source.shape)}, expected ${expected}`);
    } else if (dtype !== expectedDtype && !cast) {
      problems.push(`${label} is ${dtype} ${formatShape(source.shape)}, expected ${expected} (pass { cast: true } to convert it)`);
    } else {
      let values: FloatArray = source.values();
      if (source.dtype !== target.dtype) values = target.dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
      if (transposed) values = transposeMatrix(values, expectedShape[0]!, expectedShape[1]!);
      state.set(modelName, fromBuffer(values, target.shape, { backend: target.backend }));
    }
  }
  return { state, counts, problems, used };
}

/** A BatchNorm1d's count of batches (PyTorch's num_batches_tracked, an I64 scalar); files
 *  from PyTorch before 0.4.1 have none, and as it changes no output, it may be absent. */
function counterOf(fileName: string, contents: SafetensorsContents, problems: string[]): number | null {
  const dtype = contents.dtypes.get(fileName);
  if (dtype === undefined) return null;
  const raw = contents.others.get(fileName);
  const scalar = raw !== undefined && raw.dtype === 'I64' && raw.shape.length === 0;
  const value = scalar ? Number(raw.values[0]) : NaN;
  if (Number.isSafeInteger(value) && value >= 0) return value;
  const shape = contents.tensors.get(fileName)?.shape ?? raw?.shape ?? [];
  problems.push(`'${fileName}' is ${dtype} ${formatShape(shape)}${scalar ? ` holding ${raw.values[0]}` : ''}, expected an I64 scalar ≥ 0 (BatchNorm1d's count of batches)`);
  return null;
}
