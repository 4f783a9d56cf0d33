/** What every kernel starts with: its parameters `p` (binding 0, u32 words), the float
 *  helpers, and the linear id of a thread in a dispatch spread over x and y. NaN, ±∞ and −0
 *  come from bit patterns at run time: WGSL refuses the first as constants, and folding may
 *  lose the sign of −0. */
export const PRELUDE = /* wgsl */ `
@group(0) @binding(0) var<storage, read> p: array<u32>;
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> NEG_INF_BITS: u32 = 0xff800000u;
var<private> POS_INF_BITS: u32 = 0x7f800000u;
var<private> NEG_ZERO_BITS: u32 = 0x80000000u;
fn nan() -> f32 { return bitcast<f32>(NAN_BITS); }
fn negInf() -> f32 { return bitcast<f32>(NEG_INF_BITS); }
fn posInf() -> f32 { return bitcast<f32>(POS_INF_BITS); }
fn negZero() -> f32 { return bitcast<f32>(NEG_ZERO_BITS); }
fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
fn isFinite(v: f32) -> bool { return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u; }
fn pf(i: u32) -> f32 { return bitcast<f32>(p[i]); }
/** Math.max's rule: NaN wins, so a NaN anywhere in a maximum makes it NaN. */
fn maxNan(a: f32, b: f32) -> f32 {
  if (isNan(a)) { return a; }
  if (isNan(b) || b > a) { return b; }
  return a;
}
fn linearId(wid: vec3u, nwg: vec3u, lid: u32, size: u32) -> u32 { return (wid.x + wid.y * nwg.x) * size + lid; }
`;

/** Threads per workgroup of the elementwise kernels. */
export const ELEMENTWISE_GROUP = 256;

/** WGSL: where line `line` starts in x and in out, for kernels that walk one axis (softmax,
 *  cumsum) with parameters [lines, n, rank, xOffset, _, _, _, shape[rank], xStrides[rank],
 *  outStrides[rank]] over the other axes. */
export const LINE_BASES = /* wgsl */ `
fn lineBases(line: u32) -> vec2u {
  let rank = p[2];
  var xb = p[3];
  var ob = 0u;
  var rest = line;
  for (var k = rank; k > 0u; k--) {
    let d = k - 1u;
    let size = p[7u + d];
    let c = rest % size;
    rest = rest / size;
    xb += c * p[7u + rank + d];
    ob += c * p[7u + 2u * rank + d];
  }
  return vec2u(xb, ob);
}
`;
