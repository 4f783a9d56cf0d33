import { composed, defineComposite } from '../composite.js';
import type { Tensor } from '../tensor.js';
import { mul } from './arithmetic.js';
import { gt } from './compare.js';
import { clamp, where } from './select.js';
import { expm1 } from './smooth.js';

const leakyReluComposite = defineComposite({
  name: 'leakyRelu',
  forward: 'B = A where A > 0, α·A elsewhere',
  composition: 'where([A > 0], A, α·A)',
  identity: 'dA = dB∘[A > 0] + α·dB∘[A ≤ 0] (where routes dB to the branch that was chosen)',
});

const eluComposite = defineComposite({
  name: 'elu',
  forward: 'B = A where A > 0, α·(exp(A) − 1) elsewhere',
  composition: 'where([A > 0], A, α·expm1(min(A, 0)))',
  identity: 'dA = dB∘[A > 0] + dB∘α·exp(A)∘[A ≤ 0] (the clamp at 0 keeps exp from overflowing in the branch not chosen)',
});

function checkNumber(op: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${op}: ${name} must be a finite number, got ${String(value)}`);
}

/** A where A > 0, slope·A elsewhere (PyTorch's default slope 0.01). */
export function leakyRelu(a: Tensor, negativeSlope = 0.01): Tensor {
  checkNumber('leakyRelu', 'negativeSlope', negativeSlope);
  return composed(leakyReluComposite, [a], () => where(gt(a, 0), a, mul(a, negativeSlope)));
}

/** The exponential linear unit: A where A > 0, α·(exp(A) − 1) elsewhere (α = 1 by default). */
export function elu(a: Tensor, alpha = 1): Tensor {
  checkNumber('elu', 'alpha', alpha);
  return composed(eluComposite, [a], () => where(gt(a, 0), a, mul(expm1(clamp(a, null, 0)), alpha)));
}
