import type { Backend, UnaryKernel } from '../backends/backend.js';
import { apply, constant } from '../engine.js';
import { defineOp } from '../op.js';
import type { Storage } from '../storage.js';
import type { Tensor } from '../tensor.js';
import { div, mul, sub } from './arithmetic.js';

function unaryCompute(kernel: UnaryKernel) {
  return ([a]: Storage[], _attrs: unknown, backend: Backend) => backend.unary(kernel, a!);
}

const expOp = defineOp({
  name: 'exp',
  forward: 'B = exp(A)',
  identity: "dA = dB∘B (exp' = exp)",
  compute: unaryCompute('exp'),
  gradients: [(dB, { output }) => mul(dB, output)],
});

const logOp = defineOp({
  name: 'log',
  forward: 'B = log(A)',
  identity: "dA = dB / A (log' = 1/A)",
  compute: unaryCompute('log'),
  gradients: [(dB, { inputs: [a] }) => div(dB, a!)],
});

const sqrtOp = defineOp({
  name: 'sqrt',
  forward: 'B = √A',
  identity: 'dA = dB / (2B)',
  compute: unaryCompute('sqrt'),
  gradients: [(dB, { output }) => div(dB, mul(output, 2))],
});

const reluOp = defineOp({
  name: 'relu',
  forward: 'B = max(A, 0)',
  identity: 'dA = dB∘[A > 0] (the mask passes the gradient where A was positive)',
  compute: unaryCompute('relu'),
  gradients: [(dB, { inputs: [a] }) => mul(dB, positiveMask(a!))],
});

const sigmoidOp = defineOp({
  name: 'sigmoid',
  forward: 'B = 1 / (1 + exp(−A))',
  identity: 'dA = dB∘B∘(1 − B)',
  compute: unaryCompute('sigmoid'),
  gradients: [(dB, { output }) => mul(dB, mul(output, sub(1, output)))],
});

const tanhOp = defineOp({
  name: 'tanh',
  forward: 'B = tanh(A)',
  identity: 'dA = dB∘(1 − B²)',
  compute: unaryCompute('tanh'),
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
  return constant(a.storage.backend.unary('positive', a.storage));
}
