import { apply } from '../engine.js';
import { defineOp, type Op } from '../op.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reshape } from './shape.js';

interface CumsumAttrs {
  axis: number;
  /** Summing from the end of the axis: the transpose of summing from its start. */
  reverse: boolean;
}

const cumsumOp: Op = defineOp<CumsumAttrs>({
  name: 'cumsum',
  forward: 'C = L·A along an axis: running sums, L the lower-triangular matrix of ones',
  identity: 'dA = Lᵀ·dC: running sums of dC from the end of the axis',
  compute: ([a], { axis, reverse }, backend) => backend.cumsum(a!, axis, reverse),
  gradients: [(dC, { attrs: { axis, reverse } }) => apply(cumsumOp, [dC], { axis, reverse: !reverse })],
});

/** numpy's cumsum: running sums along `axis`; without an axis, of the flattened tensor. */
export function cumsum(a: Tensor, axis?: number): Tensor {
  if (axis === undefined) return cumsum(reshape(a, [a.size]), 0);
  if (a.shape.length === 0) return cumsum(a, undefined);
  return apply(cumsumOp, [a], { axis: normalizeAxis('cumsum', axis, a.shape.length), reverse: false });
}
