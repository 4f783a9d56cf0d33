import { promote, type DType } from '../dtype.js';
import { apply } from '../engine.js';
import { kernels } from '../kernels/index.js';
import { defineOp } from '../op.js';
import { broadcastShapes, formatShape, rowMajorStrides } from '../shape.js';
import { createStorage, matrixView, type Storage } from '../storage.js';
import type { Tensor } from '../tensor.js';
import { broadcastTo, cast, matrixTranspose, reshape } from './shape.js';

const matmulOp = defineOp({
  name: 'matmul',
  forward: 'C = A·B',
  identity: 'dA = dC·Bᵀ, dB = Aᵀ·dC',
  compute: ([a, b]) => batchedProduct(a!, b!),
  gradients: [(dC, { inputs: [, b] }) => matmul(dC, matrixTranspose(b!)), (dC, { inputs: [a] }) => matmul(matrixTranspose(a!), dC)],
});

/** One kernel call per matrix of the batch; operands are read in place through their strides. */
function batchedProduct(a: Storage, b: Storage): Storage {
  const r = a.dimension;
  const [m, k, n] = [a.shape[r - 2]!, a.shape[r - 1]!, b.shape[r - 1]!];
  const batchShape = a.shape.slice(0, r - 2);
  const out = createStorage(a.dtype as DType, [...batchShape, m, n]);
  const batchStrides = rowMajorStrides(batchShape);
  const batches = out.size / (m * n) || 0;
  for (let index = 0; index < batches; index++) {
    let aOffset = 0;
    let bOffset = 0;
    for (let axis = 0; axis < batchShape.length; axis++) {
      const i = Math.floor(index / batchStrides[axis]!) % batchShape[axis]!;
      aOffset += i * a.stride[axis]!;
      bOffset += i * b.stride[axis]!;
    }
    kernels().matmul(m, n, k, matrixView(a, aOffset), matrixView(b, bOffset), out.data, index * m * n);
  }
  return out;
}

/** numpy's matmul: matrices, batches of matrices (batch axes broadcast), and vectors
 *  (a 1-D left operand is a row, a 1-D right operand a column; that axis is dropped again). */
export function matmul(a: Tensor, b: Tensor): Tensor {
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
  const batch = broadcastShapes('matmul', x.shape.slice(0, -2), y.shape.slice(0, -2));
  const dtype = promote(x.dtype, y.dtype);
  x = broadcastTo(cast(x, dtype), [...batch, ...x.shape.slice(-2)]);
  y = broadcastTo(cast(y, dtype), [...batch, ...y.shape.slice(-2)]);
  const c = apply(matmulOp, [x, y]);
  if (aVector && bVector) return reshape(c, batch);
  if (aVector) return reshape(c, [...batch, c.shape[c.shape.length - 1]!]);
  if (bVector) return reshape(c, c.shape.slice(0, -1));
  return c;
}
