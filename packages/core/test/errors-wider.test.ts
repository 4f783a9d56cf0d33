import { describe, expect, it } from 'vitest';
import { clone, col2im, conv2d, embedding, gelu, huberLoss, layerNorm, maxPool2d, nllLoss, norm, split, squeeze, tensor, variance, zeros, type Tensor } from '../src/index.js';

describe('the wider op set names the function, the argument, what it got and what it expected', () => {
  const images = zeros([2, 3, 5, 5]);
  it('conv2d', () => {
    expect(() => conv2d(zeros([3, 5, 5]), zeros([4, 3, 3, 3]))).toThrow('conv2d: expected images [N, C, H, W], got shape [3,5,5]');
    expect(() => conv2d(images, zeros([4, 3, 3]))).toThrow('conv2d: filters must be [F, C/groups, kh, kw], got shape [4,3,3]');
    expect(() => conv2d(images, zeros([4, 2, 3, 3]))).toThrow(/conv2d: images \[2,3,5,5\] and filters \[4,2,3,3\] do not fit 1 group\(s\)/);
    expect(() => conv2d(images, zeros([4, 1, 3, 3]), null, { groups: 2 })).toThrow(/do not fit 2 group\(s\)/);
    expect(() => conv2d(images, zeros([4, 3, 7, 7]))).toThrow('conv2d: a 7×7 kernel (dilation 1×1) does not fit images of 5×5 with padding 0×0');
    expect(() => conv2d(images, zeros([4, 3, 3, 3]), zeros([3]))).toThrow('conv2d: the bias must be [F] = [4], got shape [3]');
    expect(() => conv2d(images, zeros([4, 3, 3, 3]), null, { stride: 0 })).toThrow('conv2d: stride must be an integer ≥ 1 or a pair of them [height, width], got 0');
    expect(() => conv2d(images, zeros([4, 3, 3, 3]), null, { padding: [1, 1, 1] as unknown as [number, number] })).toThrow(/conv2d: padding must be an integer ≥ 0 or a pair/);
  });
  it('col2im and the pools', () => {
    expect(() => col2im(zeros([9, 10]), [2, 3, 5, 5], 3)).toThrow('col2im: columns of shape [9,10] do not fit images [2,3,5,5] with this geometry; expected [27,18]');
    expect(() => maxPool2d(zeros([1, 1, 1, 1]), 2, { padding: 1, dilation: 2 })).toThrow(/maxPool2d: with padding 1×1 a 2×2 window \(dilation 2×2\) lies wholly in the padding/);
  });
  it('shape helpers and reductions', () => {
    expect(() => clone([1, 2] as unknown as Tensor)).toThrow('clone: the tensor to copy must be a Tensor, got object');
    expect(() => clone(null as unknown as Tensor)).toThrow('clone: the tensor to copy must be a Tensor, got null');
    expect(() => squeeze(zeros([2, 1]), 0)).toThrow('squeeze: axis 0 of shape [2,1] has size 2, expected size 1');
    expect(() => split(zeros([5]), [2, 2])).toThrow('split: sizes [2,2] add up to 4, but axis 0 of shape [5] has 5');
    expect(() => split(zeros([5]), 0)).toThrow('split: the piece size must be a positive integer, got 0');
    expect(() => variance(tensor([1]))).toThrow(/var: 1 element\(s\) over axes \[0\] of shape \[1\] leave no degrees of freedom with correction 1/);
    expect(() => norm(tensor([1]), 3 as 2)).toThrow('norm: ord must be 1, 2 or Infinity, got 3');
    expect(() => gelu(tensor([1]), 'fast' as 'tanh')).toThrow(`gelu: approximate must be 'none' or 'tanh', got "fast"`);
  });
  it('layerNorm, embedding and losses', () => {
    expect(() => layerNorm(zeros([2, 3]), [2])).toThrow('layerNorm: normalizedShape [2] must be the last axes of the input [2,3]');
    expect(() => layerNorm(zeros([2, 3]), [3], zeros([2]))).toThrow('layerNorm: weight has shape [2], expected [3]');
    expect(() => embedding([0, 3], zeros([3, 2]))).toThrow(/take: index 3 at position 1 does not fit axis 0 of size 3/);
    expect(() => embedding([0], zeros([3]))).toThrow('embedding: the table must be [num, dim], got shape [3]');
    expect(() => nllLoss(zeros([2, 3]), [0, 3])).toThrow('nllLoss: class index 3 at row 1 is out of range; expected an integer in [0, 2]');
    expect(() => nllLoss(zeros([2, 3]), [0])).toThrow('nllLoss: 1 targets for 2 rows of shape [2,3]');
    expect(() => huberLoss(zeros([2]), zeros([2]), 0)).toThrow('huberLoss: delta must be a finite positive number, got 0');
    expect(() => huberLoss(zeros([2]), zeros([3]))).toThrow('huberLoss: prediction [2] and target [3] must have the same shape');
  });
});
