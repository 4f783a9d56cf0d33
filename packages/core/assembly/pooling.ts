// Max pooling over side-by-side 2×2 windows (stride 2, no padding or dilation), float32, four
// windows per SIMD128 step: the JavaScript loops branch on every comparison, and on
// activations those branches mispredict. The semantics are those of the loops in
// backends/cpu/patches.ts, lane by lane (see there): the forward keeps the first of equal
// entries and lets NaN win; the backward splits a window's gradient between its entries equal
// to the window's max and gives every entry of a window holding NaN a NaN.
// Pointers are byte addresses; sizes are in elements.

// @ts-ignore: decorator
@inline function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** Where v is larger than best, or NaN, v; else best (the loops' `if (v > best || v !== v)`). */
// @ts-ignore: decorator
@inline function challenge(best: v128, v: v128): v128 {
  return v128.bitselect(v, best, v128.or(f32x4.gt(v, best), f32x4.ne(v, v)));
}

/** The four taps of four neighbouring windows: entries 0, 2, 4, 6 and 1, 3, 5, 7 of a row. */
// @ts-ignore: decorator
@inline function evens(row: usize): v128 {
  return i32x4.shuffle(v128.load(row), v128.load(row, 16), 0, 2, 4, 6);
}

// @ts-ignore: decorator
@inline function odds(row: usize): v128 {
  return i32x4.shuffle(v128.load(row), v128.load(row, 16), 1, 3, 5, 7);
}

function maxOf(a: f32, b: f32, c: f32, d: f32): f32 {
  let best = a;
  if (b > best || b != b) best = b;
  if (c > best || c != c) best = c;
  if (d > best || d != d) best = d;
  return a != a ? a : best;
}

/** dst [planes, h/2, w/2] = the largest entry of each 2×2 window of src [planes, h, w]. */
export function maxPoolPairsF32(planes: i32, h: i32, w: i32, src: usize, dst: usize): void {
  const oh = h >> 1;
  const ow = w >> 1;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    for (let y = 0; y < oh; y++) {
      const top = at(src, (plane * h + 2 * y) * w);
      const bottom = at(top, w);
      let z = 0;
      for (; z + 4 <= ow; z += 4, o += 4) {
        const a = evens(at(top, 2 * z));
        const b = odds(at(top, 2 * z));
        const c = evens(at(bottom, 2 * z));
        const d = odds(at(bottom, 2 * z));
        const best = challenge(challenge(challenge(a, b), c), d);
        v128.store(at(dst, o), v128.bitselect(a, best, f32x4.ne(a, a)));
      }
      for (; z < ow; z++, o++) {
        const i = 2 * z;
        store<f32>(at(dst, o), maxOf(load<f32>(at(top, i)), load<f32>(at(top, i + 1)), load<f32>(at(bottom, i)), load<f32>(at(bottom, i + 1))));
      }
    }
  }
}

/** A window's max as the JavaScript loop's Math.max: NaN if any tap is NaN, +0 over −0. */
// @ts-ignore: decorator
@inline function largest(a: v128, b: v128, c: v128, d: v128): v128 {
  return f32x4.max(f32x4.max(a, b), f32x4.max(c, d));
}

/** dy ÷ the number of taps equal to the max (each equal lane is −1 as an integer), or NaN
 *  where the window holds NaN. */
// @ts-ignore: decorator
@inline function shareOf(best: v128, nan: v128, ea: v128, eb: v128, ec: v128, ed: v128, dy: v128): v128 {
  const ties = f32x4.convert_i32x4_s(i32x4.neg(i32x4.add(i32x4.add(ea, eb), i32x4.add(ec, ed))));
  return v128.bitselect(best, f32x4.div(dy, ties), nan);
}

function unpoolOne(a: f32, b: f32, c: f32, d: f32, dy: f32, top: usize, bottom: usize): void {
  const best = Mathf.max(Mathf.max(a, b), Mathf.max(c, d));
  const nan = best != best;
  const share = nan ? best : dy / <f32>(<i32>(a == best) + <i32>(b == best) + <i32>(c == best) + <i32>(d == best));
  store<f32>(top, a == best || nan ? share : 0);
  store<f32>(top, b == best || nan ? share : 0, 4);
  store<f32>(bottom, c == best || nan ? share : 0);
  store<f32>(bottom, d == best || nan ? share : 0, 4);
}

/** dst [planes, h, w] = max-pooling's backward: each entry of dy [planes, h/2, w/2] split
 *  between the largest entries of its window of src [planes, h, w] (+0 to the others); pixels
 *  in no window (the last row or column of an odd size) get 0. */
export function maxUnpoolPairsF32(planes: i32, h: i32, w: i32, src: usize, dy: usize, dst: usize): void {
  const oh = h >> 1;
  const ow = w >> 1;
  if ((h | w) & 1) memory.fill(dst, 0, <usize>(planes * h * w) << 2);
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    for (let y = 0; y < oh; y++) {
      const row = (plane * h + 2 * y) * w;
      const top = at(src, row);
      const bottom = at(top, w);
      const outTop = at(dst, row);
      const outBottom = at(outTop, w);
      let z = 0;
      for (; z + 4 <= ow; z += 4, o += 4) {
        const i = 2 * z;
        const a = evens(at(top, i));
        const b = odds(at(top, i));
        const c = evens(at(bottom, i));
        const d = odds(at(bottom, i));
        const best = largest(a, b, c, d);
        const nan = f32x4.ne(best, best);
        const ea = f32x4.eq(a, best);
        const eb = f32x4.eq(b, best);
        const ec = f32x4.eq(c, best);
        const ed = f32x4.eq(d, best);
        const share = shareOf(best, nan, ea, eb, ec, ed, v128.load(at(dy, o)));
        const ga = v128.and(share, v128.or(ea, nan));
        const gb = v128.and(share, v128.or(eb, nan));
        const gc = v128.and(share, v128.or(ec, nan));
        const gd = v128.and(share, v128.or(ed, nan));
        v128.store(at(outTop, i), i32x4.shuffle(ga, gb, 0, 4, 1, 5));
        v128.store(at(outTop, i), i32x4.shuffle(ga, gb, 2, 6, 3, 7), 16);
        v128.store(at(outBottom, i), i32x4.shuffle(gc, gd, 0, 4, 1, 5));
        v128.store(at(outBottom, i), i32x4.shuffle(gc, gd, 2, 6, 3, 7), 16);
      }
      for (; z < ow; z++, o++) {
        const i = 2 * z;
        unpoolOne(load<f32>(at(top, i)), load<f32>(at(top, i + 1)), load<f32>(at(bottom, i)), load<f32>(at(bottom, i + 1)), load<f32>(at(dy, o)), at(outTop, i), at(outBottom, i));
      }
    }
  }
}
