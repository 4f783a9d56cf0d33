// The exponentials of softmax, log-softmax and the fused cross-entropy, row by row. V8's
// Math.exp is fdlibm's __ieee754_exp, reached through a call that TurboFan does not inline
// (8-16 ns each here); the same algorithm below, in the same basic operations, gives the same
// bits (checked against Math.exp on millions of arguments by the tests) in a few nanoseconds.

const LN2_HI: f64 = 6.93147180369123816490e-1; // 0x3fe62e42 fee00000
const LN2_LO: f64 = 1.90821492927058770002e-10; // 0x3dea39ef 35793c76
const INV_LN2: f64 = 1.44269504088896338700; // 0x3ff71547 652b82fe
const P1: f64 = 1.66666666666666019037e-1;
const P2: f64 = -2.77777777770155933842e-3;
const P3: f64 = 6.61375632143793436117e-5;
const P4: f64 = -1.65339022054652515390e-6;
const P5: f64 = 4.13813679705723846039e-8;
const O_THRESHOLD: f64 = 7.09782712893383973096e2;
const U_THRESHOLD: f64 = -7.45133219101941108420e2;
const HUGE: f64 = 1.0e300;
const TWO_M1000: f64 = 9.33263618503218878990e-302; // 2⁻¹⁰⁰⁰

/** eˣ as fdlibm computes it: x = k·ln2 + r with |r| ≤ ln2/2 (ln2 in two parts, so k·ln2's high
 *  part is exact), e^r from a rational approximation, then k added to the exponent. */
// @ts-ignore: decorator
@inline function exp(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  const sign = <i32>(bits >> 63);
  const hx = <u32>(bits >> 32) & 0x7fffffff;
  if (hx >= 0x40862e42) {
    // |x| ≥ 709.78: NaN, ±Inf, overflow or underflow.
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | <u32>bits) != 0) return x + x;
      return sign == 0 ? x : 0.0;
    }
    if (x > O_THRESHOLD) return HUGE * HUGE;
    if (x < U_THRESHOLD) return TWO_M1000 * TWO_M1000;
  }
  let hi: f64 = 0;
  let lo: f64 = 0;
  let k: i32 = 0;
  if (hx > 0x3fd62e42) {
    // |x| > ln2/2: reduce.
    if (hx < 0x3ff0a2b2) {
      // and |x| < 1.5·ln2: k = ±1.
      hi = sign == 0 ? x - LN2_HI : x + LN2_HI;
      lo = sign == 0 ? LN2_LO : -LN2_LO;
      k = 1 - sign - sign;
    } else {
      k = <i32>(INV_LN2 * x + (sign == 0 ? 0.5 : -0.5)); // toward zero, as C's (int)
      const t = <f64>k;
      hi = x - t * LN2_HI;
      lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    // |x| < 2⁻²⁸: 1 + x (fdlibm's test of HUGE + x raises inexact, which nothing here sees).
    return 1.0 + x;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  // Adding k to the exponent field (fdlibm adds k << 20 to the high word).
  if (k >= -1021) return reinterpret<f64>(reinterpret<u64>(y) + (<u64>k << 52));
  return reinterpret<f64>(reinterpret<u64>(y) + (<u64>(k + 1000) << 52)) * TWO_M1000;
}

// The vector path below covers arguments in (SAFE_LOW, SAFE_HIGH): no overflow, no subnormal
// result (k ≥ -1021), no NaN or Inf; a pair with a lane outside goes through exp() above.
const SAFE_LOW: f64 = -700;
const SAFE_HIGH: f64 = 709;

/** exp() of both lanes, in the same operations lane by lane, so the same bits. Not reduced
 *  (|x| ≤ ln2/2) is the reduced case with k = 0: hi = x − 0·ln2hi = x, lo = +0, and
 *  1 − ((lo − x·c/(2 − c)) − hi) is 1 − (x·c/(c − 2) − x) (negating a divisor negates the
 *  quotient exactly); k = ±1 (ln2/2 < |x| < 1.5·ln2) is what the general reduction gives there
 *  too. |x| < 2⁻²⁸ takes 1 + x, as exp() does. */
// @ts-ignore: decorator
@inline function exp2Lanes(x: v128): v128 {
  const safe = v128.and(f64x2.gt(x, f64x2.splat(SAFE_LOW)), f64x2.lt(x, f64x2.splat(SAFE_HIGH)));
  if (!i64x2.all_true(safe)) return f64x2(exp(f64x2.extract_lane(x, 0)), exp(f64x2.extract_lane(x, 1)));
  const high = v128.and(i64x2.shr_u(x, 32), i64x2.splat(0x7fffffff));
  const reduce = i64x2.gt_s(high, i64x2.splat(0x3fd62e42));
  const negative = i64x2.shr_s(x, 63);
  const half = v128.bitselect(f64x2.splat(-0.5), f64x2.splat(0.5), negative);
  // Truncated toward zero as exp()'s i32 conversion; +0 where x is not reduced.
  const kf = v128.and(f64x2.trunc(f64x2.add(f64x2.mul(f64x2.splat(INV_LN2), x), half)), reduce);
  const hi = f64x2.sub(x, f64x2.mul(kf, f64x2.splat(LN2_HI)));
  const lo = f64x2.mul(kf, f64x2.splat(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  let p = f64x2.add(f64x2.splat(P4), f64x2.mul(t, f64x2.splat(P5)));
  p = f64x2.add(f64x2.splat(P3), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P2), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P1), f64x2.mul(t, p));
  const c = f64x2.sub(r, f64x2.mul(t, p));
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(f64x2.splat(2.0), c));
  const y = f64x2.sub(f64x2.splat(1.0), f64x2.sub(f64x2.sub(lo, q), hi));
  const k = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(kf));
  const scaled = i64x2.add(y, i64x2.shl(k, 52));
  const tiny = i64x2.lt_s(high, i64x2.splat(0x3e300000));
  return v128.bitselect(f64x2.add(f64x2.splat(1.0), x), scaled, tiny);
}

