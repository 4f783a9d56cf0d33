import type { BinaryKernel, UnaryKernel } from '../../backend.js';
import { ELEMENTWISE_GROUP, PRELUDE } from './common.js';

/**
 * An elementwise kernel over strided operands: thread i takes the i-th element in row-major
 * order of the (collapsed) shape and finds each operand's element through that operand's
 * strides. Parameters: [n, rank, offset of each operand, shape[rank], strides of each operand
 * [rank] ...]. `body` reads the operands' offsets as o0, o1, ... and the output index as i.
 */
function strided(bindings: string, operands: number, body: string, helpers = ''): string {
  const offsets = Array.from({ length: operands }, (_, k) => `var o${k} = p[${2 + k}u];`).join(' ');
  const steps = Array.from({ length: operands }, (_, k) => `o${k} += c * p[shapeAt + ${k + 1}u * rank + d];`).join(' ');
  return `${PRELUDE}
${bindings}
${helpers}
@compute @workgroup_size(${ELEMENTWISE_GROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = linearId(wid, nwg, lid, ${ELEMENTWISE_GROUP}u);
  if (i >= p[0]) { return; }
  let rank = p[1];
  let shapeAt = ${2 + operands}u;
  ${offsets}
  var rest = i;
  for (var k = rank; k > 0u; k--) {
    let d = k - 1u;
    let size = p[shapeAt + d];
    let c = rest % size;
    rest = rest / size;
    ${steps}
  }
  ${body}
}`;
}

const UNARY: Record<UnaryKernel | 'copy', string> = {
  copy: 'v',
  neg: '-v',
  exp: 'exp(v)',
  // WGSL leaves log and sqrt of negatives (and log of 0) to the driver: Math's values here.
  log: 'select(select(log(v), negInf(), v == 0.0), nan(), v < 0.0)',
  sqrt: 'select(sqrt(v), nan(), v < 0.0)',
  // Math.max(v, 0): NaN stays NaN, −0 and −∞ become 0.
  relu: 'select(v, 0.0, v <= 0.0)',
  positive: 'select(0.0, 1.0, v > 0.0)',
  sigmoid: '1.0 / (1.0 + exp(-v))',
  // From exp(−2|v|), which never overflows: tanh of ±100 is ±1, not NaN.
  tanh: 'tanhStable(v)',
  sin: 'sinReduced(v)',
  cos: 'cosReduced(v)',
  log1p: 'log1pExact(v)',
  expm1: 'expm1Exact(v)',
  erf: 'erfAt(v)',
  softplus: 'softplusStable(v)',
  gelu: 'geluErf(v)',
  geluTanh: 'geluTanhForm(v)',
};

/** The WGSL helpers a unary kernel's expression calls (each kernel compiles only its own). */
function unaryHelpers(kernel: UnaryKernel | 'copy'): string {
  switch (kernel) {
    case 'tanh':
      return TANH;
    case 'sin':
    case 'cos':
      return TRIGONOMETRY;
    case 'log1p':
      return LOG1P;
    case 'expm1':
      return EXPM1;
    case 'softplus':
      return LOG1P + SOFTPLUS;
    case 'erf':
    case 'gelu':
      return ERF;
    case 'geluTanh':
      return GELU_TANH;
    default:
      return '';
  }
}

const TANH = /* wgsl */ `
fn tanhStable(v: f32) -> f32 {
  let e = exp(-2.0 * abs(v));
  let t = (1.0 - e) / (1.0 + e);
  return select(t, -t, v < 0.0);
}`;

