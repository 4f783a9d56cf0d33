import { tensor, type Tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { fromSafetensors, MAX_HEADER_BYTES, MLP, readSafetensors, toSafetensors } from '../src/index.js';
import { snapshot } from './helpers.js';


/** A file with the given header text (padded with spaces to 8 bytes) and data section. */
function craft(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = new TextEncoder().encode(header.padEnd(Math.ceil(header.length / 8) * 8, ' '));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

function split(bytes: Uint8Array): { header: string; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd(), data: bytes.subarray(8 + n) };
}

/** The same file with its header edited (as text, so keys like __proto__ survive). */
function tamper(bytes: Uint8Array, edit: (header: string) => string): Uint8Array {
  const { header, data } = split(bytes);
  return craft(edit(header), data);
}

function tamperJson(bytes: Uint8Array, edit: (header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void): Uint8Array {
  return tamper(bytes, (text) => {
    const header = JSON.parse(text);
    edit(header);
    return JSON.stringify(header);
  });
}

describe('toSafetensors / fromSafetensors', () => {
  it('round-trips parameters and buffers, float32 and float64, with metadata', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const a = new MLP({ sizes: [3, 4, 2], batchNorm: true, dtype, seed: 1 });
      a.forward(tensor([[1, 2, 3], [4, 5, 7]], { dtype })); // moves BatchNorm's running statistics
      const b = new MLP({ sizes: [3, 4, 2], batchNorm: true, dtype, seed: 2 });
      const bytes = toSafetensors(a, { metadata: { epoch: '3' } });
      expect(fromSafetensors(b, bytes)).toEqual({ metadata: { epoch: '3' }, skipped: [] });
      expect(snapshot(b)).toEqual(snapshot(a));
    }
  });

  it('writes the layout of the format: u64 header length, space-padded JSON, packed little-endian data', () => {
    const model = new MLP({ sizes: [2, 3], dtype: 'float32', seed: 1 });
    const bytes = toSafetensors(model);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const { header, data } = split(bytes);
    expect(JSON.parse(header)).toEqual({
      'layers.0.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
      'layers.0.bias': { dtype: 'F32', shape: [3], data_offsets: [24, 36] },
    });
    expect(data.length).toBe(36);
    expect(new DataView(data.buffer, data.byteOffset).getFloat32(4, true)).toBe(model.parameters()[0]!.values()[1]);
  });

  // Written from the format description, byte by byte: a = F32 [1.5, −2], b = F64 [[0.25]].
  const header =
    '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[1,1],"data_offsets":[8,16]}}';
  const fixture = Uint8Array.from([
    0x90, 0, 0, 0, 0, 0, 0, 0, // 144: the header's 141 bytes and 3 spaces
    ...new TextEncoder().encode(header + '   '),
    0x00, 0x00, 0xc0, 0x3f, // 1.5 as float32, little-endian
    0x00, 0x00, 0x00, 0xc0, // −2
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x3f, // 0.25 as float64
  ]);

  it('reads a file written by hand from the format description', () => {
    const { tensors, metadata } = readSafetensors(fixture);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(['a', 'b']);
    expect(tensors.get('a')!.dtype).toBe('float32');
    expect(tensors.get('a')!.toArray()).toEqual([1.5, -2]);
    expect(tensors.get('b')!.dtype).toBe('float64');
    expect(tensors.get('b')!.toArray()).toEqual([[0.25]]);
  });

  it('writes that same file, byte for byte', () => {
    const tensors = new Map<string, Tensor>([
      ['a', tensor([1.5, -2], { dtype: 'float32' })],
      ['b', tensor([[0.25]])],
    ]);
    expect(toSafetensors(tensors, { metadata: { format: 'pt' } })).toEqual(fixture);
  });
});

