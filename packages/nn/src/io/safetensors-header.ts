import { formatShape } from '../shapes.js';
import { DTYPE_BYTES, isSafetensorsDType, type SafetensorsDType } from './dtypes.js';

/**
 * Reading and checking the header of a safetensors file
 * (https://github.com/huggingface/safetensors): an unsigned 64-bit little-endian length N,
 * then N bytes of JSON mapping each tensor name to `{ dtype, shape, data_offsets: [begin,
 * end] }` (offsets into the data section that follows) plus an optional `__metadata__` of
 * string → string.
 */

export const METADATA_KEY = '__metadata__';
/** Keys that would reach Object.prototype if a parsed header were ever used as a plain object. */
export const HOSTILE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** The reference implementation's bound on the header; anything larger is refused unread. */
export const MAX_HEADER_BYTES = 100_000_000;
/** The most axes a tensor of a file may have (numpy's bound): a header cannot make the
 *  reader build a shape of thousands of axes. */
export const MAX_RANK = 64;

export interface HeaderEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

export interface Header {
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  /** Where the data section starts in the file. */
  dataStart: number;
}

export type Fail = (why: string) => never;

/** Parses and checks the header of `data` in full: nothing of the data section is touched. */
export function readHeader(data: Uint8Array, maxHeaderBytes: number, fail: Fail): Header {
  if (data.length < 8) fail(`the file is ${data.length} bytes, too short for the 8-byte header length`);
  const declared = new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(0, true);
  if (declared > BigInt(maxHeaderBytes)) fail(`the header length ${declared} exceeds the limit of ${maxHeaderBytes} bytes`);
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
  const metadata = readMetadata(record[METADATA_KEY], fail);
  const dataLength = data.length - 8 - headerLength;
  const entries = Object.keys(record)
    .filter((name) => name !== METADATA_KEY)
    .map((name) => readEntry(name, record[name], dataLength, fail));
  checkIntegerTokens(text, fail);
  checkLayout(entries, dataLength, fail);
  return { entries, metadata, dataStart: 8 + headerLength };
}

/**
 * JSON.parse reads `2.0`, `2e0` and `-0` as the integers 2 and 0, but the reference reader
 * (serde, into unsigned integers) refuses them in a shape or in data_offsets; so the raw text
 * of every number there is checked. The text has already parsed as JSON, so this walk only
 * tracks where it is: the tensor name, then the field, then the array.
 */
function checkIntegerTokens(text: string, fail: Fail): void {
  type Frame = { array: true } | { array: false; key: string | null };
  const stack: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '{' || c === '[') {
      stack.push(c === '[' ? { array: true } : { array: false, key: null });
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      let k = j + 1;
      while (k < text.length && /\s/.test(text[k]!)) k++;
      if (top !== undefined && !top.array && text[k] === ':') top.key = JSON.parse(text.slice(i, j + 1)) as string;
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i;
      while (j < text.length && /[-+.eE0-9]/.test(text[j]!)) j++;
      const token = text.slice(i, j);
      const [entry, field, list] = stack;
      if (
        stack.length === 3 && entry !== undefined && !entry.array && entry.key !== METADATA_KEY &&
        field !== undefined && !field.array && (field.key === 'shape' || field.key === 'data_offsets') &&
        list?.array === true && !/^(0|[1-9][0-9]*)$/.test(token)
      ) {
        fail(`tensor '${entry.key}' has ${token} in ${field.key}; expected a non-negative integer without a fraction, exponent or sign`);
      }
      i = j;
    } else {
      i++;
    }
  }
}

function readMetadata(value: unknown, fail: Fail): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (value === undefined) return metadata;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('__metadata__ must be an object of strings');
  for (const [key, v] of Object.entries(value as object)) {
    if (typeof v !== 'string') fail(`__metadata__ '${key}' must be a string, got ${JSON.stringify(v)}`);
    metadata[key] = v as string;
  }
  return metadata;
}

/** One entry, with its byte count checked against the data section before anything is sized from it. */
function readEntry(name: string, value: unknown, dataLength: number, fail: Fail): HeaderEntry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`tensor '${name}' must be an object { dtype, shape, data_offsets }`);
  const info = value as Record<string, unknown>;
  const own = (key: string): unknown => (Object.hasOwn(info, key) ? info[key] : undefined);
  const dtype = own('dtype');
  const shape = own('shape');
  const offsets = own('data_offsets');
  if (!isSafetensorsDType(dtype)) fail(`tensor '${name}' has an unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
  if (!Array.isArray(shape)) fail(`tensor '${name}' has shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
  const dims = shape as unknown[];
  if (dims.length > MAX_RANK) fail(`tensor '${name}' has ${dims.length} axes; at most ${MAX_RANK} are allowed`);
  if (!dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    fail(`tensor '${name}' has shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
    fail(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with 0 ≤ begin ≤ end`);
  }
  const typed = dtype as SafetensorsDType;
  const sizes = dims as number[];
  const [begin, end] = offsets as [number, number];
  const bytesPerElement = DTYPE_BYTES[typed];
  // Multiplied step by step and stopped at the data section's size, so a shape such as
  // [1e15, 1e15] is refused here, exactly, and never reaches an allocation.
  let elements = sizes.includes(0) ? 0 : 1;
  for (const d of sizes) {
    elements *= d;
    if (elements * bytesPerElement > dataLength) {
      fail(`tensor '${name}' (${typed} ${formatShape(sizes)}) needs more bytes than the data section's ${dataLength}`);
    }
  }
  const expected = elements * bytesPerElement;
  if (end - begin !== expected) {
    fail(`tensor '${name}' (${typed} ${formatShape(sizes)}) needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype: typed, shape: sizes, begin, end };
}

/** Every entry inside the data section, no two overlapping, and no byte left unclaimed. */
function checkLayout(entries: HeaderEntry[], dataLength: number, fail: Fail): void {
  for (const e of entries) {
    if (e.end > dataLength) fail(`tensor '${e.name}' has data_offsets [${e.begin}, ${e.end}] beyond the data section of ${dataLength} bytes`);
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let previous: HeaderEntry | null = null;
  for (const e of sorted) {
    const reached = previous?.end ?? 0;
    if (e.begin < reached) fail(`tensors '${previous!.name}' [${previous!.begin}, ${previous!.end}] and '${e.name}' [${e.begin}, ${e.end}] overlap`);
    if (e.begin > reached) fail(`bytes [${reached}, ${e.begin}) before tensor '${e.name}' belong to no tensor`);
    previous = e;
  }
  const covered = previous?.end ?? 0;
  if (covered !== dataLength) fail(`the data section has ${dataLength} bytes but the tensors account for ${covered}`);
}
