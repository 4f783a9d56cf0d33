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

// The smooth kernels of the newer ops (sin, erf, gelu, ...) have no WGSL yet: see missingKernel.
const UNARY: Partial<Record<UnaryKernel | 'copy', string>> = {
  copy: 'v',
  neg: '-v',
  exp: 'exp(v)',
  log: 'log(v)',
  sqrt: 'sqrt(v)',
  // Math.max(v, 0): NaN stays NaN, −0 and −∞ become 0.
  relu: 'select(v, 0.0, v <= 0.0)',
  positive: 'select(0.0, 1.0, v > 0.0)',
  sigmoid: '1.0 / (1.0 + exp(-v))',
  // From exp(−2|v|), which never overflows: tanh of ±100 is ±1, not NaN.
  tanh: 'tanhStable(v)',
};

const TANH = /* wgsl */ `
fn tanhStable(v: f32) -> f32 {
  let e = exp(-2.0 * abs(v));
  let t = (1.0 - e) / (1.0 + e);
  return select(t, -t, v < 0.0);
}`;

export function unaryShader(kernel: UnaryKernel | 'copy'): string {
  const body = UNARY[kernel];
  if (body === undefined) throw missingKernel(kernel);
  return strided(
    `@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;`,
    1,
    `let v = x[o0]; out[i] = ${body};`,
    kernel === 'tanh' ? TANH : '',
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

/** The error for a kernel this backend has not written in WGSL yet: clear, never a wrong number. */
export function missingKernel(kernel: string): Error {
  return new Error(`webgpu: the kernel '${kernel}' is not written in WGSL yet; run this op on a CPU backend (await tensor.data(), then tensor(...) on 'wasm')`);
}
