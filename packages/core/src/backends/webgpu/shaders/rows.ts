import { LINE_BASES, PRELUDE } from './common.js';

/** Threads that share one row of a softmax. */
export const SOFTMAX_GROUP = 64;
/** Threads of the single workgroup that sums the cross-entropy over rows. */
export const CROSS_ENTROPY_GROUP = 256;

/**
 * log-softmax (mode 1) or softmax (mode 0) along one axis, a workgroup per row, shifted by
 * the row's maximum as the CPU kernel is (a row whose maximum is ±∞ or NaN is left unshifted),
 * softmax as exp of the log-probabilities, as on the CPU. Parameters: [rows, n, rank, xOffset,
 * xAxisStride, outAxisStride, mode, shape[rank], xStrides[rank], outStrides[rank]] over the
 * other axes.
 */
export function softmaxShader(): string {
  return `${PRELUDE}${LINE_BASES}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
var<workgroup> scratch: array<f32, ${SOFTMAX_GROUP}>;

@compute @workgroup_size(${SOFTMAX_GROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p[0]) { return; }
  let n = p[1];
  let xs = p[4];
  let os = p[5];
  let bases = lineBases(row);
  let xb = bases.x;
  let ob = bases.y;
  var top = negInf();
  for (var j = lid; j < n; j += ${SOFTMAX_GROUP}u) { top = maxNan(top, x[xb + j * xs]); }
  scratch[lid] = top;
  workgroupBarrier();
  for (var half = ${SOFTMAX_GROUP / 2}u; half > 0u; half = half / 2u) {
    if (lid < half) { scratch[lid] = maxNan(scratch[lid], scratch[lid + half]); }
    workgroupBarrier();
  }
  let rowMax = scratch[0];
  let shift = select(0.0, rowMax, isFinite(rowMax));
  workgroupBarrier();
  var total = 0.0;
  for (var j = lid; j < n; j += ${SOFTMAX_GROUP}u) { total += exp(x[xb + j * xs] - shift); }
  scratch[lid] = total;
  workgroupBarrier();
  for (var half = ${SOFTMAX_GROUP / 2}u; half > 0u; half = half / 2u) {
    if (lid < half) { scratch[lid] = scratch[lid] + scratch[lid + half]; }
    workgroupBarrier();
  }
  let logTotal = shift + log(scratch[0]);
  let wantLog = p[6] == 1u;
  for (var j = lid; j < n; j += ${SOFTMAX_GROUP}u) {
    let lp = x[xb + j * xs] - logTotal;
    out[ob + j * os] = select(exp(lp), lp, wantLog);
  }
}`;
}

/**
 * −(1/N)·Σ Y∘log softmax(A) over the rows of A [N, C], in one workgroup: each thread takes
 * rows lid, lid + 256, ..., zero targets skipped (0·log 0 stays out). Parameters: [N, C,
 * aOffset, aRowStride, aColStride, yOffset, yRowStride, yColStride].
 */
export function crossEntropyShader(): string {
  return `${PRELUDE}
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
var<workgroup> scratch: array<f32, ${CROSS_ENTROPY_GROUP}>;

@compute @workgroup_size(${CROSS_ENTROPY_GROUP})
fn main(@builtin(local_invocation_index) lid: u32) {
  let rows = p[0];
  let n = p[1];
  var total = 0.0;
  for (var r = lid; r < rows; r += ${CROSS_ENTROPY_GROUP}u) {
    let ab = p[2] + r * p[3];
    let yb = p[5] + r * p[6];
    var top = negInf();
    for (var j = 0u; j < n; j++) { top = maxNan(top, a[ab + j * p[4]]); }
    let shift = select(0.0, top, isFinite(top));
    var sum = 0.0;
    for (var j = 0u; j < n; j++) { sum += exp(a[ab + j * p[4]] - shift); }
    let logTotal = shift + log(sum);
    for (var j = 0u; j < n; j++) {
      let t = y[yb + j * p[7]];
      if (t != 0.0 || isNan(t)) { total -= t * (a[ab + j * p[4]] - logTotal); }
    }
  }
  scratch[lid] = total;
  workgroupBarrier();
  for (var half = ${CROSS_ENTROPY_GROUP / 2}u; half > 0u; half = half / 2u) {
    if (lid < half) { scratch[lid] = scratch[lid] + scratch[lid + half]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[0] = scratch[0] / f32(rows); }
}`;
}
