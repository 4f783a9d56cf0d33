import ops from 'ndarray-ops';
import type { DType } from '../dtype.js';
import { apply } from '../engine.js';
import { defineOp } from '../op.js';
import { normalizeAxis } from '../shape.js';
import { broadcastView, copyAs, createStorage, isContiguous, reduceInto, type Storage } from '../storage.js';
import type { Tensor } from '../tensor.js';
import { mul, sub } from './arithmetic.js';
import { exp } from './elementwise.js';
import { sum } from './reduce.js';

interface AxisAttrs {
  axis: number;
}

/** log Σ exp(A) along `axis`, with the axis kept (size 1). Shifted by each row's maximum so
 *  that logits like 1000 stay finite; a row whose maximum is ±Infinity is left unshifted. */
function logSumExp(a: Storage, axis: number): Storage {
  const keep = a.shape.map((d, i) => (i === axis ? 1 : d));
  const shift = reduceInto(a, keep, 'max');
  for (let i = 0; i < shift.data.length; i++) if (!Number.isFinite(shift.data[i]!)) shift.data[i] = 0;
  const shifted = copyAs(a, a.dtype as DType);
  ops.subeq(shifted, broadcastView(shift, a.shape));
  ops.expeq(shifted);
  const total = reduceInto(shifted, keep, 'sum');
  ops.logeq(total);
  ops.addeq(total, shift);
  return total;
}

/** A − logsumexp(A): the log-probabilities, computed without overflow. */
export function logSoftmaxStorage(a: Storage, axis: number): Storage {
  if (axis === a.dimension - 1 && isContiguous(a)) return logSoftmaxRows(a);
  const out = copyAs(a, a.dtype as DType);
  if (out.size > 0) ops.subeq(out, broadcastView(logSumExp(a, axis), a.shape));
  return out;
}

/** The common case (rows of a row-major batch) in one pass per row, without the
 *  per-call cost of six strided kernels on a small array; the same shifted sum as above. */
function logSoftmaxRows(a: Storage): Storage {
  const out = createStorage(a.dtype as DType, a.shape);
  const src = a.data;
  const dst = out.data;
  const cols = a.shape[a.dimension - 1]!;
  for (let row = 0; row < src.length; row += cols) {
    let top = -Infinity;
    for (let c = 0; c < cols; c++) top = Math.max(top, src[row + c]!);
    const shift = Number.isFinite(top) ? top : 0;
    let total = 0;
    for (let c = 0; c < cols; c++) total += Math.exp(src[row + c]! - shift);
    const logTotal = shift + Math.log(total);
    for (let c = 0; c < cols; c++) dst[row + c] = src[row + c]! - logTotal;
  }
  return out;
}

const softmaxOp = defineOp<AxisAttrs>({
  name: 'softmax',
  forward: 'B = exp(A) / rowsum(exp(A))',
  identity: 'dA = B∘(dB − rowsum(dB∘B)) (the diag(dB·Bᵀ) term of the derivation)',
  compute: ([a], { axis }) => {
    const out = logSoftmaxStorage(a!, axis);
    ops.expeq(out);
    return out;
  },
  gradients: [(dB, { output: b, attrs: { axis } }) => mul(b, sub(dB, sum(mul(dB, b), axis, true)))],
});

const logSoftmaxOp = defineOp<AxisAttrs>({
  name: 'logSoftmax',
  forward: 'B = A − log rowsum(exp(A))',
  identity: 'dA = dB − softmax(A)∘rowsum(dB)',
  compute: ([a], { axis }) => logSoftmaxStorage(a!, axis),
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

export function logSoftmax(a: Tensor, axis = -1): Tensor {
  return apply(logSoftmaxOp, [a], { axis: axisOf('logSoftmax', a, axis) });
}

