import { ELEMENTWISE_GROUP, PRELUDE } from './common.js';

/**
 * The kernels of convolution and max pooling, each thread one output element. Parameters,
 * shared by all four: [count, N, C, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, padValue,
 * aOffset, aStrides[4], bOffset, bStrides[4]], where a is the first tensor read (the images;
 * for col2im the columns, whose two strides come first) and b the second (maxUnpool2d's
 * gradient). Inputs are read through their strides, so a permuted or sliced view is never
 * copied first.
 *
 * The adjoints (col2im, maxUnpool2d) gather instead of scattering: each pixel sums what the
 * patches that cover it send back, in the order the CPU kernels add them, so there are no
 * atomics (WGSL has none for floats) and the sums are reproducible.
 */
const GEOMETRY = /* wgsl */ `
struct Geometry { n: u32, c: u32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32 }
fn geometry() -> Geometry {
  return Geometry(p[1], p[2], i32(p[3]), i32(p[4]), i32(p[5]), i32(p[6]), i32(p[7]), i32(p[8]), i32(p[9]), i32(p[10]), i32(p[11]), i32(p[12]), i32(p[13]), i32(p[14]));
}
/** Element (img, ch, y, x) of the first input, as images. */
fn imageAt(img: u32, ch: u32, y: i32, x: i32) -> u32 {
  return p[16] + img * p[17] + ch * p[18] + u32(y) * p[19] + u32(x) * p[20];
}
/** Element (img, ch, y, x) of the second input (maxUnpool2d's gradient [N, C, OH, OW]). */
fn gradAt(img: u32, ch: u32, y: i32, x: i32) -> u32 {
  return p[21] + img * p[22] + ch * p[23] + u32(y) * p[24] + u32(x) * p[25];
}
/** The output position of tap t of a patch that reads pixel at, along one axis: −1 when no
 *  patch reads it through that tap. */
fn patchOf(at: i32, t: i32, stride: i32, pad: i32, dilation: i32, count: i32) -> i32 {
  let shifted = at + pad - t * dilation;
  if (shifted < 0 || shifted % stride != 0 || shifted / stride >= count) { return -1; }
  return shifted / stride;
}`;

function kernel(bindings: string, body: string, helpers = ''): string {
  return `${PRELUDE}
${bindings}
${GEOMETRY}
${helpers}
@compute @workgroup_size(${ELEMENTWISE_GROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = linearId(wid, nwg, lid, ${ELEMENTWISE_GROUP}u);
  if (i >= p[0]) { return; }
  let g = geometry();
  ${body}
}`;
}

const ONE_INPUT = `@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;`;

/** Columns [C·kh·kw, N·OH·OW]: row (ch, ki, kj), column (img, y, x) reads the pixel under that
 *  tap of that patch, or the pad value outside the image. */
export function im2colShader(): string {
  return kernel(
    ONE_INPUT,
    `let columns = g.n * u32(g.oh * g.ow);
  let column = i % columns;
  let row = i / columns;
  let kj = i32(row % u32(g.kw));
  let ki = i32((row / u32(g.kw)) % u32(g.kh));
  let ch = row / u32(g.kw * g.kh);
  let x = i32(column % u32(g.ow));
  let y = i32((column / u32(g.ow)) % u32(g.oh));
  let img = column / u32(g.ow * g.oh);
  let iy = y * g.sh - g.ph + ki * g.dh;
  let ix = x * g.sw - g.pw + kj * g.dw;
  if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) { out[i] = pf(15u); return; }
  out[i] = a[imageAt(img, ch, iy, ix)];`,
  );
}

/** Images [N, C, H, W]: each pixel sums the column entries read from it, tap by tap in the
 *  order of col's rows (the CPU's order). The columns' strides are aStrides[0..1]. */
