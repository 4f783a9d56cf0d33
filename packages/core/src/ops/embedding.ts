import { composed, defineComposite } from '../composite.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { take, type Indices } from './gather.js';

const embeddingComposite = defineComposite({
  name: 'embedding',
  forward: 'Y = W[idx]: the rows of the table W at the indices',
  composition: 'take(W, idx, axis 0)',
  identity: 'dW = scatterAdd(dY, idx): each row of dY added to the row it was read from; a row read k times sums its k gradients',
});

/** The rows of `weight` [num, dim] at `indices` (any shape): the result is indices' shape + [dim]. */
export function embedding(indices: Indices, weight: Tensor): Tensor {
  if (weight.shape.length !== 2) throw new RangeError(`embedding: the table must be [num, dim], got shape ${formatShape(weight.shape)}`);
  return composed(embeddingComposite, [weight], () => take(weight, indices, 0));
}
