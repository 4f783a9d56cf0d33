import type { BinaryKernel } from '../backends/backend.js';
import { constant, noGrad } from '../engine.js';
import { formatShape, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { binaryOperands, type Operand } from './arithmetic.js';
import { reshape } from './shape.js';

/** Comparisons and arg-extremes are not differentiable (their derivative is zero wherever it
 *  exists), so they return constants: no graph is recorded, whatever their inputs require. */
function comparison(name: string, kernel: BinaryKernel) {
  return (a: Operand, b: Operand): Tensor =>
    noGrad(() => {
      const [x, y] = binaryOperands(name, a, b);
      return constant(x.storage.backend.binary(kernel, x.storage, y.storage));
    });
}

/** A > B as a mask with numpy broadcasting: 1 where it holds, else 0, in the operands'
 *  (promoted) float dtype, ready to multiply with or to pass to `where`. A constant: no graph
 *  is recorded. NaN compares false. Also `a.gt(b)`. */
export const gt = comparison('gt', 'gt');
/** A ≥ B as a mask of 1s and 0s, as `gt` makes them. Also `a.ge(b)`. */
export const ge = comparison('ge', 'ge');
/** A < B as a mask of 1s and 0s, as `gt` makes them. Also `a.lt(b)`. */
export const lt = comparison('lt', 'lt');
/** A ≤ B as a mask of 1s and 0s, as `gt` makes them. Also `a.le(b)`. */
export const le = comparison('le', 'le');
/** A = B as a mask of 1s and 0s, as `gt` makes them (NaN equals nothing; −0 equals 0).
 *
 *  @example
 *  ```ts
 *  const accuracy = eq(argmax(logits, 1), labels).mean().item();
 *  ```
 */
export const eq = comparison('eq', 'eq');

/** The position of the extreme along `axis` (the first one on ties; the first NaN, as numpy,
 *  since NaN compares as neither larger nor smaller). */
function argExtreme(op: 'argmax' | 'argmin') {
  return (a: Tensor, axis?: number, keepDims = false): Tensor => {
    const flat = axis === undefined;
    const ax = flat ? 0 : normalizeAxis(op, axis, a.shape.length);
    const shape = flat ? [a.size] : a.shape;
    if ((shape[ax] ?? 1) === 0) {
      const what = flat ? 'an empty tensor' : `axis ${ax}, which has size 0`;
      throw new RangeError(`${op}: cannot take the ${op} of ${what} (shape ${formatShape(a.shape)}); expected at least one entry`);
    }
    const source = noGrad(() => reshape(a, a.ndim === 0 ? [1] : shape));
    const kept = flat ? a.shape.map(() => 1) : a.shape.map((d, i) => (i === ax ? 1 : d));
    const dropped = flat ? [] : a.shape.filter((_, i) => i !== ax);
    const positions = noGrad(() => source.storage.backend.argReduce(op, source.storage, ax));
    return constant(positions.reshaped(keepDims ? kept : dropped));
  };
}

/** numpy's argmax / argmin: the index of the largest / smallest entry along `axis`, or of the
 *  flattened tensor without one. Indices come as a float64 tensor (exact up to 2^53), so they
 *  work directly with `eq` (accuracy: eq(argmax(logits, 1), labels).mean()) and `take`. */
export const argmax = argExtreme('argmax');
/** The index of the smallest entry along `axis` (of the flattened tensor without one), as
 *  `argmax` gives the largest: float64 indices, the first on ties, a constant off the graph.
 *
 *  @throws RangeError when the axis (or the tensor) is empty. */
export const argmin = argExtreme('argmin');
