import type { Backend, BinaryKernel } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { promote, type DType } from '../dtype.js';
import { apply, constant, internal } from '../engine.js';
import { defineOp, opNamed, type Op } from '../op.js';
import { broadcastShapes, sameShape } from '../shape.js';
import type { Storage } from '../storage.js';
import { scalar } from '../creation.js';
import { Tensor } from '../tensor.js';
import { broadcastTo, cast } from './shape.js';

/** A tensor or a plain number; a number takes the dtype of the tensor it meets (numpy's weak scalars). */
export type Operand = Tensor | number;

function binaryCompute(kernel: BinaryKernel) {
  return ([a, b]: Storage[], _attrs: unknown, backend: Backend) => backend.binary(kernel, a!, b!);
}

/** Numbers become tensors, dtypes are promoted and shapes broadcast — each step a node of
 *  its own (cast, broadcastTo), so the binary ops' rules only ever see equal shapes. */
export function binaryOperands(op: string, a: Operand, b: Operand): [Tensor, Tensor] {
  const dtype: DType =
    a instanceof Tensor && b instanceof Tensor ? promote(a.dtype, b.dtype) : a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : 'float64';
  const backend = a instanceof Tensor ? a.storage.backend : b instanceof Tensor ? b.storage.backend : getBackend();
  const x = cast(toTensor(op, a, dtype, backend), dtype);
  const y = cast(toTensor(op, b, dtype, backend), dtype);
  const shape = broadcastShapes(op, x.shape, y.shape);
  // Most operands already have the shape: broadcastTo would check it again and find nothing to do.
  return [sameShape(x.shape, shape) ? x : broadcastTo(x, shape), sameShape(y.shape, shape) ? y : broadcastTo(y, shape)];
}

function toTensor(op: string, value: Operand, dtype: DType, backend: Backend): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value !== 'number') throw new TypeError(`${op}: operand must be a Tensor or a number, got ${value === null ? 'null' : typeof value}`);
  return internal(scalar(value, dtype, backend));
}

function binary(op: Op) {
  return (a: Operand, b: Operand): Tensor => apply(op, binaryOperands(op.name, a, b));
}

const addOp = defineOp({
  name: 'add',
  forward: 'C = A + B',
  identity: 'dA = dC, dB = dC (the gradient passes through unchanged)',
  compute: binaryCompute('add'),
  gradients: [(dC) => dC, (dC) => dC],
});

const subOp = defineOp({
  name: 'sub',
  forward: 'C = A − B',
  identity: 'dA = dC, dB = −dC',
  compute: binaryCompute('sub'),
  gradients: [(dC) => dC, (dC) => neg(dC)],
});

const mulOp = defineOp({
  name: 'mul',
  forward: 'C = A∘B (Hadamard product)',
  identity: 'dA = dC∘B, dB = dC∘A',
  compute: binaryCompute('mul'),
  gradients: [(dC, { inputs: [, b] }) => mul(dC, b!), (dC, { inputs: [a] }) => mul(dC, a!)],
});

const divOp = defineOp({
  name: 'div',
  forward: 'C = A / B',
  identity: 'dA = dC / B, dB = −dC∘A / B²',
  compute: binaryCompute('div'),
  gradients: [(dC, { inputs: [, b] }) => div(dC, b!), (dC, { inputs: [a, b] }) => neg(div(mul(dC, a!), mul(b!, b!)))],
});

/**
 * A + B elementwise, with numpy broadcasting; dtypes promote (float32 with float64 gives
 * float64) and a number takes the tensor's dtype. Also `a.add(b)`.
 *
 * @example
 * ```ts
 * add(tensor([[1, 2], [3, 4]]), tensor([10, 20])); // [[11, 22], [13, 24]]: the row is added to each row
 * ```
 */
export const add = binary(addOp);
/** A − B elementwise, broadcasting and promoting as `add` does. Also `a.sub(b)`. */
export const sub = binary(subOp);
/**
 * A ∘ B, the elementwise (Hadamard) product, broadcasting and promoting as `add` does; for
 * the matrix product use `matmul`. Also `a.mul(b)`.
 */
