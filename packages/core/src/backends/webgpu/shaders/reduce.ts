import { PRELUDE } from './common.js';

/** Threads that share one output cell in the workgroup-per-cell reduction. */
export const REDUCE_GROUP = 256;

/**
 * Reductions onto a kept shape. Parameters: [cells, count, outRank, redRank, xOffset, mode
 * (0 sum, 1 mean, 2 max), outShape[outRank], outStrides[outRank], redShape[redRank],
 * redStrides[redRank]]: each output cell is the combination of `count` elements of x, found
 * through the strides of the reduced axes from the cell's own offset. `perCell` gives each
 * cell a workgroup (long reductions); otherwise each cell is one thread's loop.
 */
export function reduceShader(perCell: boolean): string {
  const common = /* wgsl */ `${PRELUDE}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn combine(acc: f32, v: f32, mode: u32) -> f32 {
  if (mode == 2u) { return maxNan(acc, v); }
  return acc + v;
}

fn cellBase(cell: u32) -> u32 {
  let outRank = p[2];
  var base = p[4];
  var rest = cell;
  for (var k = outRank; k > 0u; k--) {
    let d = k - 1u;
    let size = p[6u + d];
    base += (rest % size) * p[6u + outRank + d];
    rest = rest / size;
  }
  return base;
}

fn elementOffset(base: u32, j: u32) -> u32 {
  let outRank = p[2];
  let redRank = p[3];
  let at = 6u + 2u * outRank;
  var off = base;
  var rest = j;
  for (var k = redRank; k > 0u; k--) {
    let d = k - 1u;
    let size = p[at + d];
    off += (rest % size) * p[at + redRank + d];
    rest = rest / size;
  }
  return off;
}

fn finish(acc: f32, mode: u32, count: u32) -> f32 {
  if (mode == 1u) { return acc / f32(count); }
  return acc;
}

fn initial(mode: u32) -> f32 {
  if (mode == 2u) { return negInf(); }
  return 0.0;
}
`;
  if (!perCell) {
    return `${common}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let cell = linearId(wid, nwg, lid, 64u);
  if (cell >= p[0]) { return; }
  let count = p[1];
  let mode = p[5];
  let base = cellBase(cell);
  var acc = initial(mode);
  for (var j = 0u; j < count; j++) { acc = combine(acc, x[elementOffset(base, j)], mode); }
  out[cell] = finish(acc, mode, count);
}`;
  }
  return `${common}
var<workgroup> partial: array<f32, ${REDUCE_GROUP}>;
@compute @workgroup_size(${REDUCE_GROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let cell = wid.x + wid.y * nwg.x;
  let count = p[1];
  let mode = p[5];
  var acc = initial(mode);
  if (cell < p[0]) {
    let base = cellBase(cell);
    for (var j = lid; j < count; j += ${REDUCE_GROUP}u) { acc = combine(acc, x[elementOffset(base, j)], mode); }
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var half = ${REDUCE_GROUP / 2}u; half > 0u; half = half / 2u) {
    if (lid < half) { partial[lid] = combine(partial[lid], partial[lid + half], mode); }
    workgroupBarrier();
  }
  if (lid == 0u && cell < p[0]) { out[cell] = finish(partial[0], mode, count); }
}`;
}

/**
 * numpy's argmax / argmin along one axis, the first extreme (or the first NaN). Parameters:
 * [cells, n, axisStride, rank, xOffset, mode (0 argmax, 1 argmin), shape[rank],
 * strides[rank]] over the other axes. Positions are written as float32 (exact to 2²⁴).
 */
export function argReduceShader(): string {
  return `${PRELUDE}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let cell = linearId(wid, nwg, lid, 64u);
  if (cell >= p[0]) { return; }
  let n = p[1];
  let step = p[2];
  let rank = p[3];
  let lowest = p[5] == 1u;
  var base = p[4];
  var rest = cell;
  for (var k = rank; k > 0u; k--) {
    let d = k - 1u;
    let size = p[6u + d];
    base += (rest % size) * p[6u + rank + d];
    rest = rest / size;
  }
  var best = 0u;
  var bestValue = x[base];
  for (var j = 1u; j < n && !isNan(bestValue); j++) {
    let v = x[base + j * step];
    if (isNan(v) || (lowest && v < bestValue) || (!lowest && v > bestValue)) {
      best = j;
      bestValue = v;
    }
  }
  out[cell] = f32(best);
}`;
}
