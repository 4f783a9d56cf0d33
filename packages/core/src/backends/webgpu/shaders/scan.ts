import { LINE_BASES, PRELUDE } from './common.js';

/** Threads per workgroup of the running sums (one thread per line). */
export const SCAN_GROUP = 64;

/**
 * Running sums along one axis, each thread one line, added in order from the line's start (or
 * its end, `reverse`) in float32, as the CPU kernel adds them: the same roundings, the same
 * numbers. Parameters: [lines, n, rank, xOffset, xAxisStride, outAxisStride, reverse,
 * shape[rank], xStrides[rank], outStrides[rank]] over the other axes.
 */
export function cumsumShader(): string {
  return `${PRELUDE}${LINE_BASES}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(${SCAN_GROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let line = linearId(wid, nwg, lid, ${SCAN_GROUP}u);
  if (line >= p[0]) { return; }
  let n = p[1];
  let bases = lineBases(line);
  let xb = bases.x;
  let ob = bases.y;
  let reverse = p[6] == 1u;
  // The first sum is the first element itself, not 0 + it: −0 stays −0.
  let first = select(0u, n - 1u, reverse);
  var total = x[xb + first * p[4]];
  out[ob + first * p[5]] = total;
  for (var j = 1u; j < n; j++) {
    let at = select(j, n - 1u - j, reverse);
    total += x[xb + at * p[4]];
    out[ob + at * p[5]] = total;
  }
}`;
}
