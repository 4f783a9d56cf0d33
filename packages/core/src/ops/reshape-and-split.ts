import { composed, composedMany, defineComposite } from '../composite.js';
import { formatShape, normalizeAxes, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { sliceWindow, windowAlong } from './indexing.js';
import { reshape } from './shape.js';

const squeezeComposite = defineComposite({
  name: 'squeeze',
  forward: 'C = A without size-1 axes',
  composition: 'reshape',
  identity: 'dA = reshape(dC, shape of A)',
});

const unsqueezeComposite = defineComposite({
  name: 'unsqueeze',
  forward: 'C = A with a new size-1 axis',
  composition: 'reshape',
  identity: 'dA = reshape(dC, shape of A)',
});

const flattenComposite = defineComposite({
  name: 'flatten',
  forward: 'C = A with axes start…end merged into one',
  composition: 'reshape',
  identity: 'dA = reshape(dC, shape of A)',
});

const splitComposite = defineComposite({
  name: 'split',
  forward: 'C₁, …, Cₖ = consecutive pieces of A along an axis',
  composition: 'one slice per piece',
  identity: 'dA = [dC₁ dC₂ … dCₖ] joined along the axis (each slice\'s rule places its dC, the fan-out rule sums them)',
});

/** Without the size-1 axes (all of them, or those named; naming a longer axis is an error). */
export function squeeze(a: Tensor, axis?: number | readonly number[]): Tensor {
  const axes = axis === undefined ? a.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, a.shape.length);
  const long = axes.find((i) => a.shape[i] !== 1);
  if (long !== undefined) throw new RangeError(`squeeze: axis ${long} of shape ${formatShape(a.shape)} has size ${a.shape[long]}, expected size 1`);
  return composed(squeezeComposite, [a], () => reshape(a, a.shape.filter((_, i) => !axes.includes(i))));
}

/** A new size-1 axis at `axis` (counted in the result, so -1 appends one). */
export function unsqueeze(a: Tensor, axis: number): Tensor {
  const at = normalizeAxis('unsqueeze', axis, a.shape.length + 1);
  return composed(unsqueezeComposite, [a], () => reshape(a, [...a.shape.slice(0, at), 1, ...a.shape.slice(at)]));
}

/** Axes `startAxis` through `endAxis` (inclusive) merged into one: by default all of them, so a
 *  tensor becomes a vector (PyTorch's torch.flatten; nn.Flatten keeps the batch axis). */
export function flatten(a: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (a.shape.length === 0) return composed(flattenComposite, [a], () => reshape(a, [1]));
  const start = normalizeAxis('flatten', startAxis, a.shape.length);
  const end = normalizeAxis('flatten', endAxis, a.shape.length);
  if (start > end) throw new RangeError(`flatten: startAxis ${startAxis} comes after endAxis ${endAxis} for shape ${formatShape(a.shape)}`);
  const merged = a.shape.slice(start, end + 1).reduce((n, d) => n * d, 1);
  return composed(flattenComposite, [a], () => reshape(a, [...a.shape.slice(0, start), merged, ...a.shape.slice(end + 1)]));
}

/** PyTorch's split: pieces of `sizes` positions along `axis` — one number for equal pieces (the
 *  last may be shorter), or a list of sizes that adds up to the axis. */
export function split(a: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  if (a.shape.length === 0) throw new RangeError('split: cannot split a scalar (0-d tensor)');
  const ax = normalizeAxis('split', axis, a.shape.length);
  const length = a.shape[ax]!;
  let pieces: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes < 1) throw new RangeError(`split: the piece size must be a positive integer, got ${sizes}`);
    pieces = Array.from({ length: Math.max(1, Math.ceil(length / sizes)) }, (_, k) => Math.min(sizes, length - k * sizes));
  } else {
    if (!Array.isArray(sizes) || !sizes.every((s) => Number.isInteger(s) && s >= 0)) {
      throw new TypeError(`split: sizes must be a positive integer or a list of non-negative integers, got ${JSON.stringify(sizes)}`);
    }
    const total = sizes.reduce((n, s) => n + s, 0);
    if (total !== length) throw new RangeError(`split: sizes ${JSON.stringify(sizes)} add up to ${total}, but axis ${ax} of shape ${formatShape(a.shape)} has ${length}`);
    pieces = [...sizes];
  }
  return composedMany(splitComposite, [a], () => {
    let from = 0;
    return pieces.map((count) => {
      const piece = sliceWindow(a, windowAlong(a.shape, ax, from, count));
      from += count;
      return piece;
    });
  });
}

/** PyTorch's chunk: `chunks` pieces of ⌈n/chunks⌉ positions along `axis` (fewer when the
 *  axis runs out first, as in PyTorch). */
export function chunk(a: Tensor, chunks: number, axis = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  if (a.shape.length === 0) throw new RangeError('chunk: cannot split a scalar (0-d tensor)');
  const length = a.shape[normalizeAxis('chunk', axis, a.shape.length)]!;
  return split(a, Math.max(1, Math.ceil(length / chunks)), axis);
}
