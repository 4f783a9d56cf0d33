import { composed, defineComposite } from '../composite.js';
import { full } from '../creation.js';
import { internal, noGrad } from '../engine.js';
import { formatShape, normalizeAxes, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, sub } from './arithmetic.js';
import { eq, lt } from './compare.js';
import { exp, log, sqrt } from './elementwise.js';
import { sliceWindow } from './indexing.js';
import { concat } from './join.js';
import { max, mean, sum, type Axes } from './reduce.js';
import { abs, where } from './select.js';
import { reshape } from './shape.js';

function withoutAxes(shape: Shape, axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

/** A result computed with the reduced axes kept, reshaped to drop them unless `keepDims`. */
function finish(t: Tensor, shape: Shape, axes: readonly number[], keepDims: boolean): Tensor {
  return keepDims ? t : reshape(t, withoutAxes(shape, axes));
}

/** `t` where it is finite, else `fallback`: a constant of the graph (computed without recording). */
function finiteOr(t: Tensor, fallback: number): Tensor {
  return noGrad(() => where(lt(abs(t), Infinity), t, fallback));
}

const logsumexpComposite = defineComposite({
  name: 'logsumexp',
  forward: 'C = log Σ exp(A) over axes',
  composition: 'm + log Σ exp(A − m), m = max A over the axes held constant (no overflow)',
  identity: 'dA = dC broadcast back ∘ softmax(A) (the constant shift m drops out)',
});

/** log Σ exp(A) over `axis` (all axes when omitted), shifted by the maximum so that large
 *  entries do not overflow. */
export function logsumexp(a: Tensor, axis?: Axes, keepDims = false): Tensor {
  const axes = normalizeAxes('logsumexp', axis, a.shape.length);
  return composed(logsumexpComposite, [a], () => {
    const empty = axes.some((i) => a.shape[i] === 0);
    // The shift only has to be finite, not the exact maximum: rows of −∞ or +∞ are left unshifted.
    const shift = empty ? internal(full(a.shape.map((d, i) => (axes.includes(i) ? 1 : d)), 0, { dtype: a.dtype, backend: a.backend })) : finiteOr(noGrad(() => max(a, axes, true)), 0);
    return finish(add(log(sum(exp(sub(a, shift)), axes, true)), shift), a.shape, axes, keepDims);
  });
}

/** Options of `variance` and `std` (PyTorch's `correction` and `keepdim`). */
export interface VarianceOptions {
  /** Subtracted from the count in the denominator: 1 (PyTorch's default, Bessel's correction)
   *  gives the unbiased estimate, 0 the population variance (numpy's default). */
  correction?: number;
  /** Keep each reduced axis as size 1, so the result broadcasts against the input (default false). */
  keepDims?: boolean;
}

const varComposite = defineComposite({
  name: 'var',
  forward: 'C = Σ (A − mean A)² / (n − correction) over axes',
  composition: 'sum((A − mean(A))²) / (n − correction)',
  identity: 'dA = dC broadcast back ∘ 2(A − mean A)/(n − correction) (the mean\'s own term sums to zero)',
});

const stdComposite = defineComposite({
  name: 'std',
  forward: 'C = √var(A) over axes',
  composition: 'sqrt(var(A))',
  identity: 'dA = dC broadcast back ∘ (A − mean A)/((n − correction)·C)',
});

/** The variance over `axis` (all axes when omitted), with PyTorch's default correction 1. */
export function variance(a: Tensor, axis?: Axes, options: VarianceOptions = {}): Tensor {
  const { correction = 1, keepDims = false } = options;
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0) throw new RangeError(`var: correction must be a finite number ≥ 0, got ${String(correction)}`);
  const axes = normalizeAxes('var', axis, a.shape.length);
  const dof = axes.reduce((n, i) => n * a.shape[i]!, 1) - correction;
  if (dof <= 0) {
    throw new RangeError(
      `var: ${dof + correction} element(s) over axes [${axes.join(',')}] of shape ${formatShape(a.shape)} leave no degrees of freedom with correction ${correction}; ` +
        'expected more elements than the correction (pass { correction: 0 } for the population variance)',
    );
  }
  return composed(varComposite, [a], () => {
    const centered = sub(a, mean(a, axes, true));
    return div(sum(mul(centered, centered), axes, keepDims), dof);
  });
}

