import fc from 'fast-check';
import ndarray from 'ndarray';
import ops from 'ndarray-ops';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/backends/cpu/cpu-backend.js';
import type { BinaryKernel, UnaryKernel } from '../src/backends/backend.js';
import { jsKernels } from '../src/kernels/index.js';
import { rowMajorStrides } from '../src/shape.js';
import { BufferRef, Storage } from '../src/storage.js';

// The CPU backend's loops over strided views against ndarray-ops (the reference kernels:
// they compile their loops with new Function, so they stay out of the library itself).
const backend = new CpuBackend('reference-check', jsKernels);

/** A random strided window of a bigger buffer: permuted axes, steps, an offset, and
 *  broadcast (stride-0) axes where `broadcast` allows. */
const view = (shape: number[], broadcast: boolean) =>
  fc.record({
    perm: fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }),
    steps: fc.tuple(...shape.map(() => fc.integer({ min: 1, max: 2 }))),
    zero: fc.tuple(...shape.map(() => fc.boolean())),
    offset: fc.integer({ min: 0, max: 3 }),
    seed: fc.integer({ min: 1, max: 1000 }),
  }).map(({ perm, steps, zero, offset, seed }) => {
    // Lay out a bigger buffer in the permuted axis order, then read it back in shape order.
    const big = perm.map((p) => shape[p]! * steps[p]!);
    const bigStrides = rowMajorStrides(big);
    const strides = shape.map((_, axis) => (broadcast && zero[axis] ? 0 : bigStrides[perm.indexOf(axis)]! * steps[axis]!));
    const data = new Float64Array(offset + big.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i * 12.9898 + seed) * 3);
    return new Storage(new BufferRef(backend, data, 'float64', data.length, false), shape, strides, offset);
  });

function asNdarray(s: Storage) {
  return ndarray(s.ref.buffer<Float64Array>(), [...s.shape], [...s.strides], s.offset);
}

function reference(s: Storage, apply: (out: ndarray.NdArray, ...args: ndarray.NdArray[]) => void, ...inputs: Storage[]): number[] {
  const out = ndarray(new Float64Array(s.size), [...s.shape]);
  apply(out, ...inputs.map(asNdarray));
  return Array.from(out.data as Float64Array);
}

const shapes = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
const UNARY: Array<[UnaryKernel, (o: ndarray.NdArray, a: ndarray.NdArray) => void]> = [
  ['neg', ops.neg],
  ['exp', ops.exp],
  ['sqrt', ops.sqrt],
  ['log', ops.log],
  ['sin', ops.sin],
  ['cos', ops.cos],
];
const BINARY: Array<[BinaryKernel, (o: ndarray.NdArray, a: ndarray.NdArray, b: ndarray.NdArray) => void]> = [
  ['add', ops.add],
  ['sub', ops.sub],
  ['mul', ops.mul],
  ['div', ops.div],
  ['gt', ops.gt],
  ['eq', ops.eq],
];

describe('the CPU backend agrees with ndarray-ops on strided and broadcast views', () => {
  for (const [name, ref] of UNARY) {
    it(`unary ${name}`, () => {
      fc.assert(fc.property(shapes.chain((s) => view(s, true)), (x) => {
        expect(Array.from(backend.readSync(backend.unary(name, x)))).toEqual(reference(x, ref, x));
      }), { numRuns: 60 });
    });
  }
  for (const [name, ref] of BINARY) {
    it(`binary ${name}`, () => {
      fc.assert(fc.property(shapes.chain((s) => fc.tuple(view(s, true), view(s, true))), ([a, b]) => {
        expect(Array.from(backend.readSync(backend.binary(name, a, b)))).toEqual(reference(a, ref, a, b));
      }), { numRuns: 60 });
    });
  }
  it('copyInto a strided window', () => {
    fc.assert(fc.property(shapes.chain((s) => fc.tuple(view(s, false), view(s, true))), ([dst, src]) => {
      const expected = ndarray(new Float64Array(dst.ref.buffer<Float64Array>()), [...dst.shape], [...dst.strides], dst.offset);
      ops.assign(expected, asNdarray(src));
      backend.copyInto(dst, src);
      expect(Array.from(dst.ref.buffer<Float64Array>())).toEqual(Array.from(expected.data as Float64Array));
    }), { numRuns: 60 });
  });
  it('sum and max onto every kept shape', () => {
    fc.assert(fc.property(shapes.chain((s) => fc.tuple(view(s, true), fc.tuple(...s.map(() => fc.boolean())))), ([x, reduced]) => {
      const kept = x.shape.map((d, i) => (reduced[i] ? 1 : d));
      for (const [kernel, accumulate, start] of [['sum', ops.addeq, 0], ['max', ops.maxeq, -Infinity]] as const) {
        const out = ndarray(new Float64Array(kept.reduce((a, b) => a * b, 1)).fill(start), kept);
        const wide = ndarray(out.data, [...x.shape], kept.map((d, i) => (d === 1 ? 0 : rowMajorStrides(kept)[i]!)), 0);
        accumulate(wide, asNdarray(x));
        const got = Array.from(backend.readSync(backend.reduce(kernel, x, kept)));
        got.forEach((v, i) => expect(v).toBeCloseTo((out.data as Float64Array)[i]!, 12));
      }
    }), { numRuns: 60 });
  });
});