export function col2imShader(): string {
  return kernel(
    ONE_INPUT,
    `let ix = i32(i % u32(g.w));
  let iy = i32((i / u32(g.w)) % u32(g.h));
  let ch = (i / u32(g.w * g.h)) % g.c;
  let img = i / (u32(g.w * g.h) * g.c);
  var acc = 0.0;
  for (var ki = 0; ki < g.kh; ki++) {
    let y = patchOf(iy, ki, g.sh, g.ph, g.dh, g.oh);
    if (y < 0) { continue; }
    for (var kj = 0; kj < g.kw; kj++) {
      let x = patchOf(ix, kj, g.sw, g.pw, g.dw, g.ow);
      if (x < 0) { continue; }
      let row = (ch * u32(g.kh) + u32(ki)) * u32(g.kw) + u32(kj);
      let column = (img * u32(g.oh) + u32(y)) * u32(g.ow) + u32(x);
      acc += a[p[16] + row * p[17] + column * p[18]];
    }
  }
  out[i] = acc;`,
  );
}

/** The largest entry of window w of plane (img, ch), and how many entries equal it: Math.max's
 *  rule (NaN wins and stays), padding skipped, as the CPU kernel walks the window. */
const WINDOW_MAX = /* wgsl */ `
struct Best { value: f32, ties: f32 }
fn windowMax(g: Geometry, img: u32, ch: u32, y: i32, x: i32) -> Best {
  var best = negInf();
  var ties = 0.0;
  for (var ki = 0; ki < g.kh; ki++) {
    let iy = y * g.sh - g.ph + ki * g.dh;
    if (iy < 0 || iy >= g.h) { continue; }
    for (var kj = 0; kj < g.kw; kj++) {
      let ix = x * g.sw - g.pw + kj * g.dw;
      if (ix < 0 || ix >= g.w) { continue; }
      let v = a[imageAt(img, ch, iy, ix)];
      if (isNan(best)) { continue; }
      if (v > best || isNan(v)) { best = v; ties = 1.0; } else if (v == best) { ties += 1.0; }
    }
  }
  return Best(best, ties);
}`;

/** Pooled images [N, C, OH, OW]. */
export function maxPool2dShader(): string {
  return kernel(
    ONE_INPUT,
    `let x = i32(i % u32(g.ow));
  let y = i32((i / u32(g.ow)) % u32(g.oh));
  let ch = (i / u32(g.ow * g.oh)) % g.c;
  let img = i / (u32(g.ow * g.oh) * g.c);
  out[i] = windowMax(g, img, ch, y, x).value;`,
    WINDOW_MAX,
  );
}

/** Gradients shaped like the images: each pixel sums the shares of the windows whose largest
 *  entry it is, windows in row-major order (the CPU's); a window holding NaN sends NaN to all
 *  its taps. Windows are found from the pixel tap by tap, last tap first, which visits them in
 *  that order. */
export function maxUnpool2dShader(): string {
  return kernel(
    `@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;`,
    `let ix = i32(i % u32(g.w));
  let iy = i32((i / u32(g.w)) % u32(g.h));
  let ch = (i / u32(g.w * g.h)) % g.c;
  let img = i / (u32(g.w * g.h) * g.c);
  let v = a[imageAt(img, ch, iy, ix)];
  var acc = 0.0;
  for (var ki = g.kh - 1; ki >= 0; ki--) {
    let y = patchOf(iy, ki, g.sh, g.ph, g.dh, g.oh);
    if (y < 0) { continue; }
    for (var kj = g.kw - 1; kj >= 0; kj--) {
      let x = patchOf(ix, kj, g.sw, g.pw, g.dw, g.ow);
      if (x < 0) { continue; }
      let best = windowMax(g, img, ch, y, x);
      if (isNan(best.value)) { acc += nan(); }
      else if (v == best.value) { acc += dy[gradAt(img, ch, y, x)] / best.ties; }
    }
  }
  out[i] = acc;`,
    WINDOW_MAX,
  );
}