// WGSL's sin and cos promise only 2⁻¹¹ absolute error (SwiftShader is that coarse), so they
// are computed here: the argument reduced by a multiple q of π/2 (π/2 in three float32 parts,
// so q·π/2 is exact while q < 2¹⁶: arguments up to 10⁵ keep float32 precision), then the
// minimax polynomials of Cephes' sinf/cosf on [−π/4, π/4], chosen by q's quadrant. Beyond
// 10⁵ the driver's sin and cos answer (bounded, but without float32's digits: exact reduction
// there needs hundreds of bits of 2/π). ±∞ and NaN give NaN and −0 stays −0, as in Math.
const TRIGONOMETRY = /* wgsl */ `
fn sinPoly(r: f32) -> f32 {
  let z = r * r;
  return r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
}
fn cosPoly(r: f32) -> f32 {
  let z = r * r;
  return 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
}
/** sin(v + shift·π/2) for finite v. */
fn sinQuadrant(v: f32, shift: i32) -> f32 {
  let q = round(v * 0.6366197723675814);
  let r = ((v - q * 1.5703125) - q * 4.837512969970703e-4) - q * 7.549789954891882e-8;
  let quadrant = (i32(q) + shift) & 3;
  switch (quadrant) {
    case 0: { return sinPoly(r); }
    case 1: { return cosPoly(r); }
    case 2: { return -sinPoly(r); }
    default: { return -cosPoly(r); }
  }
}
fn sinReduced(v: f32) -> f32 {
  if (!isFinite(v)) { return nan(); }
  if (v == 0.0) { return v; }
  if (abs(v) > 1e5) { return clamp(sin(v), -1.0, 1.0); }
  return sinQuadrant(v, 0);
}
fn cosReduced(v: f32) -> f32 {
  if (!isFinite(v)) { return nan(); }
  if (abs(v) > 1e5) { return clamp(cos(v), -1.0, 1.0); }
  return sinQuadrant(v, 1);
}`;

// log(1 + v) and exp(v) − 1 to float32 precision for tiny v, by Kahan's corrections: the
// rounding of 1 + v (of exp(v)) is divided out again. Edge values as Math.log1p / Math.expm1.
const LOG1P = /* wgsl */ `
fn log1pExact(v: f32) -> f32 {
  if (isNan(v) || v < -1.0) { return nan(); }
  if (v == -1.0) { return negInf(); }
  if (!isFinite(v)) { return v; }
  let u = 1.0 + v;
  if (u == 1.0) { return v; }
  return log(u) * (v / (u - 1.0));
}`;

const EXPM1 = /* wgsl */ `
fn expm1Exact(v: f32) -> f32 {
  if (isNan(v) || v > 88.72283) { return select(nan(), posInf(), v > 0.0); }
  let u = exp(v);
  if (u == 1.0) { return v; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  return um1 * (v / log(u));
}`;

/** log(1 + exp(v)) as v + log1p(exp(−v)) for positive v: no overflow (softplus(∞) = ∞). */
const SOFTPLUS = /* wgsl */ `
fn softplusStable(v: f32) -> f32 {
  if (isNan(v)) { return v; }
  if (v > 0.0) { return v + log1pExact(exp(-v)); }
  return log1pExact(exp(v));
}`;

// erfc(z) for z ≥ 0 from the Chebyshev fit of Numerical Recipes (relative error under
// 1.2e-7 everywhere, the tail included, where 1 − erf would be all rounding); erf near 0 from
// its Taylor series, which keeps its relative precision for tiny arguments and erf(−0) = −0.
// gelu = x·erfc(−x/√2)/2 keeps the left tail's tiny values; gelu(−∞) = −0, the limit.
const ERF = /* wgsl */ `
fn erfcPositive(z: f32) -> f32 {
  if (z > 10.0) { return 0.0; }
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * exp(-z * z + poly);
}
fn erfcAt(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (x < 0.0) { return 2.0 - erfcPositive(-x); }
  return erfcPositive(x);
}
fn erfAt(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  let a = abs(x);
  if (a < 0.5) {
    let s = x * x;
    return 1.1283791670955126 * x * (1.0 + s * (-0.3333333333 + s * (0.1 + s * (-0.0238095238 + s * (0.0046296296 + s * (-0.0007575758 + s * 0.0001068376))))));
  }
  let r = 1.0 - erfcPositive(a);
  return select(r, -r, x < 0.0);
}
fn geluErf(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (!isFinite(x)) { return select(x, negZero(), x < 0.0); }
  return 0.5 * x * erfcAt(-x * 0.7071067811865476);
}`;

