import { describe, expect, it } from 'vitest';
import { affine, arange, argmax, clamp, concat, fromBuffer, gt, maximum, rand, scatterAdd, softmaxCrossEntropy, stack, tensor, unslice, where, zeros } from '../src/index.js';

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

  it('slice and unslice: too many ranges, a step below 1, an index off the axis, a malformed range', () => {
    const x = arange(6).reshape([2, 3]);
    expect(() => x.slice([null, null, null])).toThrow('slice: 3 ranges for a tensor of shape [2,3]; expected at most 2 (one per axis)');
    expect(() => x.slice([null, [0, 3, 0]])).toThrow('slice: axis 1 (size 3) of shape [2,3]: step 0 is not supported; expected an integer ≥ 1');
    expect(() => x.slice([[null, null, -1]])).toThrow(/slice: axis 0 .*step -1 is not supported/);
    expect(() => x.slice([2])).toThrow('slice: axis 0 (size 2) of shape [2,3]: index 2 does not fit; expected an integer in [-2, 1]');
    expect(() => x.slice([[0.5, 2]])).toThrow('slice: axis 0 (size 2) of shape [2,3]: start must be an integer or null, got 0.5');
    expect(() => x.slice(['a' as never])).toThrow(/slice: axis 0 .*expected null, an integer index or \[start, stop, step\], got "a"/);
    expect(() => unslice(zeros([2]), [4, 3], [[0, 2]])).toThrow('unslice: a tensor of shape [2] cannot fill the positions [[0,2]] of [4,3]; expected shape [2,3]');
  });

  it('concat and stack: no tensors, shapes that differ off the axis, scalars, an axis out of range', () => {
    const x = zeros([2, 3]);
    expect(() => concat([])).toThrow('concat: expected a non-empty array of tensors, got an empty array');
    expect(() => concat([x, zeros([2, 2])])).toThrow('concat: tensor 1 has shape [2,2], tensor 0 has [2,3]; expected the same number of axes and equal sizes on every axis but 0');
    expect(() => concat([tensor(1), tensor(2)])).toThrow(/concat: scalars \(0-d tensors\) cannot be concatenated; use stack/);
    expect(() => concat([x, x], 2)).toThrow(/concat: axis 2 is out of range/);
    expect(() => concat([x, [1, 2] as never])).toThrow('concat: element 1 is object, expected a Tensor');
    expect(() => stack([x, zeros([3, 2])])).toThrow('stack: tensor 1 has shape [3,2], tensor 0 has [2,3]; expected all of one shape');
  });

  it('take and scatterAdd: indices off the axis or not integers, indices that do not match the source', () => {
    const x = zeros([2, 3]);
    expect(() => x.take([0, 2], 0)).toThrow('take: index 2 at position 1 does not fit axis 0 of size 2 (shape [2,3]); expected an integer in [-2, 1]');
    expect(() => x.take([0.5], 1)).toThrow(/take: index 0.5 at position 0 does not fit axis 1 of size 3/);
    expect(() => zeros([0, 2]).take([0], 0)).toThrow(/does not fit axis 0 of size 0 \(shape \[0,2\]\); no index fits an empty axis/);
    expect(() => tensor(1).take(0, 0)).toThrow('take: cannot index a scalar (0-d tensor) along an axis; pass no axis to read it flat');
    expect(() => scatterAdd(x, [0, 1, 2], 0, 4)).toThrow(
      'scatterAdd: a tensor of shape [2,3] does not hold indices of shape [3] at axis 0; expected its axes from 0 on to begin with [3]',
    );
    expect(() => scatterAdd(x, [0, 5], 0, 4)).toThrow('scatterAdd: index 5 at position 1 does not fit an output axis of size 4; expected an integer in [-4, 3]');
  });

  it('where, maximum, clamp and comparisons: shapes that do not broadcast, a missing condition or bounds', () => {
    const x = zeros([2, 3]);
    expect(() => where([1, 0] as never, x, 0)).toThrow('where: the condition must be a Tensor (a mask such as gt(x, 0) gives), got object');
    expect(() => where(zeros([4]), x, 0)).toThrow('where (the condition with a and b): shapes [4] and [2,3] cannot be broadcast together');
    expect(() => maximum(x, zeros([4]))).toThrow('maximum: shapes [2,3] and [4] cannot be broadcast together');
    expect(() => clamp(x)).toThrow('clamp: both bounds are missing; expected lo, hi or both (a number or a tensor)');
    expect(() => gt(x, 'a' as never)).toThrow('gt: operand must be a Tensor or a number, got string');
  });

  it('argmax and min over nothing', () => {
    expect(() => argmax(zeros([2, 0]), 1)).toThrow('argmax: cannot take the argmax of axis 1, which has size 0 (shape [2,0]); expected at least one entry');
    expect(() => zeros([0]).argmin()).toThrow('argmin: cannot take the argmin of an empty tensor (shape [0]); expected at least one entry');
    expect(() => zeros([2, 0]).min(1)).toThrow('min: cannot reduce over axis 1 of size 0 (shape [2,0])');
  });

  it('backward on a tensor that needs no gradient', () => {
    expect(() => zeros([1]).sum().backward()).toThrow(/backward: this tensor \(shape \[\]\) does not require grad/);
  });
});