/** For each of `rows` rows of `cols` T values (rows contiguous, one after another) from `src`:
 *  its shift (the row's maximum as Math.max finds it, NaN included, or 0 where that is not
 *  finite) into shifts[r], exp(x − shift) of each value, in float64, into exps (rows × cols),
 *  and their sum, added in order, into totals[r]; unless `probabilities` is 0, also each
 *  exponential over its row's total, rounded to T, into probabilities (rows × cols T values). */
function rowExponentials<T>(rows: i32, cols: i32, src: usize, exps: usize, totals: usize, shifts: usize, probabilities: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = src + (<usize>(r * cols) << alignof<T>());
    let top: f64 = -Infinity;
    for (let c = 0; c < cols; c++) top = max(top, <f64>load<T>(row + (<usize>c << alignof<T>())));
    const shift: f64 = top - top == 0 ? top : 0;
    const out = exps + (<usize>(r * cols) << 3);
    let total: f64 = 0;
    const shifts2 = f64x2.splat(shift);
    let c = 0;
    for (; c + 2 <= cols; c += 2) {
      const at = row + (<usize>c << alignof<T>());
      const x = sizeof<T>() == 4 ? f64x2.promote_low_f32x4(v128.load64_zero(at)) : v128.load(at);
      const e = exp2Lanes(f64x2.sub(x, shifts2));
      v128.store(out + (<usize>c << 3), e);
      total += f64x2.extract_lane(e, 0);
      total += f64x2.extract_lane(e, 1);
    }
    for (; c < cols; c++) {
      const e = exp(<f64>load<T>(row + (<usize>c << alignof<T>())) - shift);
      store<f64>(out + (<usize>c << 3), e);
      total += e;
    }
    store<f64>(totals + (<usize>r << 3), total);
    store<f64>(shifts + (<usize>r << 3), shift);
    if (probabilities == 0) continue;
    const p = probabilities + (<usize>(r * cols) << alignof<T>());
    for (let c = 0; c < cols; c++) store<T>(p + (<usize>c << alignof<T>()), <T>(load<f64>(out + (<usize>c << 3)) / total));
  }
}

export function rowExponentialsF32(rows: i32, cols: i32, src: usize, exps: usize, totals: usize, shifts: usize, probabilities: usize): void {
  rowExponentials<f32>(rows, cols, src, exps, totals, shifts, probabilities);
}

export function rowExponentialsF64(rows: i32, cols: i32, src: usize, exps: usize, totals: usize, shifts: usize, probabilities: usize): void {
  rowExponentials<f64>(rows, cols, src, exps, totals, shifts, probabilities);
}
