// C = A·B through the non-zeros of A, for an A that is mostly zeros: MNIST pixels (81% zeros)
// in the first layer's x·W and in its weight gradient xᵀ·Δ, ReLU outputs (about half zeros) in
// the next layer's. Row i of C is the sum of the rows of B that the non-zeros of A's row i pick,
// each scaled by its non-zero, so the work is nnz(A)·n instead of m·k·n, and nothing is packed.
// A block of A's rows is listed first (compressed sparse rows, in scratch memory). A transposed
// A (xᵀ: its rows are adjacent elements) is listed a few rows at a time, transposed in registers;
// an A with neither its rows nor its columns contiguous is copied into rows before it is listed.
//
// The result has the bits of the dense kernel (matmul.ts): a zero of A contributes ±0 to a sum
// that starts at +0, which changes no bit of it, unless B holds an Inf or a NaN (0·Inf is NaN),
// so B is checked and the caller takes the dense path otherwise. The sums are also associated
// as there: k is cut into the same blocks (blockK), each summed from +0 in k order and then
// added to C.

import { add, allFinite, at, madd, splatLoad } from './simd';

// Columns of C kept in registers per pass over a row's entries: seven v128 accumulators, the
// seven vectors of B and the splat of A's value fill the 15 registers V8 gives SIMD on x64. With
// eight, V8 spilled an accumulator to the stack, and its store and reload each step made the
// loop three times slower. Seven against six: 100 columns (f32) take four passes over the entries
// instead of five, and X·W₁, Xᵀ·Δ of the benchmark took 0.96× the time.
const BLOCK_VECTORS: i32 = 7;

