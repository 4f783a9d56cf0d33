import type { Backend, SmoothUnaryKernel } from '../backends/backend.js';
import { apply } from '../engine.js';
import { defineOp } from '../op.js';
import type { Storage } from '../storage.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, neg } from './arithmetic.js';
import { exp, sigmoid } from './elementwise.js';
import { clamp } from './select.js';

function kernel(name: SmoothUnaryKernel) {
  return ([a]: Storage[], _attrs: unknown, backend: Backend) => backend.unary(name, a!);
}

const sinOp = defineOp({
  name: 'sin',
  forward: 'B = sin(A)',
  identity: "dA = dB∘cos(A) (sin' = cos)",
  compute: kernel('sin'),
  gradients: [(dB, { inputs: [a] }) => mul(dB, cos(a!))],
});

const cosOp = defineOp({
  name: 'cos',
  forward: 'B = cos(A)',
  identity: "dA = −dB∘sin(A) (cos' = −sin)",
  compute: kernel('cos'),
  gradients: [(dB, { inputs: [a] }) => neg(mul(dB, sin(a!)))],
});

const log1pOp = defineOp({
  name: 'log1p',
  forward: 'B = log(1 + A) (exact for tiny A)',
  identity: 'dA = dB / (1 + A)',
  compute: kernel('log1p'),
  gradients: [(dB, { inputs: [a] }) => div(dB, add(a!, 1))],
});

const expm1Op = defineOp({
  name: 'expm1',
  forward: 'B = exp(A) − 1 (exact for tiny A)',
  identity: 'dA = dB∘(B + 1) (the derivative is exp(A) = B + 1)',
  compute: kernel('expm1'),
  gradients: [(dB, { output }) => mul(dB, add(output, 1))],
});

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

const erfOp = defineOp({
  name: 'erf',
  forward: 'B = erf(A) = (2/√π)·∫₀ᴬ exp(−t²) dt',
  identity: 'dA = dB∘(2/√π)·exp(−A²)',
  compute: kernel('erf'),
  gradients: [(dB, { inputs: [a] }) => mul(dB, mul(exp(neg(mul(a!, a!))), TWO_OVER_SQRT_PI))],
});

const softplusOp = defineOp({
  name: 'softplus',
  forward: 'B = log(1 + exp(A)) (as A + log1p(exp(−A)) for A > 0: no overflow)',
  identity: "dA = dB∘sigmoid(A) (softplus' = sigmoid)",
  compute: kernel('softplus'),
  gradients: [(dB, { inputs: [a] }) => mul(dB, sigmoid(a!))],
});

type GeluForm = 'erf' | 'tanh';

/** Beyond ±30, gelu′ is 1 or 0 to double precision; clamping there keeps ∞·0 out of the rule. */
const GELU_FLAT = 30;
const GELU_TANH_SCALE = Math.sqrt(2 / Math.PI);
const GELU_TANH_CUBIC = 0.044715;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const geluOp = defineOp<{ approximate: GeluForm }>({
  name: 'gelu',
  forward: 'B = A∘Φ(A), Φ the standard normal distribution function (or its tanh approximation A∘σ(2u), u = √(2/π)·(A + 0.044715·A³))',
  identity: "dA = dB∘gelu′(A): gelu′ = Φ(A) + A∘φ(A) (tanh form: σ(2u) + 2A∘σ(2u)∘(1 − σ(2u))∘u′), A clamped to ±30 where gelu′ is flat",
  compute: ([a], { approximate }, backend) => backend.unary(approximate === 'tanh' ? 'geluTanh' : 'gelu', a!),
  gradients: [(dB, { inputs: [a], attrs: { approximate } }) => mul(dB, geluDerivative(clamp(a!, -GELU_FLAT, GELU_FLAT), approximate))],
});

/** gelu′ composed of ops, so that second derivatives run through their rules. */
function geluDerivative(x: Tensor, form: GeluForm): Tensor {
  if (form === 'erf') {
    const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI);
    return add(cdf, mul(x, pdf));
  }
  const x2 = mul(x, x);
  const u = mul(mul(x, add(mul(x2, GELU_TANH_CUBIC), 1)), GELU_TANH_SCALE);
  const du = mul(add(mul(x2, 3 * GELU_TANH_CUBIC), 1), GELU_TANH_SCALE);
  const s = sigmoid(mul(u, 2));
  return add(s, mul(mul(mul(x, 2), mul(s, add(neg(s), 1))), du));
}

/** The sine of each entry of `a`, in radians (torch.sin); dA = dB∘cos(A). */
export const sin = (a: Tensor): Tensor => apply(sinOp, [a]);
/** The cosine of each entry of `a`, in radians (torch.cos); dA = −dB∘sin(A). */
export const cos = (a: Tensor): Tensor => apply(cosOp, [a]);
/** log(1 + a) per entry, accurate where a is tiny (torch.log1p); dA = dB / (1 + A). */
export const log1p = (a: Tensor): Tensor => apply(log1pOp, [a]);
/** exp(a) − 1 per entry, accurate where a is tiny (torch.expm1); dA = dB∘exp(A). */
export const expm1 = (a: Tensor): Tensor => apply(expm1Op, [a]);
/** The Gauss error function erf(a) = (2/√π)·∫₀ᵃ exp(−t²) dt per entry (torch.erf);
 *  dA = dB∘(2/√π)·exp(−A²). */
export const erf = (a: Tensor): Tensor => apply(erfOp, [a]);

/** log(1 + exp(βA))/β, computed without overflow; β = 1 by default. */
export function softplus(a: Tensor, beta = 1): Tensor {
  if (typeof beta !== 'number' || !(beta > 0) || !Number.isFinite(beta)) throw new RangeError(`softplus: beta must be a finite positive number, got ${String(beta)}`);
  return beta === 1 ? apply(softplusOp, [a]) : div(apply(softplusOp, [mul(a, beta)]), beta);
}

/** The Gaussian error linear unit A·Φ(A): exact (`'none'`, PyTorch's default, via erf) or
 *  with the tanh approximation (`'tanh'`). */
export function gelu(a: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') throw new TypeError(`gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  return apply(geluOp, [a], { approximate: approximate === 'tanh' ? 'tanh' : 'erf' });
}