describe('loading a bad file leaves the model unchanged', () => {
  const good = toSafetensors(new MLP({ sizes: [3, 4, 2], seed: 9 }));

  function rejects(bytes: Uint8Array, message: string | RegExp): void {
    const model = new MLP({ sizes: [3, 4, 2], seed: 1 });
    const before = snapshot(model);
    expect(() => fromSafetensors(model, bytes)).toThrow(message);
    expect(snapshot(model)).toEqual(before);
  }

  it('a good file does change it (the control)', () => {
    const model = new MLP({ sizes: [3, 4, 2], seed: 1 });
    const before = snapshot(model);
    fromSafetensors(model, good);
    expect(snapshot(model)).not.toEqual(before);
  });

  it('truncated files', () => {
    rejects(good.subarray(0, 5), 'readSafetensors: the file is 5 bytes, too short for the 8-byte header length');
    rejects(good.subarray(0, 40), /the header length \d+ runs past the end of the file \(40 bytes\): truncated/);
    rejects(good.subarray(0, good.length - 4), /tensor 'layers.2.bias' has data_offsets \[192, 208\] beyond the data section of 204 bytes/);
  });

  it('oversized headers', () => {
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES) + 1n, true);
    rejects(huge, `the header length ${MAX_HEADER_BYTES + 1} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    rejects(huge, /the header length 18446744073709551615 exceeds the limit/);
    new DataView(huge.buffer).setBigUint64(0, BigInt(good.length), true);
    rejects(huge, /runs past the end of the file/);
  });

  it('wrong shapes, dtypes, missing and unexpected names, each named', () => {
    rejects(toSafetensors(new MLP({ sizes: [3, 5, 2], seed: 1 })), "fromSafetensors: nothing was loaded: 'layers.0.weight' is F64 [3,5], expected F64 [3,4]");
    rejects(toSafetensors(new MLP({ sizes: [3, 4, 2], dtype: 'float32', seed: 1 })), "'layers.2.bias' is F32 [2], expected F64 [2] (pass { cast: true } to convert it)");
    const partial = new MLP({ sizes: [3, 4, 2], seed: 1 }).stateDict();
    partial.delete('layers.0.bias');
    partial.set('extra', tensor([1]));
    rejects(toSafetensors(partial), /'layers.0.bias' is missing \(expected F64 \[4\]\).*'extra' \(F64\) is not an entry of this MLP/);
  });

  it('hostile headers: prototype keys, overlapping or out-of-range offsets', () => {
    const polluted = (): unknown => (Object.prototype as Record<string, unknown>).dtype;
    rejects(tamper(good, (h) => h.replace('"layers.2.bias"', '"__proto__"')), /the header is not valid JSON: the key "__proto__" is not allowed/);
    rejects(tamper(good, (h) => h.replace('"layers.2.bias"', '"constructor"')), /the key "constructor" is not allowed/);
    rejects(tamper(good, (h) => h.replace('{"dtype":"F64","shape":[2]', '{"__proto__":{"dtype":"F64"},"shape":[2]')), /the key "__proto__" is not allowed/);
    expect(polluted()).toBeUndefined();
    rejects(tamperJson(good, (h) => (h['layers.0.bias']!.data_offsets = [80, 112])), "tensors 'layers.0.weight' [0, 96] and 'layers.0.bias' [80, 112] overlap");
    rejects(tamperJson(good, (h) => (h['layers.2.bias']!.data_offsets = [300, 316])), "tensor 'layers.2.bias' has data_offsets [300, 316] beyond the data section of 208 bytes");
    rejects(tamperJson(good, (h) => (h['layers.2.bias']!.data_offsets = [-16, 0])), /data_offsets \[-16,0\]; expected \[begin, end\] with 0 ≤ begin ≤ end/);
    rejects(tamperJson(good, (h) => (h['layers.2.bias']!.data_offsets = [208, 192])), /data_offsets \[208,192\]/);
    rejects(tamperJson(good, (h) => (h['layers.2.bias']!.data_offsets = [192, 200])), "tensor 'layers.2.bias' (F64 [2]) needs 16 bytes but data_offsets [192, 200] span 8");
    rejects(tamperJson(good, (h) => (h['layers.2.bias']!.shape = [2.5])), /shape \[2.5\]; expected an array of non-negative integers/);
    rejects(tamperJson(good, (h) => (h['layers.2.bias']!.dtype = 'F65')), `tensor 'layers.2.bias' has an unknown dtype "F65"`);
    rejects(tamperJson(good, (h) => delete h['layers.2.bias']), 'the data section has 208 bytes but the tensors account for 192');
    rejects(tamperJson(good, (h) => delete h['layers.0.weight']), "bytes [0, 96) before tensor 'layers.0.bias' belong to no tensor");
  });

  it('headers that are not a JSON object of entries', () => {
    rejects(craft('{"a": '), /the header is not valid JSON/);
    rejects(craft('[1, 2]'), 'readSafetensors: the header must be a JSON object');
    rejects(craft('{"a": 5}'), "tensor 'a' must be an object { dtype, shape, data_offsets }");
    rejects(craft('{"__metadata__": {"epoch": 3}}'), `__metadata__ 'epoch' must be a string, got 3`);
    const invalidUtf8 = craft('{}        ');
    invalidUtf8[9] = 0xff;
    rejects(invalidUtf8, 'readSafetensors: the header is not valid UTF-8');
  });
});

describe('headers the reference reader refuses, and sizes checked before anything is allocated', () => {
  const good = toSafetensors(new MLP({ sizes: [3, 4, 2], seed: 9 }));

  it('integers written with a fraction, an exponent or a sign, in shapes and offsets', () => {
    for (const token of ['2.0', '2e0', '0.2e1', '20E-1']) {
      const shape = tamper(good, (h) => h.replace('"layers.2.bias":{"dtype":"F64","shape":[2]', `"layers.2.bias":{"dtype":"F64","shape":[${token}]`));
      expect(() => readSafetensors(shape)).toThrow(`readSafetensors: tensor 'layers.2.bias' has ${token} in shape; expected a non-negative integer without a fraction, exponent or sign`);
    }
    const offsets = tamper(good, (h) => h.replace('"data_offsets":[192,208]', '"data_offsets":[192.0,208]'));
    expect(() => readSafetensors(offsets)).toThrow("readSafetensors: tensor 'layers.2.bias' has 192.0 in data_offsets");
    expect(() => readSafetensors(tamper(good, (h) => h.replace('"data_offsets":[0,96]', '"data_offsets":[-0,96]')))).toThrow("tensor 'layers.0.weight' has -0 in data_offsets");
    // The same numbers elsewhere are not the format's business (the reference ignores unknown fields).
    expect(() => readSafetensors(tamper(good, (h) => h.replace('"shape":[2]', '"shape":[2],"note":[2.0]')))).not.toThrow();
    expect(() => readSafetensors(tamper(good, (h) => h.replace('{', '{"__metadata__":{"a":"[2.0]"},')))).not.toThrow();
  });

  it('a shape of more than 64 axes, refused from a small file without building it', () => {
    const deep = craft(`{"x":{"dtype":"F32","shape":[2,${Array(3000).fill(1).join(',')}],"data_offsets":[0,8]}}`, new Uint8Array(8));
    expect(deep.length).toBeLessThan(7000);
    expect(() => readSafetensors(deep)).toThrow("readSafetensors: tensor 'x' has 3001 axes; at most 64 are allowed");
    const rank64 = craft(`{"x":{"dtype":"F32","shape":[2,${Array(63).fill(1).join(',')}],"data_offsets":[0,8]}}`, new Uint8Array(8));
    expect(readSafetensors(rank64).tensors.get('x')!.shape).toHaveLength(64);
  });

  it('sizes that the file cannot hold, refused before any allocation, however large', () => {
    for (const shape of ['[1000000,1000000]', '[9007199254740991,9007199254740991]', '[4294967296,4294967296,4294967296]']) {
      const huge = craft(`{"x":{"dtype":"F64","shape":${shape},"data_offsets":[0,8]}}`, new Uint8Array(8));
      expect(() => readSafetensors(huge)).toThrow(`readSafetensors: tensor 'x' (F64 ${shape.replace(/,/g, ',')}) needs more bytes than the data section's 8`);
    }
    const empty = craft('{"x":{"dtype":"F64","shape":[0,9007199254740991],"data_offsets":[0,0]}}');
    expect(readSafetensors(empty).tensors.get('x')!.shape).toEqual([0, 9007199254740991]);
  });

  it('what is not bytes is named, not read as an empty file', () => {
    expect(() => readSafetensors('abc' as never)).toThrow(
      `readSafetensors: expected the file's bytes as a Uint8Array or an ArrayBuffer, got the string "abc" (to read a file by its path, use loadWeights from @matgrad/nn/node)`,
    );
    expect(() => readSafetensors(undefined as never)).toThrow("readSafetensors: expected the file's bytes as a Uint8Array or an ArrayBuffer, got undefined");
    expect(() => readSafetensors(new Float32Array(4) as never)).toThrow('got a Float32Array');
    expect(() => fromSafetensors(new MLP({ sizes: [3, 4, 2], seed: 9 }), [1, 2, 3] as never)).toThrow('fromSafetensors: expected the file\'s bytes as a Uint8Array or an ArrayBuffer, got an array of 3');
    expect(() => fromSafetensors({} as never, good)).toThrow('fromSafetensors: the first argument must be a Module (e.g. an MLP), got an object');
    expect(() => fromSafetensors(new MLP({ sizes: [3, 4, 2], seed: 9 }), good, { layout: 'torch' as never })).toThrow(`fromSafetensors: layout must be 'matgrad' or 'pytorch', got the string "torch"`);
    expect(() => fromSafetensors(new MLP({ sizes: [3, 4, 2], seed: 9 }), good, { cast: 'yes' as never })).toThrow('fromSafetensors: cast must be true or false, got the string "yes"');
    expect(readSafetensors(good.slice().buffer as ArrayBuffer).tensors.size).toBe(4);
  });
});

describe('toSafetensors input checks', () => {
  it('refuses names and metadata the format cannot carry', () => {
    expect(() => toSafetensors({ __metadata__: tensor([1]) })).toThrow('toSafetensors: "__metadata__" cannot be a tensor name');
    expect(() => toSafetensors(new Map([['constructor', tensor([1])]]))).toThrow(/"constructor" cannot be a tensor name/);
    expect(() => toSafetensors({}, { metadata: { epoch: 3 as unknown as string } })).toThrow(/metadata 'epoch' must be a string/);
  });
});
