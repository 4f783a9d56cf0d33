import { PRELUDE } from './common.js';

/**
 * The blocking of a matrix product: each workgroup computes a bm × bn tile of C, stepping
 * through K bk at a time; each thread holds a tm × tn block of that tile in registers.
 */
export interface MatmulTile {
  /** Rows of C per workgroup. */
  bm: number;
  /** Columns of C per workgroup. */
  bn: number;
  /** Steps of K loaded into workgroup memory at a time. */
  bk: number;
  /** Rows of C per thread. */
  tm: number;
  /** Columns of C per thread. */
  tn: number;
}

export function tileName(t: MatmulTile): string {
  return `${t.bm}x${t.bn}x${t.bk}/${t.tm}x${t.tn}`;
}

export function checkTile(t: MatmulTile): void {
  const threads = (t.bm / t.tm) * (t.bn / t.tn);
  const ok =
    [t.bm, t.bn, t.bk, t.tm, t.tn].every((v) => Number.isInteger(v) && v > 0) &&
    t.tm % 4 === 0 && t.tn % 4 === 0 && t.bm % t.tm === 0 && t.bn % t.tn === 0 &&
    Number.isInteger(threads) && threads <= 256 && (t.bm * t.bk) % threads === 0 && (t.bk * t.bn) % threads === 0;
  if (!ok) throw new RangeError(`webgpu: matmul tile ${tileName(t)} does not divide evenly among at most 256 threads (tm and tn multiples of 4)`);
}

/**
 * Batched C = A·B (+ bias over columns), A and B read through their strides (a transposed
 * operand is never copied). Parameters: [M, N, K, batchRank, aOffset, bOffset, aRowStride,
 * aColStride, bRowStride, bColStride, hasBias, biasOffset, biasStride, batchShape[batchRank],
 * aBatchStrides[batchRank], bBatchStrides[batchRank]]; workgroup z is the batch index.
 *
 * The tile is written out by this generator rather than looped over in WGSL, so that every
 * accumulator is a named register. Tiles of A and B pass through workgroup memory as rows
 * of vec4 (A stored transposed, k-major): a thread reads 4 rows or 4 columns per load, and
 * its rows and columns are interleaved with its neighbours' so a warp's loads do not collide.
 * While a tile is multiplied, the next one's elements are already being fetched into
 * registers. Global loads run along whichever axis of the operand is contiguous.
 */
export function matmulShader(t: MatmulTile): string {
  checkTile(t);
  const { bm, bn, bk, tm, tn } = t;
  const tr = bm / tm;
  const tc = bn / tn;
  const threads = tr * tc;
  const la = (bm * bk) / threads;
  const lb = (bk * bn) / threads;
  const gm = tm / 4;
  const gn = tn / 4;
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const lanes = ['x', 'y', 'z', 'w'];

  const slotSetup = [
    ...range(la).map((l) => `let ea${l} = lid + ${l * threads}u; let am${l} = select(ea${l} % ${bm}u, ea${l} / ${bk}u, aAlongK); let ak${l} = select(ea${l} / ${bm}u, ea${l} % ${bk}u, aAlongK);`),
    ...range(lb).map((l) => `let eb${l} = lid + ${l * threads}u; let bn${l} = select(eb${l} % ${bn}u, eb${l} / ${bk}u, bAlongK); let bk${l} = select(eb${l} / ${bn}u, eb${l} % ${bk}u, bAlongK);`),
  ].join('\n  ');
  const load = (k0: string) =>
    [
      ...range(la).map((l) => `{ let r = row0 + am${l}; let k = ${k0} + ak${l}; ra${l} = 0.0; if (r < M && k < K) { ra${l} = a[aBase + r * aRs + k * aCs]; } }`),
      ...range(lb).map((l) => `{ let c = col0 + bn${l}; let k = ${k0} + bk${l}; rb${l} = 0.0; if (c < N && k < K) { rb${l} = b[bBase + k * bRs + c * bCs]; } }`),
    ].join('\n    ');
  const store = [
    ...range(la).map((l) => `As[ak${l} * ${bm / 4}u + am${l} / 4u][am${l} % 4u] = ra${l};`),
    ...range(lb).map((l) => `Bs[bk${l} * ${bn / 4}u + bn${l} / 4u][bn${l} % 4u] = rb${l};`),
  ].join('\n    ');
  const accumulators = range(tm)
    .flatMap((i) => range(gn).map((h) => `var acc${i}_${h} = vec4<f32>(0.0);`))
    .join(' ');
  const inner = [
    ...range(gm).map((g) => `let a${g} = As[kk * ${bm / 4}u + ${g * tr}u + tr];`),
    ...range(gn).map((h) => `let b${h} = Bs[kk * ${bn / 4}u + ${h * tc}u + tc];`),
    ...range(tm).flatMap((i) => range(gn).map((h) => `acc${i}_${h} = fma(vec4<f32>(a${Math.floor(i / 4)}.${lanes[i % 4]}), b${h}, acc${i}_${h});`)),
  ].join('\n      ');
  const write = range(tm)
    .map((i) => {
      const g = Math.floor(i / 4);
      const row = `row0 + (${g * tr}u + tr) * 4u + ${i % 4}u`;
      const cols = range(gn)
        .flatMap((h) =>
          range(4).map((j) => {
            const col = `col0 + (${h * tc}u + tc) * 4u + ${j}u`;
            return `{ let c = ${col}; if (c < N) { out[rowAt + c] = acc${i}_${h}.${lanes[j]} + biasAt(c); } }`;
          }),
        )
        .join(' ');
      return `{ let r = ${row}; if (r < M) { let rowAt = outBase + r * N; ${cols} } }`;
    })
    .join('\n  ');

  return `${PRELUDE}
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
var<workgroup> As: array<vec4<f32>, ${(bk * bm) / 4}>;
var<workgroup> Bs: array<vec4<f32>, ${(bk * bn) / 4}>;

fn biasAt(c: u32) -> f32 {
  if (p[10] == 0u) { return 0.0; }
  return bias[p[11] + c * p[12]];
}

@compute @workgroup_size(${threads})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let M = p[0]; let N = p[1]; let K = p[2]; let br = p[3];
  var aBase = p[4]; var bBase = p[5];
  let aRs = p[6]; let aCs = p[7]; let bRs = p[8]; let bCs = p[9];
  var rest = wid.z;
  for (var q = br; q > 0u; q--) {
    let d = q - 1u;
    let s = p[13u + d];
    let c = rest % s;
    rest = rest / s;
    aBase += c * p[13u + br + d];
    bBase += c * p[13u + 2u * br + d];
  }
  let row0 = wid.y * ${bm}u;
  let col0 = wid.x * ${bn}u;
  let tr = lid / ${tc}u;
  let tc = lid % ${tc}u;
  let aAlongK = aCs == 1u;
  let bAlongK = bRs == 1u && bCs != 1u;
  ${slotSetup}
  ${range(la).map((l) => `var ra${l} = 0.0;`).join(' ')}
  ${range(lb).map((l) => `var rb${l} = 0.0;`).join(' ')}
  ${accumulators}
  let tiles = (K + ${bk - 1}u) / ${bk}u;
  if (tiles > 0u) {
    ${load('0u')}
  }
  for (var t = 0u; t < tiles; t++) {
    ${store}
    workgroupBarrier();
    if (t + 1u < tiles) {
    ${load(`(t + 1u) * ${bk}u`)}
    }
    for (var kk = 0u; kk < ${bk}u; kk++) {
      ${inner}
    }
    workgroupBarrier();
  }
  let outBase = wid.z * M * N;
  ${write}
}`;
}
