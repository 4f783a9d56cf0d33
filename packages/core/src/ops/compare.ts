import ops from 'ndarray-ops';
import { noGrad } from '../engine.js';
import { formatShape, normalizeAxis, sizeOf } from '../shape.js';
import { contiguous, elementwise, wrap, type Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { binaryOperands, type Operand } from './arithmetic.js';

/** Comparisons and arg-extremes are not differentiable (their derivative is zero wherever it
 *  exists), so they return constants: no graph is recorded, whatever their inputs require. */
function constant(nd: Storage): Tensor {
  return new Tensor(nd, { requiresGrad: false, creator: null });
}

function comparison(name: string, kernel: (out: Storage, a: Storage, b: Storage) => unknown) {
  return (a: Operand, b: Operand): Tensor =>
    noGrad(() => {
      const [x, y] = binaryOperands(name, a, b);
      return constant(elementwise(x.dtype, x.shape, [x.nd, y.nd], kernel));
    });
}

/** Elementwise masks with numpy broadcasting: 1 where the comparison holds, else 0, in the
 *  operands' (promoted) float dtype, ready to multiply with or to pass to `where`. */
export const gt = comparison('gt', ops.gt);
export const ge = comparison('ge', ops.geq);
export const lt = comparison('lt', ops.lt);
export const le = comparison('le', ops.leq);
export const eq = comparison('eq', ops.eq);

type Better = (value: number, best: number) => boolean;

/** The position of the extreme along `axis` (the first one on ties; the first NaN, as numpy,
 *  since NaN compares as neither larger nor smaller). */
function argExtreme(op: string, better: Better) {
  return (a: Tensor, axis?: number, keepDims = false): Tensor => {
    const flat = axis === undefined;
    const ax = flat ? 0 : normalizeAxis(op, axis, a.shape.length);
    const shape = flat ? [a.size] : a.shape;
    const n = shape[ax] ?? 1;
    if (n === 0) {
      const what = flat ? 'an empty tensor' : `axis ${ax}, which has size 0`;
      throw new RangeError(`${op}: cannot take the ${op} of ${what} (shape ${formatShape(a.shape)}); expected at least one entry`);
    }
    const inner = sizeOf(shape.slice(ax + 1));
    const src = contiguous(a.nd).data;
    const out = new Float64Array(src.length / n);
    for (let r = 0; r < out.length; r++) {
      const base = Math.floor(r / inner) * n * inner + (r % inner);
      let best = 0;
      let bestValue = src[base]!;
      for (let j = 1; j < n && !Number.isNaN(bestValue); j++) {
        const v = src[base + j * inner]!;
        if (Number.isNaN(v) || better(v, bestValue)) [best, bestValue] = [j, v];
      }
      out[r] = best;
    }
    const kept = flat ? a.shape.map(() => 1) : a.shape.map((d, i) => (i === ax ? 1 : d));
    const dropped = flat ? [] : a.shape.filter((_, i) => i !== ax);
    return constant(wrap(out, keepDims ? kept : dropped));
  };
}

/** numpy's argmax / argmin: the index of the largest / smallest entry along `axis`, or of the
 *  flattened tensor without one. Indices come as a float64 tensor (exact up to 2^53), so they
 *  work directly with `eq` (accuracy: eq(argmax(logits, 1), labels).mean()) and `take`. */
export const argmax = argExtreme('argmax', (v, best) => v > best);
export const argmin = argExtreme('argmin', (v, best) => v < best);