/** The standard deviation √var over `axis` (all axes when omitted). */
export function std(a: Tensor, axis?: Axes, options: VarianceOptions = {}): Tensor {
  return composed(stdComposite, [a], () => sqrt(variance(a, axis, options)));
}

const prodComposite = defineComposite({
  name: 'prod',
  forward: 'C = Π A over axes',
  composition: 'a tree of Hadamard products: even and odd positions multiplied pairwise, halving the axis until one is left',
  identity: 'dA = dC broadcast back ∘ (product of the other entries), from mul\'s rule dA = dC∘B along the tree: exact where entries are 0',
});

/** The product over one axis (kept with size 1), by pairwise products of its halves. */
function productAlong(t: Tensor, axis: number): Tensor {
  const n = t.shape[axis]!;
  if (n === 0) return internal(full(t.shape.map((d, i) => (i === axis ? 1 : d)), 1, { dtype: t.dtype, backend: t.backend }));
  let current = t;
  for (let size = n; size > 1; size = Math.ceil(size / 2)) {
    const half = Math.floor(size / 2);
    const positions = (start: number, step: number, count: number) =>
      sliceWindow(current, {
        start: current.shape.map((_, i) => (i === axis ? start : 0)),
        step: current.shape.map((_, i) => (i === axis ? step : 1)),
        count: current.shape.map((d, i) => (i === axis ? count : d)),
      });
    const pairs = mul(positions(0, 2, half), positions(1, 2, half));
    current = size % 2 === 0 ? pairs : concat([pairs, positions(size - 1, 1, 1)], axis);
  }
  return current;
}

/** The product over `axis` (all axes when omitted); the product of nothing is 1. */
export function prod(a: Tensor, axis?: Axes, keepDims = false): Tensor {
  const axes = normalizeAxes('prod', axis, a.shape.length);
  return composed(prodComposite, [a], () => finish(axes.reduce(productAlong, a), a.shape, axes, keepDims));
}

/** The order p of `norm`: 1 (Σ|x|), 2 (√Σx², the Euclidean or Frobenius norm) or Infinity (max|x|). */
export type NormOrder = 1 | 2 | typeof Infinity;

const normComposite = defineComposite({
  name: 'norm',
  forward: 'C = ‖A‖ₚ over axes: p = 2 (default) √Σ A², p = 1 Σ|A|, p = ∞ max|A|',
  composition: 'p = 2: s·√Σ (A/s)² with s = max|A| held constant (no overflow or underflow), 0 where the sum is 0; p = 1: sum(|A|); p = ∞: max(|A|)',
  identity: 'p = 2: dA = dC broadcast back ∘ A/C, and 0 where C = 0 (PyTorch\'s subgradient); p = 1: dC∘sign(A); p = ∞: dC at the largest |A| (ties share)',
});

/** The vector norm of the entries over `axis` (all axes when omitted, the Frobenius norm of a
 *  matrix): `ord` 2 (default), 1 or Infinity. */
export function norm(a: Tensor, ord: NormOrder = 2, axis?: Axes, keepDims = false): Tensor {
  if (ord !== 1 && ord !== 2 && ord !== Infinity) throw new RangeError(`norm: ord must be 1, 2 or Infinity, got ${String(ord)}`);
  const axes = normalizeAxes('norm', axis, a.shape.length);
  return composed(normComposite, [a], () => {
    if (ord === 1) return sum(abs(a), axes, keepDims);
    if (ord === Infinity) return max(abs(a), axes, keepDims);
    const largest = axes.some((i) => a.shape[i] === 0) ? null : noGrad(() => max(abs(a), axes, true));
    const scale = largest === null ? 1 : noGrad(() => where(eq(largest, 0), 1, finiteOr(largest, 1)));
    const scaled = div(a, scale);
    const squares = sum(mul(scaled, scaled), axes, true);
    // The double where keeps √'s rule away from 0: dB/(2B) there would be ∞·0.
    const zero = eq(squares, 0);
    const root = where(zero, 0, sqrt(where(zero, 1, squares)));
    return finish(mul(root, scale), a.shape, axes, keepDims);
  });
}
