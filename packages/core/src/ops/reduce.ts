import type { Backend, ReduceKernel } from '../backends/backend.js';
import { apply } from '../engine.js';
import { defineOp } from '../op.js';
import { normalizeAxes, type Shape } from '../shape.js';
import type { Storage } from '../storage.js';
import type { Tensor } from '../tensor.js';
import { div, mul, neg } from './arithmetic.js';
import { eq } from './compare.js';
import { broadcastTo, reshape } from './shape.js';

interface ReduceAttrs {
  axes: number[];
  keepDims: boolean;
}

/** The output shape with the reduced axes kept as 1s: the shape that broadcasts back. Built by
 *  push, so it is a packed array: TurboFan's inlined `map` makes holey ones, and a holey shape
 *  reaching the allocation paths deoptimized them mid-training (see array-kinds.test.ts). */
function keptShape(shape: Shape, axes: readonly number[]): number[] {
  const kept: number[] = [];
  for (let i = 0; i < shape.length; i++) kept.push(axes.includes(i) ? 1 : shape[i]!);
  return kept;
}

function outputShape(shape: Shape, { axes, keepDims }: ReduceAttrs): number[] {
  return keepDims ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

/** The reduction as one kernel, its output reshaped to drop the reduced axes unless kept. */
function reduceCompute(kernel: ReduceKernel) {
  return ([a]: Storage[], attrs: ReduceAttrs, backend: Backend) => backend.reduce(kernel, a!, keptShape(a!.shape, attrs.axes)).reshaped(outputShape(a!.shape, attrs));
}

/** dC reshaped so its reduced axes are size 1 again, then repeated over them. */
function broadcastBack(dC: Tensor, input: Tensor, axes: readonly number[]): Tensor {
  return broadcastTo(reshape(dC, keptShape(input.shape, axes)), input.shape);
}

const sumOp = defineOp<ReduceAttrs>({
  name: 'sum',
  forward: 'C = Σ A over axes (C = 1ᵀ·A over the rows)',
  identity: 'dA = dC broadcast back over the summed axes',
  compute: reduceCompute('sum'),
  gradients: [(dC, { inputs: [a], attrs }) => broadcastBack(dC, a!, attrs.axes)],
});

const meanOp = defineOp<ReduceAttrs>({
  name: 'mean',
  forward: 'C = Σ A / n over axes',
  identity: 'dA = dC broadcast back over the averaged axes, ÷ n',
  compute: reduceCompute('mean'),
  gradients: [(dC, { inputs: [a], attrs }) => div(broadcastBack(dC, a!, attrs.axes), countOf(a!.shape, attrs.axes))],
});

const maxOp = defineOp<ReduceAttrs>({
  name: 'max',
  forward: 'C = max A over axes',
  identity: 'dA = dC broadcast back ∘ [A = max] / (number of ties)',
  compute: reduceCompute('max'),
  gradients: [
    (dC, { inputs: [a], output, attrs }) => {
      const input = a!;
      const best = broadcastBack(output.detach(), input, attrs.axes);
      const winners = eq(input, best);
      const ties = broadcastBack(winners.sum(attrs.axes, true), input, attrs.axes);
      return mul(broadcastBack(dC, input, attrs.axes), div(winners, ties));
    },
  ],
});

function countOf(shape: Shape, axes: readonly number[]): number {
  return axes.reduce((n, i) => n * shape[i]!, 1);
}

/** The axes a reduction runs over: one axis or several; negative numbers count from the end
 *  (-1 is the last). Omitted (undefined): all axes. */
export type Axes = number | readonly number[];

/** A maximum (or minimum) over no elements has no value. */
function checkNonEmpty(op: string, a: Tensor, axes: readonly number[]): void {
  const empty = axes.find((i) => a.shape[i] === 0);
  if (empty !== undefined) throw new RangeError(`${op}: cannot reduce over axis ${empty} of size 0 (shape [${a.shape.join(',')}])`);
}

function reduction(op: typeof sumOp) {
  return (a: Tensor, axis?: Axes, keepDims = false): Tensor => {
    const axes = normalizeAxes(op.name, axis, a.shape.length);
    if (op === maxOp) checkNonEmpty('max', a, axes);
    return apply(op, [a], { axes, keepDims });
  };
}

/** The sum over `axis` (all axes when omitted, giving a 0-d tensor); the reduced axes are
 *  dropped unless `keepDims`, which keeps them as size 1 so the result broadcasts back.
 *  Summing over an empty axis gives 0. Also `a.sum(axis, keepDims)`.
 *
 *  @example
 *  ```ts
 *  const x = tensor([[1, 2, 3], [4, 5, 6]]);
 *  sum(x).item();   // 21
 *  sum(x, 0);       // [5, 7, 9]
 *  sum(x, 1, true); // [[6], [15]], shape [2, 1]
 *  ```
 */
export const sum = reduction(sumOp);
/** The mean over `axis` (all axes when omitted), with `keepDims` as in `sum`; the mean over
 *  an empty axis is NaN. Also `a.mean(axis, keepDims)`. */
export const mean = reduction(meanOp);
/** The maximum over `axis` (all axes when omitted), with `keepDims` as in `sum`; tied entries
 *  share the gradient evenly. Also `a.max(axis, keepDims)`.
 *
 *  @throws RangeError when a reduced axis has size 0. */
export const max = reduction(maxOp);

/** min A = −max(−A): composed, so its rule is max's (tied entries share the gradient evenly). */
export function min(a: Tensor, axis?: Axes, keepDims = false): Tensor {
  checkNonEmpty('min', a, normalizeAxes('min', axis, a.shape.length));
  return neg(max(neg(a), axis, keepDims));
}
