import { promote } from '../dtype.js';
import { apply } from '../engine.js';
import { defineOp } from '../op.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { cast, matrixTranspose } from './shape.js';

/** The Affine layer of the seeds' book as one op: the bias is added as the product is
 *  written, and its rule is the layer's three identities at once. */
const affineOp = defineOp({
  name: 'affine',
  forward: 'Z = Φ·W + 1·bᵀ',
  identity: 'dΦ = dZ·Wᵀ, dW = Φᵀ·dZ, db = 1ᵀ·dZ',
  compute: ([x, w, b], _attrs, backend) => backend.affine(x!, w!, b!),
  gradients: [
    (dZ, { inputs: [, w] }) => matmul(dZ, matrixTranspose(w!)),
    (dZ, { inputs: [x] }) => matmul(matrixTranspose(x!), dZ),
    (dZ) => sum(dZ, 0),
  ],
});

/** Φ·W + b for a batch Φ [N, in], weights W [in, out] and bias b [out]. */
export function affine(x: Tensor, w: Tensor, b: Tensor): Tensor {
  for (const [name, t] of [['Φ', x], ['W', w], ['b', b]] as const) {
    if (!(t instanceof Tensor)) throw new TypeError(`affine: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  }
  const ok = x.shape.length === 2 && w.shape.length === 2 && b.shape.length === 1 && x.shape[1] === w.shape[0] && b.shape[0] === w.shape[1];
  if (!ok) {
    throw new RangeError(
      `affine: shapes Φ ${formatShape(x.shape)}, W ${formatShape(w.shape)}, b ${formatShape(b.shape)} do not fit; expected Φ [N, in], W [in, out], b [out]`,
    );
  }
  const dtype = promote(promote(x.dtype, w.dtype), b.dtype);
  return apply(affineOp, [cast(x, dtype), cast(w, dtype), cast(b, dtype)]);
}
