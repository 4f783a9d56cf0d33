import { promote } from '../dtype.js';
import { apply } from '../engine.js';
import { defineOp } from '../op.js';
import { formatShape, normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { sliceWindow, windowAlong, writeWindow } from './indexing.js';
import { cast, reshape } from './shape.js';

interface ConcatAttrs {
  axis: number;
  /** Where each input starts along the axis; the last entry is the output's length. */
  offsets: number[];
}

const concatOp = defineOp<ConcatAttrs>({
  name: 'concat',
  forward: 'C = [A₁ A₂ … Aₙ] joined along an axis',
  identity: 'dAₖ = dC sliced back along the axis at the positions Aₖ filled',
  compute: (inputs, { axis, offsets }, backend) => {
    const first = inputs[0]!;
    const out = backend.fill(first.dtype, first.shape.map((d, i) => (i === axis ? offsets[inputs.length]! : d)), 0);
    inputs.forEach((input, k) => writeWindow(backend, out, windowAlong(out.shape, axis, offsets[k]!, input.shape[axis]!), input));
    return out;
  },
  gradients: (dC, { attrs: { axis, offsets } }, k) => sliceWindow(dC, windowAlong(dC.shape, axis, offsets[k]!, offsets[k + 1]! - offsets[k]!)),
});

/** numpy's concatenate: tensors of equal shapes except along `axis` (default 0), joined
 *  along it; dtypes are promoted (float32 with float64 gives float64). */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = checkList('concat', tensors);
  if (first.shape.length === 0) throw new RangeError('concat: scalars (0-d tensors) cannot be concatenated; use stack to join them along a new axis');
  const ax = normalizeAxis('concat', axis, first.shape.length);
  tensors.forEach((t, k) => {
    const fits = t.shape.length === first.shape.length && t.shape.every((d, i) => i === ax || d === first.shape[i]);
    if (!fits) {
      throw new RangeError(
        `concat: tensor ${k} has shape ${formatShape(t.shape)}, tensor 0 has ${formatShape(first.shape)}; ` +
          `expected the same number of axes and equal sizes on every axis but ${ax}`,
      );
    }
  });
  const offsets = [0];
  for (const t of tensors) offsets.push(offsets[offsets.length - 1]! + t.shape[ax]!);
  const dtype = tensors.map((t) => t.dtype).reduce(promote);
  return apply(
    concatOp,
    tensors.map((t) => cast(t, dtype)),
    { axis: ax, offsets },
  );
}

/** numpy's stack: tensors of one shape joined along a new axis (default 0), as a concat
 *  of the tensors each given a size-1 axis there. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = checkList('stack', tensors);
  const ax = normalizeAxis('stack', axis, first.shape.length + 1);
  const bad = tensors.findIndex((t) => t.shape.length !== first.shape.length || t.shape.some((d, i) => d !== first.shape[i]));
  if (bad >= 0) {
    throw new RangeError(`stack: tensor ${bad} has shape ${formatShape(tensors[bad]!.shape)}, tensor 0 has ${formatShape(first.shape)}; expected all of one shape`);
  }
  const withAxis = [...first.shape.slice(0, ax), 1, ...first.shape.slice(ax)];
  return concat(
    tensors.map((t) => reshape(t, withAxis)),
    ax,
  );
}

function checkList(op: string, tensors: readonly Tensor[]): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError(`${op}: expected a non-empty array of tensors, got ${Array.isArray(tensors) ? 'an empty array' : typeof tensors}`);
  const bad = tensors.findIndex((t) => !(t instanceof Tensor));
  if (bad >= 0) throw new TypeError(`${op}: element ${bad} is ${typeof tensors[bad]}, expected a Tensor`);
  return tensors[0]!;
}
