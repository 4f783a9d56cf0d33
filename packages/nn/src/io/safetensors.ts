import { fromBuffer, Tensor, type FloatArray } from '@matgrad/core';
import { Module } from '../module.js';
import { formatShape } from '../shapes.js';

/**
 * The safetensors layout (https://github.com/huggingface/safetensors): an unsigned 64-bit
 * little-endian header length N, N bytes of JSON mapping each tensor name to
 * `{ dtype, shape, data_offsets: [begin, end] }` (offsets into the data section) plus an
 * optional `__metadata__` of string → string, then the data section: every tensor's
 * elements, row-major, little-endian, packed back to back.
 */

/** Bytes per element of every dtype the format names, so any valid file can be checked. */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};

const METADATA = '__metadata__';
/** Keys that would reach Object.prototype if a parsed header were ever used as a plain object. */
const HOSTILE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** The reference implementation's bound on the header; anything larger is refused unread. */
export const MAX_HEADER_BYTES = 100_000_000;

export type TensorSource = Module | ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

export interface SafetensorsContents {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

function entriesOf(source: TensorSource): Array<[string, Tensor]> {
  if (source instanceof Module) return [...source.stateDict()];
  return source instanceof Map ? [...source] : Object.entries(source);
}

/** Serializes tensors (a module's parameters and buffers, by dotted name) to safetensors bytes. */
export function toSafetensors(source: TensorSource, options: { metadata?: Readonly<Record<string, string>> } = {}): Uint8Array {
  const entries = entriesOf(source);
  // No prototype: every name, whatever it is, becomes an own key of the JSON object.
  const header: Record<string, unknown> = Object.create(null);
  if (options.metadata !== undefined) {
    for (const [key, value] of Object.entries(options.metadata)) {
      if (typeof value !== 'string' || HOSTILE_KEYS.has(key)) {
        throw new TypeError(`toSafetensors: metadata '${key}' must be a string under a plain key (safetensors metadata maps strings to strings)`);
      }
    }
    header[METADATA] = { ...options.metadata };
  }
  let offset = 0;
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new TypeError(`toSafetensors: '${name}' is not a Tensor`);
    if (name === '' || name === METADATA || HOSTILE_KEYS.has(name)) throw new TypeError(`toSafetensors: ${JSON.stringify(name)} cannot be a tensor name`);
    const bytes = t.size * (t.dtype === 'float32' ? 4 : 8);
    header[name] = { dtype: t.dtype === 'float32' ? 'F32' : 'F64', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
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
  for (const [, t] of entries) {
    const values = t.values();
    if (t.dtype === 'float32') for (let i = 0; i < values.length; i++, at += 4) view.setFloat32(at, values[i]!, true);
    else for (let i = 0; i < values.length; i++, at += 8) view.setFloat64(at, values[i]!, true);
  }
  return out;
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses and checks safetensors bytes: the header length bounded and inside the buffer,
 * valid UTF-8 JSON, no prototype keys, every entry well formed, offsets in range, matching
 * the shape and dtype, and packed without overlaps or gaps. F32 and F64 tensors are returned
 * as copies; any other dtype is refused with its name.
 */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer, options: { maxHeaderBytes?: number } = {}): SafetensorsContents {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const maxHeader = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
  const fail = (why: string): never => {
    throw new Error(`readSafetensors: ${why}`);
  };
  if (data.length < 8) fail(`the file is ${data.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(maxHeader)) fail(`the header length ${declared} exceeds the limit of ${maxHeader} bytes`);
  const headerLength = Number(declared);
  if (8 + headerLength > data.length) fail(`the header length ${headerLength} runs past the end of the file (${data.length} bytes): truncated`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(8, 8 + headerLength));
  } catch {
    return fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text, (key, value: unknown) => {
      if (HOSTILE_KEYS.has(key)) throw new Error(`the key ${JSON.stringify(key)} is not allowed`);
      return value;
    });
  } catch (e) {
    return fail(`the header is not valid JSON: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header must be a JSON object');
  const record = header as Record<string, unknown>;
  const metadata = readMetadata(record[METADATA], fail);
  const entries = Object.keys(record)
    .filter((name) => name !== METADATA)
    .map((name) => readEntry(name, record[name], fail));
  const dataStart = 8 + headerLength;
  checkLayout(entries, data.length - dataStart, fail);
  const tensors = new Map<string, Tensor>();
  for (const e of entries) tensors.set(e.name, decode(e, view, dataStart, fail));
  return { tensors, metadata };
}

function readMetadata(value: unknown, fail: (why: string) => never): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (value === undefined) return metadata;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('__metadata__ must be an object of strings');
  for (const [key, v] of Object.entries(value as object)) {
    if (typeof v !== 'string') fail(`__metadata__ '${key}' must be a string, got ${JSON.stringify(v)}`);
    metadata[key] = v as string;
  }
  return metadata;
}

function readEntry(name: string, value: unknown, fail: (why: string) => never): Entry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`tensor '${name}' must be an object { dtype, shape, data_offsets }`);
  const info = value as Record<string, unknown>;
  const own = (key: string): unknown => (Object.hasOwn(info, key) ? info[key] : undefined);
  const dtype = own('dtype');
  const shape = own('shape');
  const offsets = own('data_offsets');
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) fail(`tensor '${name}' has an unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`tensor '${name}' has shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
    fail(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with 0 ≤ begin ≤ end`);
  }
  const [begin, end] = offsets as [number, number];
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  const expected = size * DTYPE_BYTES[dtype as string]!;
  if (end - begin !== expected) {
    fail(`tensor '${name}' (${dtype as string} ${formatShape(shape as number[])}) needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype: dtype as string, shape: shape as number[], begin, end };
}

