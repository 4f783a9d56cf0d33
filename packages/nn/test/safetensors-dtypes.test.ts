import { tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { fromSafetensors, MLP, readSafetensors, toSafetensors, type SafetensorsDType } from '../src/index.js';
import { snapshot } from './helpers.js';

/** A safetensors file built byte by byte from the format's description: tensors packed in
 *  the order given, each with its little-endian bytes. */
function file(entries: Array<{ name: string; dtype: SafetensorsDType; shape: number[]; bytes: number[] }>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata === undefined ? {} : { __metadata__: metadata };
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  const text = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(text.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset).fill(0x20, 8 + text.length, 8 + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(text, 8);
  out.set(entries.flatMap((e) => e.bytes), 8 + padded);
  return out;
}

/** Little-endian bytes of 16-bit patterns. */
const u16 = (...words: number[]) => words.flatMap((w) => [w & 0xff, w >> 8]);

describe('every safetensors dtype is read', () => {
  it('F16: normal, largest, subnormal, zero signs, infinities and NaN, exactly in float32', () => {
    const bytes = file([{ name: 'h', dtype: 'F16', shape: [8], bytes: u16(0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00) }]);
    const { tensors, dtypes } = readSafetensors(bytes);
    const h = tensors.get('h')!;
    expect(h.dtype).toBe('float32');
    expect(dtypes.get('h')).toBe('F16');
    expect([...h.values()]).toEqual([1, -2, 65504, 2 ** -24, -0, Infinity, -Infinity, NaN]);
    expect(Object.is(h.values()[4], -0)).toBe(true);
  });

  it('BF16: the upper half of a float32, subnormals included', () => {
    const bytes = file([{ name: 'b', dtype: 'BF16', shape: [2, 3], bytes: u16(0x3f80, 0xc020, 0x4049, 0x0001, 0x7f80, 0xff80) }]);
    const b = readSafetensors(bytes).tensors.get('b')!;
    expect(b.dtype).toBe('float32');
    expect(b.shape).toEqual([2, 3]);
    expect([...b.values()]).toEqual([1, -2.5, 3.140625, 2 ** -133, Infinity, -Infinity]);
  });

  it('integers and booleans come back as typed arrays, 64-bit ones as BigInt, every value exact', () => {
    const i64 = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0x20, 0]; // −1, 2⁵³ + 1
    const bytes = file([
      { name: 'steps', dtype: 'I64', shape: [2], bytes: i64 },
      { name: 'big', dtype: 'U64', shape: [], bytes: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff] },
      { name: 'i32', dtype: 'I32', shape: [1], bytes: [0xfb, 0xff, 0xff, 0xff] },
      { name: 'u32', dtype: 'U32', shape: [1], bytes: [0, 0, 0, 0x80] },
      { name: 'i16', dtype: 'I16', shape: [2], bytes: u16(0x8000, 0x7fff) },
      { name: 'u16', dtype: 'U16', shape: [1], bytes: u16(0xffff) },
      { name: 'i8', dtype: 'I8', shape: [2], bytes: [0x80, 0x7f] },
      { name: 'u8', dtype: 'U8', shape: [1, 2], bytes: [0, 255] },
      { name: 'mask', dtype: 'BOOL', shape: [3], bytes: [1, 0, 1] },
      { name: 'fp8', dtype: 'F8_E4M3', shape: [1], bytes: [0x38] },
    ]);
    const { tensors, others, dtypes } = readSafetensors(bytes);
    expect(tensors.size).toBe(0);
    expect([...dtypes.values()]).toEqual(['I64', 'U64', 'I32', 'U32', 'I16', 'U16', 'I8', 'U8', 'BOOL', 'F8_E4M3']);
    const values = Object.fromEntries([...others].map(([name, raw]) => [name, [...raw.values]]));
    expect(values).toEqual({
      steps: [-1n, 2n ** 53n + 1n],
      big: [2n ** 64n - 1n],
      i32: [-5],
      u32: [2 ** 31],
      i16: [-32768, 32767],
      u16: [65535],
      i8: [-128, 127],
      u8: [0, 255],
      mask: [1, 0, 1],
      fp8: [0x38],
    });
    expect(others.get('u8')!.shape).toEqual([1, 2]);
    expect(others.get('steps')!.values).toBeInstanceOf(BigInt64Array);
  });

  it('writes integer tensors given as typed arrays, and reads them back', () => {
    const bytes = toSafetensors({ w: tensor([1.5]), n: { dtype: 'I64', shape: [], values: BigInt64Array.of(7n) }, m: { dtype: 'BOOL', shape: [2], values: Uint8Array.of(1, 0) } });
    const { tensors, others } = readSafetensors(bytes);
    expect(tensors.get('w')!.toArray()).toEqual([1.5]);
    expect(others.get('n')).toEqual({ dtype: 'I64', shape: [], values: BigInt64Array.of(7n) });
    expect(others.get('m')).toEqual({ dtype: 'BOOL', shape: [2], values: Uint8Array.of(1, 0) });
    expect(() => toSafetensors({ n: { dtype: 'I64', shape: [2], values: Int32Array.of(1, 2) } })).toThrow(
      "toSafetensors: 'n' (I64 [2]) needs a BigInt64Array of 2 values, got a Int32Array",
    );
    expect(() => toSafetensors({ n: { dtype: 'F16', shape: [1], values: Uint16Array.of(1) } })).toThrow(/'n' must be a Tensor or a \{ dtype, shape, values \} of an integer, BOOL or F8 dtype/);
  });
});