/** The tanh form as x·sigmoid(2u), u = √(2/π)·(x + 0.044715·x³), as on the CPU; where exp(−2u)
 *  would overflow float32 the quotient is a zero of x's sign (gelu(−∞) = −0, the limit). */
const GELU_TANH = /* wgsl */ `
fn geluTanhForm(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (!isFinite(x)) { return select(x, negZero(), x < 0.0); }
  let u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
  let z = -2.0 * u;
  if (z > 88.0) { return select(0.0, negZero(), x < 0.0); }
  return x / (1.0 + exp(z));
}`;

/** The kernels that give the CPU's value at NaN by themselves; the others call WGSL's exp, log,
 *  sqrt, ..., whose value at NaN is the driver's choice (SwiftShader's exp(NaN) is ∞), so NaN
 *  is passed through explicitly. */
const PLAIN_ON_NAN = new Set<UnaryKernel | 'copy'>(['copy', 'neg', 'relu', 'positive']);

export function unaryShader(kernel: UnaryKernel | 'copy'): string {
  return strided(
    `@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;`,
    1,
    PLAIN_ON_NAN.has(kernel) ? `let v = x[o0]; out[i] = ${UNARY[kernel]};` : `let v = x[o0]; out[i] = select(${UNARY[kernel]}, v, isNan(v));`,
    unaryHelpers(kernel),
  );
}

/** Math.pow as JavaScript computes it on floats: exact repeated products for integer
 *  exponents up to 64 (so (−2)³ = −8), a negative base with any other exponent NaN. */
const POW = /* wgsl */ `
fn powJs(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isNan(a) || isNan(b)) { return nan(); }
  let whole = round(b) == b;
  if (whole && abs(b) <= 64.0) {
    var e = u32(abs(b));
    var base = a;
    var r = 1.0;
    loop {
      if ((e & 1u) != 0u) { r = r * base; }
      e = e >> 1u;
      if (e == 0u) { break; }
      base = base * base;
    }
    return select(r, 1.0 / r, b < 0.0);
  }
  if (a == 0.0) { return select(0.0, 1.0 / a, b < 0.0); }
  if (a < 0.0) {
    if (!whole) { return nan(); }
    let magnitude = exp2(b * log2(-a));
    return select(magnitude, -magnitude, fract(b * 0.5) != 0.0);
  }
  return exp2(b * log2(a));
}`;

const BINARY: Record<BinaryKernel, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'powJs(a, b)',
  gt: 'select(0.0, 1.0, a > b)',
  ge: 'select(0.0, 1.0, a >= b)',
  lt: 'select(0.0, 1.0, a < b)',
  le: 'select(0.0, 1.0, a <= b)',
  eq: 'select(0.0, 1.0, a == b)',
  maskPositive: 'a * select(0.0, 1.0, b > 0.0)',
};

export function binaryShader(kernel: BinaryKernel): string {
  return strided(
    `@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;`,
    2,
    `let a = x[o0]; let b = y[o1]; out[i] = ${BINARY[kernel]};`,
    kernel === 'pow' ? POW : '',
  );
}

/** `a` where the mask is non-zero (NaN counts as non-zero, as on the CPU; WGSL's != may be an
 *  ordered comparison, so NaN is tested by its bits), else `b`. */
export function whereShader(): string {
  return strided(
    `@group(0) @binding(1) var<storage, read> m: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;`,
    3,
    `let mask = m[o0]; out[i] = select(y[o2], x[o1], mask != 0.0 || isNan(mask));`,
  );
}

/** Copies a strided source into a strided window of an existing buffer (operand 0: the window). */
export function copyIntoShader(): string {
  return strided(
    `@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;`,
    2,
    `dst[o0] = src[o1];`,
  );
}

/** Parameters: [n, value]. */
export function fillShader(): string {
  return `${PRELUDE}
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${ELEMENTWISE_GROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = linearId(wid, nwg, lid, ${ELEMENTWISE_GROUP}u);
  if (i < p[0]) { out[i] = pf(1u); }
}`;
}
