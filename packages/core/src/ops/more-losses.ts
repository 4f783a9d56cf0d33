import { composed, defineComposite } from '../composite.js';
import { formatShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { mul, neg, sub } from './arithmetic.js';
import { lt } from './compare.js';
import { take } from './gather.js';
import { mean, sum } from './reduce.js';
import { abs, where } from './select.js';
import { reshape } from './shape.js';
import { softplus } from './smooth.js';

/** How a loss combines its per-element terms: their mean (default), their sum, or none. */
export type Reduction = 'mean' | 'sum' | 'none';

function reduce(op: string, terms: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'mean') return mean(terms);
  if (reduction === 'sum') return sum(terms);
  if (reduction === 'none') return terms;
  throw new TypeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
}

function checkPair(op: string, prediction: Tensor, target: Tensor): void {
  if (!(prediction instanceof Tensor) || !(target instanceof Tensor)) throw new TypeError(`${op}: expected two tensors (prediction, target)`);
  if (!sameShape(prediction.shape, target.shape)) {
    throw new RangeError(`${op}: prediction ${formatShape(prediction.shape)} and target ${formatShape(target.shape)} must have the same shape`);
  }
}

const bceComposite = defineComposite({
  name: 'binaryCrossEntropyWithLogits',
  forward: 'L = mean(−Y∘log σ(A) − (1 − Y)∘log(1 − σ(A)))',
  composition: 'mean(softplus(A) − A∘Y): the same sum, with no log of a probability that underflowed',
  identity: 'dA = dL·(σ(A) − Y)/n, dY = −dL·A/n (softplus′ = σ)',
});

/** Binary cross-entropy on logits A (the stable form PyTorch's BCEWithLogitsLoss uses):
 *  targets Y in [0, 1] of the same shape. */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkPair('binaryCrossEntropyWithLogits', logits, targets);
  return composed(bceComposite, [logits, targets], () => reduce('binaryCrossEntropyWithLogits', sub(softplus(logits), mul(logits, targets)), reduction));
}

const l1Composite = defineComposite({
  name: 'l1Loss',
  forward: 'L = mean |A − Y|',
  composition: 'mean(|A − Y|)',
  identity: 'dA = dL·sign(A − Y)/n, dY = −dA (0 where A = Y)',
});

/** Mean absolute error. */
export function l1Loss(prediction: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkPair('l1Loss', prediction, target);
  return composed(l1Composite, [prediction, target], () => reduce('l1Loss', abs(sub(prediction, target)), reduction));
}

const huberComposite = defineComposite({
  name: 'huberLoss',
  forward: 'L = mean of ½D² where |D| < δ, δ(|D| − ½δ) elsewhere, D = A − Y',
  composition: 'where([|D| < δ], ½D², δ(|D| − ½δ))',
  identity: 'dA = dL·clamp(D, −δ, δ)/n, dY = −dA',
});

/** The Huber loss (PyTorch's HuberLoss): quadratic within δ of the target, linear beyond. */
export function huberLoss(prediction: Tensor, target: Tensor, delta = 1, reduction: Reduction = 'mean'): Tensor {
  checkPair('huberLoss', prediction, target);
  if (typeof delta !== 'number' || !(delta > 0) || !Number.isFinite(delta)) throw new RangeError(`huberLoss: delta must be a finite positive number, got ${String(delta)}`);
  return composed(huberComposite, [prediction, target], () => {
    const d = sub(prediction, target);
    const size = abs(d);
    return reduce('huberLoss', where(lt(size, delta), mul(mul(d, d), 0.5), mul(sub(size, 0.5 * delta), delta)), reduction);
  });
}

const nllComposite = defineComposite({
  name: 'nllLoss',
  forward: 'L = −mean over rows of A[n, yₙ] (A: log-probabilities [N, C])',
  composition: '−mean(take(flattened A, n·C + yₙ))',
  identity: 'dA = −dL/N at [n, yₙ], 0 elsewhere (take\'s rule: scatterAdd)',
});

/** The negative log-likelihood of class indices under log-probabilities [N, C] (such as
 *  logSoftmax's output): PyTorch's nll_loss. */
export function nllLoss(logProbs: Tensor, targets: readonly number[] | Int32Array | Tensor, reduction: Reduction = 'mean'): Tensor {
  if (logProbs.shape.length !== 2) throw new RangeError(`nllLoss: log-probabilities must be [N, C], got shape ${formatShape(logProbs.shape)}`);
  const [n, c] = logProbs.shape as [number, number];
  const classes = targets instanceof Tensor ? targets.values() : targets;
  if (classes.length !== n) throw new RangeError(`nllLoss: ${classes.length} targets for ${n} rows of shape ${formatShape(logProbs.shape)}`);
  const positions = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    const k = classes[row]!;
    if (!Number.isInteger(k) || k < 0 || k >= c) throw new RangeError(`nllLoss: class index ${k} at row ${row} is out of range; expected an integer in [0, ${c - 1}]`);
    positions[row] = row * c + k;
  }
  return composed(nllComposite, [logProbs], () => reduce('nllLoss', neg(take(reshape(logProbs, [n * c]), positions)), reduction));
}
