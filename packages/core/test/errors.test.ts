import { describe, expect, it } from 'vitest';
import { affine, arange, fromBuffer, rand, softmaxCrossEntropy, tensor, zeros } from '../src/index.js';

describe('bad input gets an error naming the op, the shapes or values, and what was expected', () => {
  it('matmul [2,3]·[4,5]', () => {
    expect(() => zeros([2, 3]).matmul(zeros([4, 5]))).toThrow(
      'matmul: shapes [2,3] and [4,5] are not aligned: A has 3 columns but B has 4 rows (expected A: [..., m, k] and B: [..., k, n])',
    );
  });

  it('backward on a non-scalar without an upstream gradient', () => {
    const y = zeros([2, 3], { requiresGrad: true }).mul(2);
    expect(() => y.backward()).toThrow(/backward: the output has shape \[2,3\].*needs a scalar output.*gradient/);
  });

  it('backward twice through a freed graph', () => {
    const x = tensor(1, { requiresGrad: true });
    const y = x.exp().mul(2);
    y.backward();
    expect(() => y.backward()).toThrow(/backward: the graph through op 'mul' \(output \[\]\) was freed.*retainGraph: true/);
  });

  it('class index out of range', () => {
    expect(() => softmaxCrossEntropy(zeros([2, 10]), [3, 12])).toThrow(
      'softmaxCrossEntropy: class index 12 at row 1 is out of range for 10 classes (logits shape [2,10]); expected an integer in [0, 9]',
    );
    expect(() => softmaxCrossEntropy(zeros([2, 10]), [1.5, 2])).toThrow(/class index 1.5 at row 0/);
    expect(() => softmaxCrossEntropy(zeros([2, 10]), [1, 2, 3])).toThrow(/3 class indices for 2 rows/);
    expect(() => softmaxCrossEntropy(zeros([10]), [1])).toThrow(/logits must be 2-D \[N, C\].*got shape \[10\]/);
  });

  it('unknown dtype', () => {
    expect(() => tensor([1], { dtype: 'int8' as never })).toThrow(`tensor: unknown dtype "int8"; expected 'float32' or 'float64'`);
    expect(() => zeros([1]).cast('float16' as never)).toThrow(/cast: unknown dtype "float16"/);
  });

  it('affine with a bias of the wrong length', () => {
    expect(() => affine(zeros([4, 3]), zeros([3, 2]), zeros([3]))).toThrow(
      'affine: shapes Φ [4,3], W [3,2], b [3] do not fit; expected Φ [N, in], W [in, out], b [out]',
    );
  });

  it('shapes that do not broadcast', () => {
    expect(() => zeros([2, 3]).add(zeros([4]))).toThrow('add: shapes [2,3] and [4] cannot be broadcast together (axis -1 has sizes 3 and 4; expected equal sizes or a 1)');
  });

  it('reshape, transpose, axes, ragged data, random without a seed, wrong buffer sizes', () => {
    expect(() => arange(6).reshape([4, 2])).toThrow(/reshape: cannot reshape \[6\] \(6 elements\) into \[4,2\]/);
    expect(() => zeros([2, 3]).transpose([0, 0])).toThrow(/transpose: \[0,0\] is not a permutation of the 2 axes/);
    expect(() => zeros([2, 3]).sum(2)).toThrow(/sum: axis 2 is out of range for a tensor of 2 dimension\(s\)/);
    expect(() => tensor([[1, 2], [3]])).toThrow(/tensor: nested arrays are ragged/);
    expect(() => tensor([1, 'x' as never])).toThrow(/tensor: element 1 is "x", expected a number/);
    expect(() => rand([2], {} as never)).toThrow(/rand: pass \{ seed \}/);
    expect(() => fromBuffer(new Float32Array(5), [2, 3])).toThrow('fromBuffer: shape [2,3] needs 6 elements, the buffer has 5');
    expect(() => tensor(1).item()).not.toThrow();
    expect(() => zeros([2]).item()).toThrow(/item: only a tensor with one element/);
  });

  it('backward on a tensor that needs no gradient', () => {
    expect(() => zeros([1]).sum().backward()).toThrow(/backward: this tensor \(shape \[\]\) does not require grad/);
  });
});
