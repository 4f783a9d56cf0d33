import { apply } from '../engine.js';
import { defineOp } from '../op.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { mul, sub } from './arithmetic.js';
import { exp } from './elementwise.js';
import { sum } from './reduce.js';

interface AxisAttrs {
  axis: number;
}

const softmaxOp = defineOp<AxisAttrs>({
  name: 'softmax',
  forward: 'B = exp(A) / rowsum(exp(A))',
  identity: 'dA = B∘(dB − rowsum(dB∘B)) (the diag(dB·Bᵀ) term of the derivation)',
  compute: ([a], { axis }, backend) => backend.softmax(a!, axis),
  gradients: [(dB, { output: b, attrs: { axis } }) => mul(b, sub(dB, sum(mul(dB, b), axis, true)))],
});

const logSoftmaxOp = defineOp<AxisAttrs>({
  name: 'logSoftmax',
  forward: 'B = A − log rowsum(exp(A))',
  identity: 'dA = dB − softmax(A)∘rowsum(dB)',
  // A − logsumexp(A), shifted by each row's maximum so logits like 1000 stay finite.
  compute: ([a], { axis }, backend) => backend.logSoftmax(a!, axis),
  gradients: [(dB, { output: b, attrs: { axis } }) => sub(dB, mul(exp(b), sum(dB, axis, true)))],
});

function axisOf(op: string, a: Tensor, axis: number): number {
  if (a.shape.length === 0) throw new RangeError(`${op}: needs at least 1 dimension, got a scalar`);
  return normalizeAxis(op, axis, a.shape.length);
}

/** Probabilities along `axis` (default: the last, i.e. each row of a batch). */
export function softmax(a: Tensor, axis = -1): Tensor {
  return apply(softmaxOp, [a], { axis: axisOf('softmax', a, axis) });
}

/**
 * log(softmax(a)) along `axis` (default: the last), computed as A − logsumexp(A) shifted
 * by the maximum, so large logits (1000) stay finite where log(softmax) would give −Infinity.
 * Also `a.logSoftmax(axis)`.
 *
 * @throws RangeError for a 0-d tensor or an axis out of range.
 */
export function logSoftmax(a: Tensor, axis = -1): Tensor {
  return apply(logSoftmaxOp, [a], { axis: axisOf('logSoftmax', a, axis) });
}