export const mul = binary(mulOp);
/**
 * A / B elementwise, broadcasting and promoting as `add` does; dividing by 0 gives ±Infinity
 * or NaN, as IEEE 754 does, not an error. Also `a.div(b)`.
 */
export const div = binary(divOp);

const negOp = defineOp({
  name: 'neg',
  forward: 'C = −A',
  identity: 'dA = −dC',
  compute: ([a], _attrs, backend) => backend.unary('neg', a!),
  gradients: [(dC) => neg(dC)],
});

/** −A elementwise. Also `a.neg()`. */
export function neg(a: Tensor): Tensor {
  return apply(negOp, [a]);
}

const powOp = defineOp<{ exponent: number }>({
  name: 'pow',
  forward: 'C = A^p (p a number)',
  identity: 'dA = dC∘p·A^(p−1)',
  compute: ([a], { exponent }, backend) => {
    const p = backend.fill(a!.dtype, [], exponent);
    const out = backend.binary('pow', a!, p.broadcast(a!.shape));
    p.ref.release();
    return out;
  },
  // p = 0: the derivative is 0 everywhere, also at A = 0 where p·A^(p−1) would be 0·∞.
  gradients: [(dC, { inputs: [a], attrs: { exponent } }) => (exponent === 0 ? mul(dC, 0) : mul(dC, mul(pow(a!, exponent - 1), exponent)))],
});

const powTensorOp = defineOp({
  name: 'powTensor',
  forward: 'C = A^B (elementwise, B a tensor)',
  identity: 'dA = dC∘B∘A^(B−1) (0 where A = B = 0), dB = dC∘C∘log(A) (0 where A = 0: C is 0 or 1 there), as in PyTorch',
  compute: binaryCompute('pow'),
  gradients: [
    // Where A = 0 and B = 0 the exponent B − 1 is raised by 1 (a constant mask): B∘A^0 = 0 there
    // rather than 0·∞; elsewhere the rule (and its own derivative) is untouched.
    (dC, { inputs: [a, b] }) => mul(dC, mul(b!, powTensor(a!, add(sub(b!, 1), mul(zeroMask(a!), zeroMask(b!)))))),
    (dC, { inputs: [a], output }) => mul(dC, mul(output, logOf(safeBase(a!)))),
  ],
});

function powTensor(a: Tensor, b: Tensor): Tensor {
  return apply(powTensorOp, [a, b]);
}

/** [A = 0] as 1s and 0s: a constant of the backward pass, not a node of the graph. */
function zeroMask(a: Tensor): Tensor {
  const backend = a.storage.backend;
  const zero = backend.fill(a.dtype, [], 0);
  const mask = constant(backend.binary('eq', a.storage, zero.broadcast(a.shape)));
  zero.ref.release();
  return mask;
}

/** A + [A = 0]: A with its zeros replaced by 1. log(A) would be −∞ there, and C∘log(A) would
 *  be 0·∞ where the exponent's gradient of 0^B is taken as 0, as in PyTorch. */
function safeBase(a: Tensor): Tensor {
  return add(a, zeroMask(a));
}

/** log, found by name: elementwise.ts imports this file. */
function logOf(a: Tensor): Tensor {
  return apply(opNamed('log'), [a]);
}

/**
 * A raised elementwise to `exponent`: a number (one op, dA = dC∘p·A^(p−1); exponent 0 has the
 * derivative 0 everywhere, also at A = 0) or a tensor, base and exponent broadcast together
 * (dB = dC∘C∘log A as well). A negative base with a non-integer exponent gives NaN, as
 * `Math.pow` does. Also `a.pow(p)`.
 *
 * @throws TypeError when a number exponent is NaN, or neither argument is a tensor.
 */
export function pow(a: Operand, exponent: Operand): Tensor {
  if (typeof exponent === 'number' && a instanceof Tensor) {
    if (Number.isNaN(exponent)) throw new TypeError(`pow: the exponent must be a number, got ${String(exponent)}`);
    return apply(powOp, [a], { exponent });
  }
  if (!(a instanceof Tensor) && !(exponent instanceof Tensor)) {
    throw new TypeError(`pow: expected a tensor base or a tensor exponent, got ${typeof a} and ${typeof exponent}`);
  }
  return apply(powTensorOp, binaryOperands('pow', a, exponent));
}