describe('loading float tensors of another dtype', () => {
  /** The weights of `model` re-encoded as `dtype` (F16 by hand: these values are exact in it). */
  function asHalf(model: MLP): Uint8Array {
    const entries = [...model.stateDict()].map(([name, t]) => ({
      name,
      dtype: 'F16' as const,
      shape: [...t.shape],
      bytes: u16(...[...t.values()].map(toHalfBits)),
    }));
    return file(entries);
  }

  /** Bits of a float16 for numbers that are exact in it (multiples of 1/64 in ±8 here). */
  function toHalfBits(x: number): number {
    if (x === 0) return Object.is(x, -0) ? 0x8000 : 0;
    const sign = x < 0 ? 0x8000 : 0;
    const a = Math.abs(x);
    const exponent = Math.floor(Math.log2(a));
    const fraction = a / 2 ** exponent - 1;
    return sign | ((exponent + 15) << 10) | Math.round(fraction * 1024);
  }

  function quantized(dtype: 'float32' | 'float64'): MLP {
    const model = new MLP({ sizes: [3, 4, 2], dtype, seed: 3 });
    for (const [, t] of model.stateDict()) t.assign(Array.from(t.values(), (v, i) => Math.round(v * 64) / 64 + (i % 3) / 8));
    return model;
  }

  it('refuses them unless { cast: true }, naming each tensor, and then converts exactly', () => {
    const source = quantized('float32');
    const half = asHalf(source);
    const model = new MLP({ sizes: [3, 4, 2], dtype: 'float32', seed: 9 });
    const before = snapshot(model);
    expect(() => fromSafetensors(model, half)).toThrow("fromSafetensors: nothing was loaded: 'layers.0.weight' is F16 [3,4], expected F32 [3,4] (pass { cast: true } to convert it)");
    expect(snapshot(model)).toEqual(before);
    fromSafetensors(model, half, { cast: true });
    expect(snapshot(model)).toEqual(snapshot(source));
  });

  it('casts F64 to float32 (rounding) and F32 to float64 (exact) only when asked', () => {
    const wide = new MLP({ sizes: [3, 4, 2], dtype: 'float64', seed: 4 });
    const narrow = new MLP({ sizes: [3, 4, 2], dtype: 'float32', seed: 5 });
    expect(() => fromSafetensors(narrow, toSafetensors(wide))).toThrow(/'layers.0.weight' is F64 \[3,4\], expected F32 \[3,4\] \(pass \{ cast: true \}/);
    fromSafetensors(narrow, toSafetensors(wide), { cast: true });
    expect(snapshot(narrow)).toEqual(snapshot(wide).map(([name, values]) => [name, [...Float32Array.from(values)]]));
    const back = new MLP({ sizes: [3, 4, 2], dtype: 'float64', seed: 6 });
    fromSafetensors(back, toSafetensors(narrow), { cast: true });
    expect(snapshot(back)).toEqual(snapshot(narrow));
  });

  it('an integer tensor the model has no place for is skipped and reported; one where a weight belongs is an error', () => {
    const model = new MLP({ sizes: [3, 4, 2], seed: 1 });
    const state: Record<string, unknown> = Object.fromEntries(new MLP({ sizes: [3, 4, 2], seed: 2 }).stateDict());
    state['step'] = { dtype: 'I64', shape: [], values: BigInt64Array.of(12n) };
    const report = fromSafetensors(model, toSafetensors(state as never, { metadata: { note: 'x' } }));
    expect(report.metadata).toEqual({ note: 'x' });
    expect(report.skipped).toEqual([{ name: 'step', dtype: 'I64', shape: [] }]);
    expect(snapshot(model)).toEqual(snapshot(new MLP({ sizes: [3, 4, 2], seed: 2 })));

    state['layers.0.bias'] = { dtype: 'I32', shape: [4], values: Int32Array.of(1, 2, 3, 4) };
    const other = new MLP({ sizes: [3, 4, 2], seed: 7 });
    const before = snapshot(other);
    expect(() => fromSafetensors(other, toSafetensors(state as never), { cast: true })).toThrow(
      "'layers.0.bias' is I32 in the file; expected F64 [4] (integer, boolean and 8-bit float tensors are not converted)",
    );
    expect(snapshot(other)).toEqual(before);
  });

  it('with strict: false, a float tensor the model has no place for is skipped and reported too; a missing one is still an error', () => {
    const state: Record<string, unknown> = Object.fromEntries(new MLP({ sizes: [3, 4, 2], seed: 2 }).stateDict());
    state['head.weight'] = tensor([[1, 2]], { dtype: 'float32' });
    const bytes = toSafetensors(state as never);
    const model = new MLP({ sizes: [3, 4, 2], seed: 1 });
    expect(() => fromSafetensors(model, bytes)).toThrow("'head.weight' (F32) is not an entry of this MLP (pass { strict: false } to skip it)");
    expect(fromSafetensors(model, bytes, { strict: false }).skipped).toEqual([{ name: 'head.weight', dtype: 'F32', shape: [1, 2] }]);
    expect(snapshot(model)).toEqual(snapshot(new MLP({ sizes: [3, 4, 2], seed: 2 })));
    delete state['layers.0.bias'];
    expect(() => fromSafetensors(model, toSafetensors(state as never), { strict: false })).toThrow("'layers.0.bias' is missing (expected F64 [4])");
  });
});