// For each mask of non-zero lanes, the i8x16.swizzle that moves those lanes to the front: of
// four 4-byte lanes (f32 values and the i32 offsets), and of two 8-byte lanes (f64 values).
const COMPRESS_4_BYTE_LANES: usize = memory.data<u8>([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
const COMPRESS_8_BYTE_LANES: usize = memory.data<u8>([0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

/** One bit per lane of v (lane 0 lowest) for the lanes that are not ±0 (NaN counts). */
// @ts-ignore: decorator
@inline function nonzeroBits<T>(v: v128): i32 {
  if (sizeof<T>() == 4) return i32x4.bitmask(f32x4.ne(v, f32x4.splat(0)));
  return i64x2.bitmask(f64x2.ne(v, f64x2.splat(0)));
}

/** Copies rows × k of A (strides ars, acs) into dst as contiguous rows. */
function gatherRows<T>(rows: i32, k: i32, a: usize, ars: i32, acs: i32, dst: usize): void {
  for (let i = 0; i < rows; i++) {
    for (let p = 0; p < k; p++) store<T>(at<T>(dst, i * k + p), load<T>(at<T>(a, i * ars + p * acs)));
  }
}

/** Appends the non-zero lanes of v (one group of A's row) to the lists at `count`, with `offs`
 *  the offsets into B of its lanes; returns the new count. */
// @ts-ignore: decorator
@inline function listGroup<T>(v: v128, offs: v128, count: i32, offsets: usize, values: usize): i32 {
  const bits = nonzeroBits<T>(v);
  const offsetPattern = v128.load(COMPRESS_4_BYTE_LANES + (<usize>bits << 4));
  const valuePattern = sizeof<T>() == 4 ? offsetPattern : v128.load(COMPRESS_8_BYTE_LANES + (<usize>bits << 4));
  v128.store(at<T>(values, count), i8x16.swizzle(v, valuePattern));
  v128.store(offsets + (<usize>count << 2), i8x16.swizzle(offs, offsetPattern));
  return count + popcnt(bits);
}

/** Appends x with its offset into B to the lists at `count` if it is not ±0; returns the new count. */
// @ts-ignore: decorator
@inline function listOne<T>(x: T, offset: i32, count: i32, offsets: usize, values: usize): i32 {
  store<i32>(offsets + (<usize>count << 2), offset);
  store<T>(at<T>(values, count), x);
  return count + <i32>(x != 0);
}

// The listing gives a block up once its rows so far hold more non-zeros than the density limit
// allows for them and this many more rows: a block that is dense throughout (a ReLU output, about
// half zeros) is found within a few rows instead of after 40% of its entries. The whole block
// is still held to the limit at its last row.
const SLACK_ROWS: i32 = 4;

/** Lists the non-zeros of rows × k of A (rows rs elements apart, contiguous along k), row after
 *  row: offsets gets the byte offset of the row of B each picks (p·bRowBytes), values the
 *  non-zero, rowStarts[i] and rowEnds[i] where row i's list starts and ends. Each group of
 *  lanes is compacted through a swizzle, without branches, so the lists need room for a group
 *  past their end. Four groups that are all ±0 (MNIST's margins, a pixel that no digit of the
 *  batch touches) are passed over with one test. Returns the count, or -1 as soon as the rows
 *  listed so far, and SLACK_ROWS more, would hold more than `rowLimit` non-zeros a row. */
function listRows<T>(rows: i32, k: i32, a: usize, rs: i32, bRowBytes: i32, rowStarts: usize, rowEnds: usize, offsets: usize, values: usize, rowLimit: f64): i32 {
  const lanes = 16 / <i32>sizeof<T>();
  const firstOffsets = sizeof<T>() == 4 ? i32x4(0, bRowBytes, 2 * bRowBytes, 3 * bRowBytes) : i32x4(0, bRowBytes, 0, 0);
  const groupStep = i32x4.splat(lanes * bRowBytes);
  const blockStep = i32x4.splat(4 * lanes * bRowBytes);
  // Every bit but the signs: a block is all ±0 when its values or-ed together have none of them.
  const magnitude = sizeof<T>() == 4 ? i32x4.splat(0x7fffffff) : i64x2.splat(0x7fffffffffffffff);
  let count = 0;
  for (let i = 0; i < rows; i++) {
    store<i32>(rowStarts + (<usize>i << 2), count);
    const row = at<T>(a, i * rs);
    let offs = firstOffsets;
    let p = 0;
    for (; p + 4 * lanes <= k; p += 4 * lanes) {
      const v0 = v128.load(at<T>(row, p));
      const v1 = v128.load(at<T>(row, p + lanes));
      const v2 = v128.load(at<T>(row, p + 2 * lanes));
      const v3 = v128.load(at<T>(row, p + 3 * lanes));
      if (v128.any_true(v128.and(v128.or(v128.or(v0, v1), v128.or(v2, v3)), magnitude))) {
        count = listGroup<T>(v0, offs, count, offsets, values);
        count = listGroup<T>(v1, i32x4.add(offs, groupStep), count, offsets, values);
        count = listGroup<T>(v2, i32x4.add(offs, i32x4.add(groupStep, groupStep)), count, offsets, values);
        count = listGroup<T>(v3, i32x4.sub(i32x4.add(offs, blockStep), groupStep), count, offsets, values);
      }
      offs = i32x4.add(offs, blockStep);
    }
    for (; p + lanes <= k; p += lanes) {
      count = listGroup<T>(v128.load(at<T>(row, p)), offs, count, offsets, values);
      offs = i32x4.add(offs, groupStep);
    }
    for (; p < k; p++) count = listOne<T>(load<T>(at<T>(row, p)), p * bRowBytes, count, offsets, values);
    store<i32>(rowEnds + (<usize>i << 2), count);
    if (<f64>count > rowLimit * <f64>min(i + 1 + SLACK_ROWS, rows)) return -1;
  }
  return count;
}

/** listRows for an A whose rows are adjacent elements (ars = 1, columns acs apart: a transposed
 *  row-major matrix), without copying it: `lanes` rows at a time, each lanes × lanes block loaded
 *  as columns and transposed in registers, a block of ±0 (MNIST's margins) passed over with one
 *  test. Row i is listed from entry i·(k + lanes) on (room for a compacting store past its end);
 *  rowStarts and rowEnds say where. Returns the entries listed, or -1 as listRows does. */
function listColumns<T>(rows: i32, k: i32, a: usize, acs: i32, bRowBytes: i32, rowStarts: usize, rowEnds: usize, offsets: usize, values: usize, rowLimit: f64): i32 {
  const lanes = 16 / <i32>sizeof<T>();
  const capacity = k + lanes;
  const firstOffsets = sizeof<T>() == 4 ? i32x4(0, bRowBytes, 2 * bRowBytes, 3 * bRowBytes) : i32x4(0, bRowBytes, 0, 0);
  const groupStep = i32x4.splat(lanes * bRowBytes);
  const magnitude = sizeof<T>() == 4 ? i32x4.splat(0x7fffffff) : i64x2.splat(0x7fffffffffffffff);
  const columnBytes = <usize>acs * sizeof<T>();
  let total = 0;
  let i = 0;
  for (; i + lanes <= rows; i += lanes) {
    let n0 = i * capacity;
    let n1 = n0 + capacity;
    let n2 = n1 + capacity;
    let n3 = n2 + capacity;
    let offs = firstOffsets;
    let p = 0;
    for (; p + lanes <= k; p += lanes) {
      const src = at<T>(a, i + p * acs);
      if (sizeof<T>() == 4) {
        // v_j holds column p + j of rows i..i+3; the shuffles give row i + r at columns p..p+3.
        const v0 = v128.load(src);
        const v1 = v128.load(src + columnBytes);
        const v2 = v128.load(src + 2 * columnBytes);
        const v3 = v128.load(src + 3 * columnBytes);
        if (v128.any_true(v128.and(v128.or(v128.or(v0, v1), v128.or(v2, v3)), magnitude))) {
          const u0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
          const u1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
          const u2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
          const u3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
          n0 = listGroup<T>(i64x2.shuffle(u0, u2, 0, 2), offs, n0, offsets, values);
          n1 = listGroup<T>(i64x2.shuffle(u0, u2, 1, 3), offs, n1, offsets, values);
          n2 = listGroup<T>(i64x2.shuffle(u1, u3, 0, 2), offs, n2, offsets, values);
          n3 = listGroup<T>(i64x2.shuffle(u1, u3, 1, 3), offs, n3, offsets, values);
        }
      } else {
        const v0 = v128.load(src);
        const v1 = v128.load(src + columnBytes);
        if (v128.any_true(v128.and(v128.or(v0, v1), magnitude))) {
          n0 = listGroup<T>(i64x2.shuffle(v0, v1, 0, 2), offs, n0, offsets, values);
          n1 = listGroup<T>(i64x2.shuffle(v0, v1, 1, 3), offs, n1, offsets, values);
        }
      }
      offs = i32x4.add(offs, groupStep);
    }
    for (; p < k; p++) {
      const offset = p * bRowBytes;
      n0 = listOne<T>(load<T>(at<T>(a, i + p * acs)), offset, n0, offsets, values);
      n1 = listOne<T>(load<T>(at<T>(a, i + 1 + p * acs)), offset, n1, offsets, values);
      if (sizeof<T>() == 4) {
        n2 = listOne<T>(load<T>(at<T>(a, i + 2 + p * acs)), offset, n2, offsets, values);
        n3 = listOne<T>(load<T>(at<T>(a, i + 3 + p * acs)), offset, n3, offsets, values);
      }
    }
    total += endRow(i, n0, capacity, rowStarts, rowEnds) + endRow(i + 1, n1, capacity, rowStarts, rowEnds);
    if (sizeof<T>() == 4) total += endRow(i + 2, n2, capacity, rowStarts, rowEnds) + endRow(i + 3, n3, capacity, rowStarts, rowEnds);
    if (<f64>total > rowLimit * <f64>min(i + lanes + SLACK_ROWS, rows)) return -1;
  }
  for (; i < rows; i++) {
    let n = i * capacity;
    for (let p = 0; p < k; p++) n = listOne<T>(load<T>(at<T>(a, i + p * acs)), p * bRowBytes, n, offsets, values);
    total += endRow(i, n, capacity, rowStarts, rowEnds);
  }
  return <f64>total > rowLimit * <f64>rows ? -1 : total;
}

/** Records where row i's list (from i·capacity) ends; returns its length. */
// @ts-ignore: decorator
@inline function endRow(i: i32, end: i32, capacity: i32, rowStarts: usize, rowEnds: usize): i32 {
  store<i32>(rowStarts + (<usize>i << 2), i * capacity);
  store<i32>(rowEnds + (<usize>i << 2), end);
  return end - i * capacity;
}

/** `vectors` (1 to BLOCK_VECTORS) v128 columns of a row of C at `out`: the entries [begin, end)
 *  (one block of k) summed from +0, then stored, or added to C when `accumulate`. */
// @ts-ignore: decorator
@inline function rowBlock<T>(vectors: i32, begin: i32, end: i32, offsets: usize, values: usize, b: usize, out: usize, accumulate: bool): void {
  let c0 = i64x2.splat(0), c1 = i64x2.splat(0), c2 = i64x2.splat(0);
  let c3 = i64x2.splat(0), c4 = i64x2.splat(0), c5 = i64x2.splat(0), c6 = i64x2.splat(0);
  let op = offsets + (<usize>begin << 2);
  let vp = at<T>(values, begin);
  const stop = offsets + (<usize>end << 2);
  for (; op < stop; op += 4) {
    const x = splatLoad<T>(vp);
    const bp = b + <usize>load<u32>(op);
    c0 = madd<T>(c0, x, v128.load(bp));
    if (vectors > 1) c1 = madd<T>(c1, x, v128.load(bp, 16));
    if (vectors > 2) c2 = madd<T>(c2, x, v128.load(bp, 32));
    if (vectors > 3) c3 = madd<T>(c3, x, v128.load(bp, 48));
    if (vectors > 4) c4 = madd<T>(c4, x, v128.load(bp, 64));
    if (vectors > 5) c5 = madd<T>(c5, x, v128.load(bp, 80));
    if (vectors > 6) c6 = madd<T>(c6, x, v128.load(bp, 96));
    vp += sizeof<T>();
  }
  if (accumulate) {
    c0 = add<T>(c0, v128.load(out));
    if (vectors > 1) c1 = add<T>(c1, v128.load(out, 16));
    if (vectors > 2) c2 = add<T>(c2, v128.load(out, 32));
    if (vectors > 3) c3 = add<T>(c3, v128.load(out, 48));
    if (vectors > 4) c4 = add<T>(c4, v128.load(out, 64));
    if (vectors > 5) c5 = add<T>(c5, v128.load(out, 80));
    if (vectors > 6) c6 = add<T>(c6, v128.load(out, 96));
  }
  v128.store(out, c0);
  if (vectors > 1) v128.store(out, c1, 16);
  if (vectors > 2) v128.store(out, c2, 32);
  if (vectors > 3) v128.store(out, c3, 48);
  if (vectors > 4) v128.store(out, c4, 64);
  if (vectors > 5) v128.store(out, c5, 80);
  if (vectors > 6) v128.store(out, c6, 96);
}

/** The columns of a row of C left after the full passes: fewer than BLOCK_VECTORS vectors in
 *  one pass, then the last n mod (lanes) columns one at a time. */
function rowRest<T>(from: i32, n: i32, begin: i32, end: i32, offsets: usize, values: usize, b: usize, out: usize, accumulate: bool): void {
  const lanes = 16 / <i32>sizeof<T>();
  const vectors = (n - from) / lanes;
  const bj = at<T>(b, from);
  const oj = at<T>(out, from);
  if (vectors == 1) rowBlock<T>(1, begin, end, offsets, values, bj, oj, accumulate);
  else if (vectors == 2) rowBlock<T>(2, begin, end, offsets, values, bj, oj, accumulate);
  else if (vectors == 3) rowBlock<T>(3, begin, end, offsets, values, bj, oj, accumulate);
  else if (vectors == 4) rowBlock<T>(4, begin, end, offsets, values, bj, oj, accumulate);
  else if (vectors == 5) rowBlock<T>(5, begin, end, offsets, values, bj, oj, accumulate);
  else if (vectors == 6) rowBlock<T>(6, begin, end, offsets, values, bj, oj, accumulate);
  for (let j = from + vectors * lanes; j < n; j++) {
    let sum: T = 0;
    const bc = at<T>(b, j);
    for (let s = begin; s < end; s++) sum += load<T>(at<T>(values, s)) * load<T>(bc + <usize>load<u32>(offsets + (<usize>s << 2)));
    const o = at<T>(out, j);
    store<T>(o, accumulate ? load<T>(o) + sum : sum);
  }
}

/** Bytes of scratch a row of A takes in sparseRows: where its list starts and ends, its lists
 *  at full density (offset and value per entry, with room for a compacting store past the end)
 *  and, for an A with neither rows nor columns contiguous, its copy. */
// @ts-ignore: decorator
@inline function bytesPerRow<T>(k: i32, ars: i32, acs: i32): i64 {
  const lanes = 16 / <i64>sizeof<T>();
  return 8 + (<i64>k + lanes) * <i64>(4 + sizeof<T>()) + (acs == 1 || ars == 1 ? 0 : <i64>k * sizeof<T>());
}

// Bytes of B (k rows × a panel of columns) that one panel of C's columns reads, to stay in a
// 1 MiB L2 cache with room for the lists and C.
const PANEL_BYTES: i32 = 512 * 1024;

// Room kept for alignment and for the group a compacting store writes past a list's end.
const SLACK_BYTES: i32 = 256;

/** How many rows of A sparseRows takes at once in `scratchBytes` of scratch (0: not even one). */
export function sparseBlockRows<T>(k: i32, ars: i32, acs: i32, scratchBytes: i32): i32 {
  return <i32>max<i64>(0, <i64>(scratchBytes - SLACK_BYTES) / bytesPerRow<T>(k, ars, acs));
}

// What sparseRows did with a block of rows.
export const SPARSE_DONE: i32 = 0;
export const SPARSE_TOO_DENSE: i32 = 1;
export const SPARSE_B_NOT_FINITE: i32 = 2;

/** C (rows×n, rows ldc apart) = A (rows×k, any strides) · B (k×n, rows brs > 0 elements
 *  apart, columns contiguous) through A's non-zeros, if at most maxDensity of A is non-zero
 *  (checked row by row as they are listed, see SLACK_ROWS) and B is finite (checked here unless
 *  `bFinite` says an earlier block found it so); rows must be at most sparseBlockRows. Returns
 *  SPARSE_DONE, or, having written nothing to C, why not. The entries of a row are split into
 *  k's blocks by comparing their offsets into B, which only grow with k for a positive row
 *  stride. */
export function sparseRows<T>(rows: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, c: usize, ldc: i32, blockK: i32, maxDensity: f64, bFinite: bool, scratch: usize): i32 {
  if (k < 1) return SPARSE_TOO_DENSE;
  const lanes = 16 / <i32>sizeof<T>();
  const entries = rows * (k + lanes);
  const rowStarts = scratch;
  const rowEnds = rowStarts + (<usize>rows << 2);
  const offsets = (rowEnds + (<usize>rows << 2) + 15) & ~(<usize>15);
  const values = (offsets + (<usize>entries << 2) + 15) & ~(<usize>15);
  const bRowBytes = brs * <i32>sizeof<T>();
  const rowLimit = maxDensity * <f64>k;
  let listed: i32;
  if (acs == 1) {
    listed = listRows<T>(rows, k, a, ars, bRowBytes, rowStarts, rowEnds, offsets, values, rowLimit);
  } else if (ars == 1) {
    listed = listColumns<T>(rows, k, a, acs, bRowBytes, rowStarts, rowEnds, offsets, values, rowLimit);
  } else {
    const copy = (at<T>(values, entries) + 15) & ~(<usize>15);
    gatherRows<T>(rows, k, a, ars, acs, copy);
    listed = listRows<T>(rows, k, copy, k, bRowBytes, rowStarts, rowEnds, offsets, values, rowLimit);
  }
  if (listed < 0) return SPARSE_TOO_DENSE;
  if (!bFinite && !allFinite<T>(k, n, b, brs)) return SPARSE_B_NOT_FINITE;
  // Columns of C a panel at a time, so that the panel of B the rows pick from stays in cache.
  const passColumns = BLOCK_VECTORS * lanes;
  const panelColumns = max(passColumns, (PANEL_BYTES / (k * <i32>sizeof<T>())) / passColumns * passColumns);
  for (let j0 = 0; j0 < n; j0 += panelColumns) {
    const j1 = min(n, j0 + panelColumns);
    const fullEnd = j0 + (j1 - j0) / passColumns * passColumns;
    for (let i = 0; i < rows; i++) {
      let begin = load<i32>(rowStarts + (<usize>i << 2));
      const rowEnd = load<i32>(rowEnds + (<usize>i << 2));
      const row = at<T>(c, i * ldc);
      for (let pc = 0; pc < k; pc += blockK) {
        // This block's entries: the row's next ones that pick rows of B before the block's end
        // (the last block takes the rest, whatever k·bRowBytes would wrap to in 32 bits).
        const bound = pc + blockK >= k ? u32.MAX_VALUE : <u32>(pc + blockK) * <u32>bRowBytes;
        let end = begin;
        while (end < rowEnd && load<u32>(offsets + (<usize>end << 2)) < bound) end++;
        const accumulate = pc > 0;
        for (let j = j0; j < fullEnd; j += passColumns) {
          rowBlock<T>(BLOCK_VECTORS, begin, end, offsets, values, at<T>(b, j), at<T>(row, j), accumulate);
        }
        rowRest<T>(fullEnd, j1, begin, end, offsets, values, b, row, accumulate);
        begin = end;
      }
    }
  }
  return SPARSE_DONE;
}
