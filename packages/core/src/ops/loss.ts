import type { Backend } from '../backends/backend.js';
import type { DType } from '../dtype.js';
import { apply, constant, internal, isGradEnabled } from '../engine.js';
import { defineOp } from '../op.js';
import { formatShape, sameShape } from '../shape.js';
import { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { div, mul, neg, sub } from './arithmetic.js';
import { sum } from './reduce.js';
import { cast } from './shape.js';
import { logSoftmax, softmax } from './softmax.js';

interface LossAttrs {
  /** Whether every row of Y is known to sum to 1 (one-hot rows made from class indices). */
  rowsSumToOne: boolean;
}

const softmaxCrossEntropyOp = defineOp<LossAttrs>({
  name: 'softmaxCrossEntropy',
  forward: 'L = −(1/N)·Σ Y∘log softmax(A)',
  identity:
    'dA = dL·(B∘rowsum(Y) − Y)/N with B = softmax(A), which is dL·(B − Y)/N when every row of Y sums to 1 (one-hot targets): stable, no division by B; dY = −dL·log softmax(A)/N',
  compute: ([a, y], _attrs, backend) => backend.softmaxCrossEntropy(a!, y!),
  gradients: [
    (dL, { inputs: [a, y], attrs: { rowsSumToOne } }) => {
      const scale = div(dL, a!.shape[0]!);
      // Soft targets (label smoothing, rows that do not sum to 1) need the general form.
      const oneHot = rowsSumToOne && !y!.requiresGrad;
      if (oneHot && !isGradEnabled()) return scaledDifference(a!, y!, scale);
      const b = softmax(a!);
      return mul(sub(oneHot ? b : mul(b, sum(y!, 1, true)), y!), scale);
    },
    (dL, { inputs: [a] }) => mul(logSoftmax(a!), div(neg(dL), a!.shape[0]!)),
  ],
});

/** (softmax(A) − Y)·s as a constant, through the kernels that softmax, sub and mul run, without
 *  the tensors and graph nodes the ops would make: the loss's gradient in every training step
 *  whose backward pass is not recorded. */
function scaledDifference(a: Tensor, y: Tensor, scale: Tensor): Tensor {
  const backend = a.storage.backend;
  const b = backend.softmax(a.storage, 1);
  const difference = backend.binary('sub', b, y.storage);
  b.ref.release();
  const scaled = backend.binary('mul', difference, scale.storage.broadcast(a.shape));
  difference.ref.release();
  return constant(scaled);
}

/** Class indices (one per row), as numbers or a 1-D tensor; or one-hot / probability rows. */
export type Targets = Tensor | readonly number[] | Int32Array | Uint8Array | Uint16Array;

/** The fused softmax + cross-entropy loss, averaged over the batch: logits [N, C], targets
 *  as N class indices or an [N, C] matrix of one-hot (or probability) rows. */
export function softmaxCrossEntropy(logits: Tensor, targets: Targets): Tensor {
  if (!(logits instanceof Tensor)) throw new TypeError(`softmaxCrossEntropy: logits must be a Tensor [N, C], got ${logits === null ? 'null' : typeof logits}`);
  const isIndexList = Array.isArray(targets) || targets instanceof Int32Array || targets instanceof Uint8Array || targets instanceof Uint16Array;
  if (!(targets instanceof Tensor) && !isIndexList) {
    throw new TypeError(
      `softmaxCrossEntropy: targets must be N class indices (an array, Int32Array, Uint8Array, Uint16Array or 1-D Tensor) or an [N, C] Tensor of target rows, got ${targets === null ? 'null' : typeof targets}`,
    );
  }
  if (logits.shape.length !== 2) {
    throw new RangeError(`softmaxCrossEntropy: logits must be 2-D [N, C] (a row of class scores per sample), got shape ${formatShape(logits.shape)}`);
  }
  const [n, c] = logits.shape as [number, number];
  if (n === 0) throw new RangeError(`softmaxCrossEntropy: the batch is empty (logits shape ${formatShape(logits.shape)})`);
  const y = targetMatrix(logits, targets, n, c);
  const fromIndices = !(targets instanceof Tensor && targets.shape.length === 2);
  return apply(softmaxCrossEntropyOp, [logits, y], { rowsSumToOne: fromIndices || rowsSumExactlyToOne(y) });
}

/** Whether constant targets are one-hot or probability rows (each row sums to exactly 1), so the
 *  rule may take its short form (B − Y)/N; checked where values can be read synchronously. */
function rowsSumExactlyToOne(y: Tensor): boolean {
  if (y.requiresGrad || !y.storage.backend.readsSynchronously) return false;
  const values = y.values();
  const c = y.shape[1]!;
  for (let row = 0; row < values.length; row += c) {
    let total = 0;
    for (let j = 0; j < c; j++) total += values[row + j]!;
    if (total !== 1) return false;
  }
  return true;
}

function targetMatrix(logits: Tensor, targets: Targets, n: number, c: number): Tensor {
  if (targets instanceof Tensor && targets.shape.length === 2) {
    if (!sameShape(targets.shape, logits.shape)) {
      throw new RangeError(`softmaxCrossEntropy: one-hot targets of shape ${formatShape(targets.shape)} do not match logits ${formatShape(logits.shape)}`);
    }
    return cast(targets, logits.dtype);
  }
  if (targets instanceof Tensor && targets.shape.length !== 1) {
    throw new RangeError(`softmaxCrossEntropy: targets must be N class indices or an [N, C] one-hot matrix, got shape ${formatShape(targets.shape)} for logits ${formatShape(logits.shape)}`);
  }
  if (targets instanceof Tensor && !targets.storage.backend.readsSynchronously) return deviceOneHot(logits, targets, n, c);
  const indices = targets instanceof Tensor ? targets.values() : targets;
  for (let row = 0; row < indices.length; row++) {
    const k: unknown = indices[row];
    if (typeof k !== 'number') throw new TypeError(`softmaxCrossEntropy: class index at row ${row} is ${JSON.stringify(k)}, expected an integer`);
  }
  if (indices.length !== n) {
    throw new RangeError(`softmaxCrossEntropy: ${indices.length} class indices for ${n} rows of logits ${formatShape(logits.shape)}`);
  }
  const oneHot = oneHotScratch(n * c);
  for (let row = 0; row < n; row++) {
    const k = indices[row]!;
    if (!Number.isInteger(k) || k < 0 || k >= c) {
      throw new RangeError(
        `softmaxCrossEntropy: class index ${k} at row ${row} is out of range for ${c} classes (logits shape ${formatShape(logits.shape)}); expected an integer in [0, ${c - 1}]`,
      );
    }
    oneHot[row * c + k] = 1;
  }
  return internal(new Tensor(logits.storage.backend.upload(oneHot, logits.dtype, [n, c]), { requiresGrad: false, creator: null, name: 'Y' }));
}

/** The one-hot matrix is built here and copied onto the backend: one array kept between calls
 *  instead of a new one every training step. */
let oneHotValues = new Float64Array(0);

/** `length` zeros in the kept array (grown when too short). */
function oneHotScratch(length: number): Float64Array {
  if (oneHotValues.length < length) oneHotValues = new Float64Array(length);
  const zeros = oneHotValues.subarray(0, length);
  zeros.fill(0);
  return zeros;
}

/** Small constant tensors the device one-hot needs (the class positions 0..C−1 as a row
 *  [1, C], the numbers 1 and NaN), made once per backend, dtype and value. */
const constants = new WeakMap<Backend, Map<string, Storage>>();

function sharedConstant(backend: Backend, dtype: DType, key: string, make: () => Storage): Storage {
  let made = constants.get(backend);
  if (made === undefined) constants.set(backend, (made = new Map()));
  let value = made.get(`${dtype}:${key}`);
  if (value === undefined) made.set(`${dtype}:${key}`, (value = make()));
  return value;
}

/**
 * One-hot rows from class indices that live on a backend that cannot read them synchronously
 * (a GPU), made there: Y = [index = class], without a round trip. The indices cannot be
 * checked before the loss is computed, so a row whose index is not a class (out of range,
 * not an integer, NaN) becomes a row of NaN: the loss is NaN rather than silently ignoring it.
 */
function deviceOneHot(logits: Tensor, targets: Tensor, n: number, c: number): Tensor {
  if (targets.shape[0] !== n) {
    throw new RangeError(`softmaxCrossEntropy: ${targets.shape[0]} class indices for ${n} rows of logits ${formatShape(logits.shape)}`);
  }
  if (targets.storage.backend !== logits.storage.backend) {
    throw new Error(`softmaxCrossEntropy: the class indices are on the '${targets.backend}' backend, the logits on '${logits.backend}'; move one with tensor.to()`);
  }
  const backend = logits.storage.backend;
  const labels = targets.storage;
  const column = new Storage(labels.ref, [n, c], [labels.strides[0]!, 0], labels.offset);
  const dtype = targets.dtype;
  const classes = sharedConstant(backend, dtype, `classes ${c}`, () => backend.upload(Array.from({ length: c }, (_, k) => k), dtype, [1, c]));
  const one = sharedConstant(backend, dtype, '1', () => backend.fill(dtype, [], 1));
  const nan = sharedConstant(backend, dtype, 'NaN', () => backend.fill(dtype, [], NaN));
  const hits = backend.binary('eq', column, classes.broadcast([n, c]));
  const perRow = backend.reduce('sum', hits, [n, 1]);
  const valid = backend.binary('eq', perRow, one.broadcast([n, 1]));
  const y = backend.where(valid.broadcast([n, c]), hits, nan.broadcast([n, c]));
  for (const temporary of [hits, perRow, valid]) temporary.ref.release();
  return cast(internal(new Tensor(y, { requiresGrad: false, creator: null, name: 'Y' })), logits.dtype);
}
