import type { Backend, UnaryKernel } from '../backends/backend.js';
import { apply, constant, isGradEnabled } from '../engine.js';
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
  // [B > 0] is [A > 0] entry for entry (NaN and −0 included), and B is row-major where A is
  // often a view (conv2d's output), so the mask is read from B. Without a graph to record, the
  // product and the mask are one pass (the same values: dB·1 or dB·0).
  gradients: [(dB, { output }) => (isGradEnabled() ? mul(dB, positiveMask(output)) : maskedByPositive(dB, output))],
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

/** e^A elementwise (overflows to Infinity above about 709 in float64, 88 in float32). Also `a.exp()`. */
export const exp = (a: Tensor): Tensor => apply(expOp, [a]);
/** The natural logarithm elementwise: −Infinity at 0, NaN below 0. Also `a.log()`. */
export const log = (a: Tensor): Tensor => apply(logOp, [a]);
/** √A elementwise: NaN below 0; its gradient at 0 is Infinity. Also `a.sqrt()`. */
export const sqrt = (a: Tensor): Tensor => apply(sqrtOp, [a]);
/** max(A, 0) elementwise; the gradient passes where A > 0 (0 at A = 0). Also `a.relu()`. */
export const relu = (a: Tensor): Tensor => apply(reluOp, [a]);
/** 1 / (1 + e^−A) elementwise, the logistic function. Also `a.sigmoid()`. */
export const sigmoid = (a: Tensor): Tensor => apply(sigmoidOp, [a]);
/** The hyperbolic tangent elementwise. Also `a.tanh()`. */
export const tanh = (a: Tensor): Tensor => apply(tanhOp, [a]);

/** dB∘[B > 0] as a constant, in one pass. */
function maskedByPositive(dB: Tensor, b: Tensor): Tensor {
  return constant(b.storage.backend.binary('maskPositive', dB.storage, b.storage));
}

/** [x > 0] as 1s and 0s: a constant of the backward pass, not a node of the graph. */
function positiveMask(x: Tensor): Tensor {
  return constant(x.storage.backend.unary('positive', x.storage));
}