/** Every entry inside the data section, no two overlapping, and no byte left unclaimed. */
function checkLayout(entries: Entry[], dataLength: number, fail: (why: string) => never): void {
  for (const e of entries) {
    if (e.end > dataLength) fail(`tensor '${e.name}' has data_offsets [${e.begin}, ${e.end}] beyond the data section of ${dataLength} bytes`);
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let previous: Entry | null = null;
  for (const e of sorted) {
    const reached = previous?.end ?? 0;
    if (e.begin < reached) fail(`tensors '${previous!.name}' [${previous!.begin}, ${previous!.end}] and '${e.name}' [${e.begin}, ${e.end}] overlap`);
    if (e.begin > reached) fail(`bytes [${reached}, ${e.begin}) before tensor '${e.name}' belong to no tensor`);
    previous = e;
  }
  const covered = previous?.end ?? 0;
  if (covered !== dataLength) fail(`the data section has ${dataLength} bytes but the tensors account for ${covered}`);
}

function decode(e: Entry, view: DataView, dataStart: number, fail: (why: string) => never): Tensor {
  if (e.dtype !== 'F32' && e.dtype !== 'F64') fail(`tensor '${e.name}' has dtype ${e.dtype}; matgrad reads F32 and F64`);
  const at = dataStart + e.begin;
  let values: FloatArray;
  if (e.dtype === 'F32') {
    values = new Float32Array((e.end - e.begin) / 4);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(at + 4 * i, true);
  } else {
    values = new Float64Array((e.end - e.begin) / 8);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat64(at + 8 * i, true);
  }
  return fromBuffer(values, e.shape);
}

/**
 * Loads safetensors bytes into a module's parameters and buffers, in place. The bytes are
 * checked in full, then every expected name, shape and dtype, before anything is written:
 * on any error the module is unchanged. Returns the file's metadata.
 */
export function fromSafetensors(model: Module, bytes: Uint8Array | ArrayBuffer): Record<string, string> {
  const { tensors, metadata } = readSafetensors(bytes);
  model.loadStateDict(tensors);
  return metadata;
}
