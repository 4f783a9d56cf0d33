import { promote } from '../dtype.js';
import { apply } from '../engine.js';
import { defineOp } from '../op.js';
import { broadcastShapes, formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastTo, cast, matrixTranspose, reshape } from './shape.js';

const matmulOp = defineOp({
  name: 'matmul',
  forward: 'C = A·B',
  identity: 'dA = dC·Bᵀ, dB = Aᵀ·dC',
  // Operands are read in place through their strides: a transposed operand is never copied.
  compute: ([a, b], _attrs, backend) => backend.matmul(a!, b!),
  gradients: [(dC, { inputs: [, b] }) => matmul(dC, matrixTranspose(b!)), (dC, { inputs: [a] }) => matmul(matrixTranspose(a!), dC)],
});

/** numpy's matmul: matrices, batches of matrices (batch axes broadcast), and vectors
 *  (a 1-D left operand is a row, a 1-D right operand a column; that axis is dropped again). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  for (const [name, t] of [['A', a], ['B', b]] as const) {
    if (!(t instanceof Tensor)) throw new TypeError(`matmul: ${name} must be a Tensor, got ${typeof t === 'number' ? `the number ${t} (use mul for scalars)` : t === null ? 'null' : typeof t}`);
  }
  if (a.shape.length === 0 || b.shape.length === 0) {
    throw new RangeError(`matmul: operands must have at least 1 dimension, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} (use mul for scalars)`);
  }
  const aVector = a.shape.length === 1;
  const bVector = b.shape.length === 1;
  let x = aVector ? reshape(a, [1, a.shape[0]!]) : a;
  let y = bVector ? reshape(b, [b.shape[0]!, 1]) : b;
  const k = x.shape[x.shape.length - 1]!;
  if (y.shape[y.shape.length - 2] !== k) {
    throw new RangeError(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} are not aligned: ` +
        `A has ${k} columns but B has ${y.shape[y.shape.length - 2]} rows (expected A: [..., m, k] and B: [..., k, n])`,
    );
  }
  const dtype = promote(x.dtype, y.dtype);
  // Two matrices (most products, and every rule's): no batch axes to broadcast.
  if (x.shape.length === 2 && y.shape.length === 2) {
    const c = apply(matmulOp, [cast(x, dtype), cast(y, dtype)]);
    if (aVector && bVector) return reshape(c, []);
    return aVector ? reshape(c, [c.shape[1]!]) : bVector ? reshape(c, [c.shape[0]!]) : c;
  }
  const batch = broadcastShapes('matmul', x.shape.slice(0, -2), y.shape.slice(0, -2));
  x = broadcastTo(cast(x, dtype), [...batch, ...x.shape.slice(-2)]);
  y = broadcastTo(cast(y, dtype), [...batch, ...y.shape.slice(-2)]);
  const c = apply(matmulOp, [x, y]);
  if (aVector && bVector) return reshape(c, batch);
  if (aVector) return reshape(c, [...batch, c.shape[c.shape.length - 1]!]);
  if (bVector) return reshape(c, c.shape.slice(0, -1));
  return c;
}
