import { ELEMENTWISE_GROUP, PRELUDE } from './common.js';

/**
 * The index of take / scatterAdd position j: host indices arrive as checked, non-negative
 * i32 (mode 0); a tensor's indices arrive as its float32 values (mode 1) and are checked
 * here, negatives wrapped as numpy does. An index that is not an integer in [−size, size)
 * gives −1, which the kernels turn into NaN: the check cannot stop the program from the GPU,
 * but the result will not pass for a right one.
 */
const INDEX = /* wgsl */ `
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn indexAt(j: u32, size: u32) -> i32 {
  let word = idx[p[5] + j];
  if (p[6] == 0u) { return bitcast<i32>(word); }
  let v = bitcast<f32>(word);
  let s = f32(size);
  if (isNan(v) || v != round(v) || v < -s || v >= s) { return -1; }
  return select(i32(v), i32(v + s), v < 0.0);
}`;

/** C = A[idx] along an axis of row-major A. Parameters: [count, size, m, inner, xOffset,
 *  indexOffset, indexMode]; output element (o, j, t) reads A at ((o·size + idx[j])·inner + t). */
export function takeShader(): string {
  return `${PRELUDE}
${INDEX}
@compute @workgroup_size(${ELEMENTWISE_GROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = linearId(wid, nwg, lid, ${ELEMENTWISE_GROUP}u);
  if (i >= p[0]) { return; }
  let size = p[1];
  let m = p[2];
  let inner = p[3];
  let t = i % inner;
  let q = i / inner;
  let j = q % m;
  let o = q / m;
  let k = indexAt(j, size);
  if (k < 0) { out[i] = nan(); return; }
  out[i] = x[p[4] + (o * size + u32(k)) * inner + t];
}`;
}

/** The adjoint of take: output element (o, pos, t) sums A's slices j whose index is pos, in
 *  the order of j (as the CPU adds them), so no atomics are needed and the sum is
 *  reproducible. Parameters: [count, size, m, inner, xOffset, indexOffset, indexMode]. */
export function scatterAddShader(): string {
  return `${PRELUDE}
${INDEX}
@compute @workgroup_size(${ELEMENTWISE_GROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = linearId(wid, nwg, lid, ${ELEMENTWISE_GROUP}u);
  if (i >= p[0]) { return; }
  let size = p[1];
  let m = p[2];
  let inner = p[3];
  let t = i % inner;
  let q = i / inner;
  let pos = i32(q % size);
  let o = q / size;
  var acc = 0.0;
  for (var j = 0u; j < m; j++) {
    let k = indexAt(j, size);
    if (k < 0) { acc = nan(); break; }
    if (k == pos) { acc += x[p[4] + (o * m + j) * inner + t]; }
  }
  out[i] = acc;
}`;
}
