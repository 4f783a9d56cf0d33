import type { DType, FloatArray } from '@matgrad/core';

/**
 * The element types a safetensors file may name. Floating-point tensors of the first four
 * become `Tensor`s when read; the others are returned as typed arrays (`RawTensor`), since a
 * matgrad tensor holds float32 or float64 only.
 */
export type SafetensorsDType =
  | 'F64' | 'F32' | 'F16' | 'BF16'
  | 'F8_E5M2' | 'F8_E4M3'
  | 'I64' | 'I32' | 'I16' | 'I8'
  | 'U64' | 'U32' | 'U16' | 'U8'
  | 'BOOL';

/** The typed array that holds the values of a tensor that is not a float tensor. For `BOOL`
 *  it is a `Uint8Array` of 0 and 1; for `F8_E5M2` and `F8_E4M3`, the raw bytes. */
export type RawValues = BigInt64Array | BigUint64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

/** A tensor of a file that a matgrad `Tensor` cannot hold (integers, booleans, 8-bit floats):
 *  its dtype, shape and row-major values. */
export interface RawTensor {
  /** The element type in the file. */
  dtype: SafetensorsDType;
  /** The tensor's shape. */
  shape: number[];
  /** The elements, row-major. */
  values: RawValues;
}

/** Bytes per element of every dtype the format names, so any valid file can be checked. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDType, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};

/** The float dtypes read into a `Tensor`; every F16 and BF16 value is exact in float32. */
const TENSOR_DTYPE: Partial<Record<SafetensorsDType, DType>> = { F64: 'float64', F32: 'float32', F16: 'float32', BF16: 'float32' };

export function isSafetensorsDType(value: unknown): value is SafetensorsDType {
  return typeof value === 'string' && Object.hasOwn(DTYPE_BYTES, value);
}

/** The matgrad dtype a float tensor of the file is read as; null for a dtype that stays raw. */
export function tensorDTypeOf(dtype: SafetensorsDType): DType | null {
  return TENSOR_DTYPE[dtype] ?? null;
}

/** The safetensors name of a matgrad dtype. */
export function safetensorsDTypeOf(dtype: DType): 'F32' | 'F64' {
  return dtype === 'float32' ? 'F32' : 'F64';
}

const F32_BITS = new Uint32Array(1);
const F32_VIEW = new Float32Array(F32_BITS.buffer);

/** IEEE half precision: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 is the upper half of a float32. */
function bfloat16ToNumber(bits: number): number {
  F32_BITS[0] = bits << 16;
  return F32_VIEW[0]!;
}

/** Reads `count` float elements of `dtype` at `at` into a float array of the matching matgrad dtype. */
export function decodeFloats(dtype: SafetensorsDType, view: DataView, at: number, count: number): FloatArray {
  switch (dtype) {
    case 'F64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(at + 8 * i, true);
      return out;
    }
    case 'F32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(at + 4 * i, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToNumber(view.getUint16(at + 2 * i, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = bfloat16ToNumber(view.getUint16(at + 2 * i, true));
      return out;
    }
    default:
      throw new TypeError(`decodeFloats: ${dtype} is not read as a Tensor`);
  }
}

/** Reads `count` elements of a dtype that stays raw into their typed array. */
export function decodeRaw(dtype: SafetensorsDType, view: DataView, at: number, count: number): RawValues {
  const read = <A extends RawValues>(out: A, get: (offset: number) => number | bigint): A => {
    const size = DTYPE_BYTES[dtype];
    for (let i = 0; i < count; i++) out[i] = get(at + size * i) as never;
    return out;
  };
  switch (dtype) {
    case 'I64':
      return read(new BigInt64Array(count), (o) => view.getBigInt64(o, true));
    case 'U64':
      return read(new BigUint64Array(count), (o) => view.getBigUint64(o, true));
    case 'I32':
      return read(new Int32Array(count), (o) => view.getInt32(o, true));
    case 'U32':
      return read(new Uint32Array(count), (o) => view.getUint32(o, true));
    case 'I16':
      return read(new Int16Array(count), (o) => view.getInt16(o, true));
    case 'U16':
      return read(new Uint16Array(count), (o) => view.getUint16(o, true));
    case 'I8':
      return read(new Int8Array(count), (o) => view.getInt8(o));
    case 'U8':
    case 'BOOL':
    case 'F8_E5M2':
    case 'F8_E4M3':
      return read(new Uint8Array(count), (o) => view.getUint8(o));
    default:
      throw new TypeError(`decodeRaw: ${dtype} is read as a Tensor`);
  }
}

/** The typed array each raw dtype is held in, for checking values handed to the writer. */
const RAW_ARRAY: Partial<Record<SafetensorsDType, new (length: number) => RawValues>> = {
  I64: BigInt64Array, U64: BigUint64Array, I32: Int32Array, U32: Uint32Array, I16: Int16Array, U16: Uint16Array, I8: Int8Array,
  U8: Uint8Array, BOOL: Uint8Array, F8_E5M2: Uint8Array, F8_E4M3: Uint8Array,
};

export function rawArrayMatches(dtype: SafetensorsDType, values: unknown): boolean {
  const Expected = RAW_ARRAY[dtype];
  return Expected !== undefined && values instanceof Expected && values.constructor === Expected;
}

export function rawArrayName(dtype: SafetensorsDType): string {
  return RAW_ARRAY[dtype]?.name ?? 'none (a float dtype is written from a Tensor)';
}

/** Writes raw values little-endian at `at`; `values` already matches `dtype`. */
export function encodeRaw(dtype: SafetensorsDType, values: RawValues, view: DataView, at: number): void {
  const size = DTYPE_BYTES[dtype];
  for (let i = 0; i < values.length; i++) {
    const offset = at + size * i;
    const v = values[i]!;
    switch (dtype) {
      case 'I64':
        view.setBigInt64(offset, v as bigint, true);
        break;
      case 'U64':
        view.setBigUint64(offset, v as bigint, true);
        break;
      case 'I32':
        view.setInt32(offset, v as number, true);
        break;
      case 'U32':
        view.setUint32(offset, v as number, true);
        break;
      case 'I16':
        view.setInt16(offset, v as number, true);
        break;
      case 'U16':
        view.setUint16(offset, v as number, true);
        break;
      case 'I8':
        view.setInt8(offset, v as number);
        break;
      default:
        view.setUint8(offset, v as number);
    }
  }
}
