import type { OptimizerHyperparameters, OptimizerRule } from '../backends/backend.js';
import { formatShape, sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * Updates a parameter and its optimizer slots in place from its gradient, with one kernel of
 * the parameter's backend (nn's optimizers call this; the rules are documented there). Not an
 * op: nothing is recorded, and the parameter's memory is overwritten.
 */
export function optimizerStep(rule: OptimizerRule, param: Tensor, grad: Tensor, slots: readonly Tensor[], h: OptimizerHyperparameters): void {
  if (!param.isLeaf) throw new TypeError(`optimizerStep(${rule}): the parameter must be a leaf tensor; this one was made by '${param.creator!.op.name}'`);
  if (!param.storage.isContiguous) throw new TypeError(`optimizerStep(${rule}): the parameter is a strided view, so it cannot be updated in place; give the optimizer the tensor itself`);
  // Checked without building a list or a message first: an optimizer calls this for every
  // parameter at every step.
  checkLike(rule, 'gradient', grad, param);
  for (let i = 0; i < slots.length; i++) checkLike(rule, i, slots[i]!, param);
  // Counted as written before the kernel runs, so that a backend may note facts about the new
  // contents under the new version (the CPU backend: weights found finite as they were written).
  param.storage.ref.version++;
  for (const s of slots) s.storage.ref.version++;
  param.storage.backend.optimizerStep(rule, param.storage, grad.storage, slots.map((s) => s.storage), h);
}

/** `t` (the gradient, or slot i) must have the parameter's shape, dtype and backend. */
function checkLike(rule: OptimizerRule, what: string | number, t: Tensor, param: Tensor): void {
  if (!sameShape(t.shape, param.shape) || t.dtype !== param.dtype) {
    throw new RangeError(`optimizerStep(${rule}): ${nameOf(what)} is ${t.dtype} ${formatShape(t.shape)}, expected ${param.dtype} ${formatShape(param.shape)} like the parameter`);
  }
  if (t.storage.backend !== param.storage.backend) {
    throw new Error(`optimizerStep(${rule}): ${nameOf(what)} is on the '${t.backend}' backend, the parameter on '${param.backend}'`);
  }
}

function nameOf(what: string | number): string {
  return `the ${typeof what === 'number' ? `slot ${what}` : what}`;
}
