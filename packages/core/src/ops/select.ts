import { apply, internal } from '../engine.js';
import { defineOp, type Op } from '../op.js';
import { broadcastShapes } from '../shape.js';
import { scalar } from '../creation.js';
import { Tensor } from '../tensor.js';
import { add, binaryOperands, mul, neg, type Operand } from './arithmetic.js';
import { gt, lt } from './compare.js';
import { broadcastTo } from './shape.js';

interface WhereAttrs {
  /** Non-zero where the condition holds: the condition, broadcast to the output's shape. */
  mask: Tensor;
}

const whereOp: Op = defineOp<WhereAttrs>({
  name: 'where',
  forward: 'C = where(M, A, B): A where the mask M holds, B elsewhere',
  identity: 'dA = where(M, dC, 0), dB = where(M, 0, dC) (the constant mask routes dC to the input that was chosen)',
  compute: ([a, b], { mask }, backend) => backend.where(mask.storage, a!, b!),
  gradients: [
    (dC, { attrs }) => apply(whereOp, [dC, zerosLike(dC)], attrs),
    (dC, { attrs }) => apply(whereOp, [zerosLike(dC), dC], attrs),
  ],
});

function zerosLike(t: Tensor): Tensor {
  return broadcastTo(internal(scalar(0, t.dtype, t.storage.backend)), t.shape);
}

/** numpy's where: `a` where `condition` is non-zero, `b` elsewhere, all three broadcast
 *  together. The condition is a constant mask (from gt, lt, eq, ...): no gradient flows to it. */
export function where(condition: Tensor, a: Operand, b: Operand): Tensor {
  if (!(condition instanceof Tensor)) throw new TypeError(`where: the condition must be a Tensor (a mask such as gt(x, 0) gives), got ${typeof condition}`);
  const [x, y] = binaryOperands('where', a, b);
  const shape = broadcastShapes('where (the condition with a and b)', condition.shape, x.shape);
  if (condition.storage.backend !== x.storage.backend) {
    throw new Error(`where: the condition is on the '${condition.backend}' backend, the values on '${x.backend}'; move one with tensor.to()`);
  }
  const mask = new Tensor(condition.storage.broadcast(shape), { requiresGrad: false, creator: null });
  return apply(whereOp, [broadcastTo(x, shape), broadcastTo(y, shape)], { mask });
}

/** A where `aWins`, B where `bWins`, and at ties their mean, so that a tie splits the gradient
 *  evenly between A and B, as the max reduction splits it between tied entries. */
function choose(op: string, aWins: (x: Tensor, y: Tensor) => Tensor, bWins: (x: Tensor, y: Tensor) => Tensor) {
  return (a: Operand, b: Operand): Tensor => {
    const [x, y] = binaryOperands(op, a, b);
    return where(aWins(x, y), x, where(bWins(x, y), y, mul(add(x, y), 0.5)));
  };
}

/** numpy's elementwise maximum / minimum with broadcasting; NaN propagates. Where either input
 *  is NaN the gradient is split evenly, as at a tie (PyTorch gives each input all of it there). */
export const maximum = choose('maximum', gt, lt);
/** The elementwise minimum with broadcasting, as `maximum` (NaN propagates; ties and NaNs
 *  split the gradient evenly). Also `a.minimum(b)`. */
export const minimum = choose('minimum', lt, gt);

/** |A| = maximum(A, −A); at 0 the tie gives the gradient 0, as sign(0) = 0. */
export function abs(a: Tensor): Tensor {
  return maximum(a, neg(a));
}

/** `a` replaced by `limit` wherever `beyond(a, limit)` holds. */
function bound(a: Tensor, limit: Operand, beyond: (x: Tensor, y: Tensor) => Tensor): Tensor {
  const [x, l] = binaryOperands('clamp', a, limit);
  return where(beyond(x, l), l, x);
}

/** numpy's clip: `a` limited to [lo, hi] (either bound may be null; numbers or tensors that
 *  broadcast). The gradient goes to `a` inside the closed interval and to the bound outside;
 *  when lo > hi every entry is hi, as in numpy. */
export function clamp(a: Tensor, lo?: Operand | null, hi?: Operand | null): Tensor {
  if ((lo === null || lo === undefined) && (hi === null || hi === undefined)) {
    throw new RangeError('clamp: both bounds are missing; expected lo, hi or both (a number or a tensor)');
  }
  const floored = lo === null || lo === undefined ? a : bound(a, lo, lt);
  return hi === null || hi === undefined ? floored : bound(floored, hi, gt);
}
