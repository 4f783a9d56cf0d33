import ops from 'ndarray-ops';
import type { DType } from '../dtype.js';
import { apply } from '../engine.js';
import { defineOp } from '../op.js';
import { elementwise, mapContiguous, type Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { div, mul, sub } from './arithmetic.js';

function unaryCompute(kernel: (out: Storage, a: Storage) => unknown) {
  return ([a]: Storage[]) => elementwise(a!.dtype as DType, a!.shape, [a!], kernel);
}

const expOp = defineOp({
  name: 'exp',
  forward: 'B = exp(A)',
  identity: "dA = dB∘B (exp' = exp)",
  compute: unaryCompute(ops.exp),
  gradients: [(dB, { output }) => mul(dB, output)],
});

const logOp = defineOp({
  name: 'log',
  forward: 'B = log(A)',
  identity: "dA = dB / A (log' = 1/A)",
  compute: unaryCompute(ops.log),
  gradients: [(dB, { inputs: [a] }) => div(dB, a!)],
});

const sqrtOp = defineOp({
  name: 'sqrt',
  forward: 'B = √A',
  identity: 'dA = dB / (2B)',
  compute: unaryCompute(ops.sqrt),
  gradients: [(dB, { output }) => div(dB, mul(output, 2))],
});

const reluOp = defineOp({
  name: 'relu',
  forward: 'B = max(A, 0)',
  identity: 'dA = dB∘[A > 0] (the mask passes the gradient where A was positive)',
  // (x + |x|)/2 is max(x, 0) exactly, without the branch that random signs mispredict.
  compute: ([a]) => mapContiguous(a!, (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = (src[i]! + Math.abs(src[i]!)) * 0.5;
  }),
  gradients: [(dB, { inputs: [a] }) => mul(dB, positiveMask(a!))],
});

const sigmoidOp = defineOp({
  name: 'sigmoid',
  forward: 'B = 1 / (1 + exp(−A))',
  identity: 'dA = dB∘B∘(1 − B)',
  compute: ([a]) => mapContiguous(a!, (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = 1 / (1 + Math.exp(-src[i]!));
  }),
  gradients: [(dB, { output }) => mul(dB, mul(output, sub(1, output)))],
});

const tanhOp = defineOp({
  name: 'tanh',
  forward: 'B = tanh(A)',
  identity: 'dA = dB∘(1 − B²)',
  compute: ([a]) => mapContiguous(a!, (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = Math.tanh(src[i]!);
  }),
  gradients: [(dB, { output }) => mul(dB, sub(1, mul(output, output)))],
});

export const exp = (a: Tensor): Tensor => apply(expOp, [a]);
export const log = (a: Tensor): Tensor => apply(logOp, [a]);
export const sqrt = (a: Tensor): Tensor => apply(sqrtOp, [a]);
export const relu = (a: Tensor): Tensor => apply(reluOp, [a]);
export const sigmoid = (a: Tensor): Tensor => apply(sigmoidOp, [a]);
export const tanh = (a: Tensor): Tensor => apply(tanhOp, [a]);

/** [A > 0] as 1s and 0s: a constant of the backward pass, not a node of the graph. */
function positiveMask(a: Tensor): Tensor {
  const mask = mapContiguous(a.nd, (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = +(src[i]! > 0); // a number from a boolean: no branch
  });
  return new Tensor(mask, { requiresGrad: false, creator: null });
}
