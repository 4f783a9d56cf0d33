// WebAssembly SIMD128 matrix products, compiled by packages/core/scripts/build-wasm.ts.
//
// The structure is the one BLAS libraries use (Goto & van de Geijn): the k and n
// dimensions are cut into blocks that stay in cache, each block of B and of A is
// copied ("packed") into scratch memory in the exact order the inner kernel reads
// it, and a register-blocked micro-kernel multiplies an MR-row panel of A by an
// NR-column panel of B, keeping the MR×NR tile of C in SIMD registers for the
// whole k block. Packing reads the operands through arbitrary strides, which is
// how A·Bᵀ and Aᵀ·B run without ever materializing a transpose. k steps where a
// panel of A is all zeros are skipped when that is exact (see panelSteps).
//
// All pointers are byte addresses in this module's memory, all strides are in
// elements. The JavaScript side owns the memory layout above `operandBase()`.

import { isNarrow, narrowProduct } from './narrow-product';
import { rowProduct } from './row-product';
import { add, allFinite, at, madd, splatLoad, storeTransposed2x2, storeTransposed4x4 } from './simd';
import { SPARSE_B_NOT_FINITE, SPARSE_DONE, sparseBlockRows, sparseRows } from './sparse-product';

// Up to this many rows of A (and B with contiguous rows), each row of C is computed by
// row-product.ts straight from B: one sample's inference, x·W, reads the weights once
// instead of packing them.
const ROW_PRODUCT_ROWS: i32 = 2;

// Up to this fraction of a block of A's rows non-zero, sparse-product.ts multiplies through the
// non-zeros. Measured against the dense kernel (f32, AMD Zen 5): at 10% non-zero 0.36-0.48 of
// its time, at 30% 0.41-0.87, at 50% 0.61-1.16 (the last with k = 1024 and a 4 MB B).
const SPARSE_MAX_DENSITY: f64 = 0.4;
// One or two rows of A (a sample's inference) read B once either way, so the product is bound by
// reading B, and skipping the rows of B that zeros of A pick pays up to a higher density, for B
// wide enough. One row times 1024×1024 (f32, µs, dense against sparse): 132 / 82 at half the
// row non-zero, 125 / 116 at 0.7, 123 / 159 at 0.85; with 10 columns the sparse path was slower
// at 0.5 (the small MLP's x·W₂: 6.3 against 7.0 µs a sample).
const ROW_SPARSE_MAX_DENSITY: f64 = 0.7;
const ROW_SPARSE_MIN_COLUMNS: i32 = 64;

// MR rows × two v128 columns of C stay in registers: 4×8 for f32 (8 f32x4
// accumulators), 4×4 for f64 (8 f64x2). T is f32 or f64; every branch on
// sizeof<T>() is resolved at compile time.
const MR: i32 = 4;
// Block sizes: a KC×NR panel of B (8 KiB) stays in L1 while the MC×KC block of A
// (128 KiB for f32) and the KC×NC block of B stay in L2. k is cut into blocks of at most KC
// (productBlockK).
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 1024;

const PACKED_A_ELEMS: i32 = MC * KC;
const PACKED_B_ELEMS: i32 = KC * NC;
const TILE_ELEMS: i32 = MR * 8;
// Per A panel, the k steps it does not skip (see nonzeroSteps) and how many there are.
const STEP_LIST_BYTES: i32 = (MC / MR) * KC * 4;
const STEP_COUNT_BYTES: i32 = (MC / MR) * 4;
// Scratch sized for 8-byte elements so both precisions share it.
const SCRATCH_BYTES: i32 = (PACKED_A_ELEMS + PACKED_B_ELEMS + TILE_ELEMS) * 8 + STEP_LIST_BYTES + STEP_COUNT_BYTES;

// Where this instance packs its blocks: above the static data, unless a second instance on the
// same shared memory (a worker thread) was given scratch of its own with useScratch.
let scratch: usize = (__heap_base + 15) & ~(<usize>15);

function scratchStart(): usize {
  return scratch;
}

/** Bytes of scratch one instance needs (16-byte aligned). */
export function scratchBytes(): usize {
  return (<usize>SCRATCH_BYTES + 15) & ~(<usize>15);
}

/** Moves this instance's scratch to `at` (scratchBytes() bytes, 16-byte aligned). */
export function useScratch(at: usize): void {
  scratch = at;
}

/** First byte the caller may use for operands; everything below is data and scratch. */
export function operandBase(): usize {
  return (((__heap_base + 15) & ~(<usize>15)) + <usize>SCRATCH_BYTES + 15) & ~(<usize>15);
}

/** The length of k's blocks: as even as the fewest blocks of at most KC allow, rounded up to a
 *  multiple of 4 (784 is four blocks of 196, not three of 256 and one of 16), so that a product
 *  split along k between threads can be cut in the middle (blockProducts). The first j blocks of
 *  k are also the blocks a call with k = j·productBlockK(k) makes, so that call gives their sum. */
export function productBlockK(k: i32): i32 {
  const blocks = (k + KC - 1) / KC;
  return blocks <= 1 ? k : (((k + blocks - 1) / blocks + 3) & ~3);
}

/** Columns of C per micro-tile: two v128 vectors. */
// @ts-ignore: decorator
@inline function nr<T>(): i32 {
  return 32 / <i32>sizeof<T>();
}

/** Copies rows [0, mc) × columns [0, kc) of A into MR-row panels, each stored
 *  column after column (MR values per k), zero-padding the last panel. Full panels
 *  of a transposed A (rows contiguous down a column) copy one column per step; full
 *  panels of a row-major A are transposed a SIMD block at a time. */
function packA<T>(mc: i32, kc: i32, a: usize, rs: i32, cs: i32, dst: usize): void {
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = min(MR, mc - i0);
    const src = at<T>(a, i0 * rs);
    if (rows == MR && rs == 1) packColumns<T>(kc, src, cs, dst);
    else if (rows == MR && cs == 1) packRows<T>(kc, src, rs, dst);
    else packScalar<T>(rows, kc, src, rs, cs, dst);
    dst = at<T>(dst, MR * kc);
  }
}

/** MR contiguous values per column: one or two v128 copies per k. */
function packColumns<T>(kc: i32, src: usize, cs: i32, dst: usize): void {
  for (let p = 0; p < kc; p++) {
    v128.store(dst, v128.load(src));
    if (sizeof<T>() == 8) v128.store(dst, v128.load(src, 16), 16);
    src = at<T>(src, cs);
    dst = at<T>(dst, MR);
  }
}

/** MR rows, each contiguous along k: load one v128 from every row and transpose the
 *  block in registers (4×4 for f32, 4×2 for f64), then finish the tail in scalars. */
function packRows<T>(kc: i32, src: usize, rs: i32, dst: usize): void {
  const lanes = 16 / <i32>sizeof<T>();
  const r1 = at<T>(src, rs);
  const r2 = at<T>(src, 2 * rs);
  const r3 = at<T>(src, 3 * rs);
  let p = 0;
  for (; p + lanes <= kc; p += lanes) {
    const off = at<T>(0, p);
    const v0 = v128.load(src + off);
    const v1 = v128.load(r1 + off);
    const v2 = v128.load(r2 + off);
    const v3 = v128.load(r3 + off);
    if (sizeof<T>() == 4) {
      storeTransposed4x4(v0, v1, v2, v3, dst, 16);
    } else {
      storeTransposed2x2(v0, v1, dst, 32);
      storeTransposed2x2(v2, v3, dst + 16, 32);
    }
    dst += 64;
  }
  for (; p < kc; p++) {
    const off = at<T>(0, p);
    store<T>(dst, load<T>(src + off));
    store<T>(at<T>(dst, 1), load<T>(r1 + off));
    store<T>(at<T>(dst, 2), load<T>(r2 + off));
    store<T>(at<T>(dst, 3), load<T>(r3 + off));
    dst = at<T>(dst, MR);
  }
}

/** Any strides, and the last panel's missing rows as zeros. */
function packScalar<T>(rows: i32, kc: i32, src: usize, rs: i32, cs: i32, dst: usize): void {
  for (let r = 0; r < MR; r++) {
    let d = at<T>(dst, r);
    if (r < rows) {
      let s = at<T>(src, r * rs);
      for (let p = 0; p < kc; p++) {
        store<T>(d, load<T>(s));
        s = at<T>(s, cs);
        d = at<T>(d, MR);
      }
    } else {
      for (let p = 0; p < kc; p++) {
        store<T>(d, 0);
        d = at<T>(d, MR);
      }
    }
  }
}

/** Copies rows [0, kc) × columns [0, nc) of B into NR-column panels, each stored
 *  row after row (NR values per k), zero-padding the last panel. Full panels of a row-major B
 *  copy v128s; those of a transposed B go through packTransposedPanel. */
function packB<T>(kc: i32, nc: i32, b: usize, rs: i32, cs: i32, dst: usize): void {
  const NR = nr<T>();
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = min(NR, nc - j0);
    if (cols == NR && cs == 1) {
      let src = at<T>(b, j0);
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src = at<T>(src, rs);
        dst += 32;
      }
    } else if (cols == NR && rs == 1) {
      packTransposedPanel<T>(kc, at<T>(b, j0 * cs), cs, dst);
      dst += <usize>kc << 5;
    } else {
      for (let p = 0; p < kc; p++) {
        const src = at<T>(b, p * rs + j0 * cs);
        for (let j = 0; j < NR; j++) {
          store<T>(at<T>(dst, j), j < cols ? load<T>(at<T>(src, j * cs)) : 0);
        }
        dst += 32;
      }
    }
  }
}

/** One NR-column panel of a B stored transposed (each column contiguous along k, columns cs
 *  apart): blocks of 4 k × 4 columns (f32) or 2 × 2 (f64) are transposed in registers, then
 *  the k steps left over are copied one value at a time. */
function packTransposedPanel<T>(kc: i32, src: usize, cs: i32, dst: usize): void {
  const NR = nr<T>();
  let p = 0;
  if (sizeof<T>() == 4) {
    for (; p + 4 <= kc; p += 4) {
      for (let q = 0; q < NR; q += 4) {
        const column = at<T>(src, p + q * cs);
        const v0 = v128.load(column);
        const v1 = v128.load(at<T>(column, cs));
        const v2 = v128.load(at<T>(column, 2 * cs));
        const v3 = v128.load(at<T>(column, 3 * cs));
        storeTransposed4x4(v0, v1, v2, v3, at<T>(dst, p * NR + q), NR * 4);
      }
    }
  } else {
    for (; p + 2 <= kc; p += 2) {
      for (let q = 0; q < NR; q += 2) {
        const column = at<T>(src, p + q * cs);
        storeTransposed2x2(v128.load(column), v128.load(at<T>(column, cs)), at<T>(dst, p * NR + q), NR * 8);
      }
    }
  }
  for (; p < kc; p++) {
    for (let j = 0; j < NR; j++) store<T>(at<T>(dst, p * NR + j), load<T>(at<T>(src, p + j * cs)));
  }
}

/** Lists the k steps of a packed A panel to compute, as byte offsets into a packed B
 *  panel (32 bytes a step), and returns how many there are. With `skipZeros`, steps whose
 *  MR values of A are all zero are left out (MNIST pixels and ReLU outputs are mostly
 *  zeros). That is exact: a product with a zero adds ±0, which changes no sum, as long
 *  as B holds no Inf or NaN (0·Inf is NaN), which the caller checks. */
function panelSteps<T>(kc: i32, panel: usize, steps: usize, skipZeros: bool): i32 {
  if (!skipZeros) return kc;
  let count = 0;
  for (let p = 0; p < kc; p++) {
    let v = v128.load(panel);
    if (sizeof<T>() == 8) v = v128.or(v, v128.load(panel, 16));
    // Branch-free: always write, advance only past a step that stays.
    store<i32>(steps + (<usize>count << 2), p << 5);
    count += <i32>v128.any_true(v);
    panel = at<T>(panel, MR);
  }
  // Below one step in eight skipped, the list's indirection costs more than it saves;
  // a count of kc tells micro to ignore the list.
  return count > kc - (kc >> 3) ? kc : count;
}

/** C[rows×cols] (row stride ldc) = (accumulate ? C : 0) + Apanel · Bpanel over the
 *  `count` k steps listed at `steps`. A tile sticking out of C (rows < MR or cols < NR)
 *  is staged through `tile`. */
function micro<T>(kc: i32, count: i32, steps: usize, ap: usize, bp: usize, c: usize, ldc: i32, rows: i32, cols: i32, accumulate: bool, tile: usize): void {
  const NR = nr<T>();
  let c00 = i64x2.splat(0), c01 = i64x2.splat(0);
  let c10 = i64x2.splat(0), c11 = i64x2.splat(0);
  let c20 = i64x2.splat(0), c21 = i64x2.splat(0);
  let c30 = i64x2.splat(0), c31 = i64x2.splat(0);
  if (count == kc) {
    // Nothing skipped: walk the panels directly, which runs ~12% faster than
    // going through the step list.
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      let a = splatLoad<T>(ap);
      c00 = madd<T>(c00, a, b0);
      c01 = madd<T>(c01, a, b1);
      a = splatLoad<T>(at<T>(ap, 1));
      c10 = madd<T>(c10, a, b0);
      c11 = madd<T>(c11, a, b1);
      a = splatLoad<T>(at<T>(ap, 2));
      c20 = madd<T>(c20, a, b0);
      c21 = madd<T>(c21, a, b1);
      a = splatLoad<T>(at<T>(ap, 3));
      c30 = madd<T>(c30, a, b0);
      c31 = madd<T>(c31, a, b1);
      ap = at<T>(ap, MR);
      bp += 32;
    }
  } else {
    const end = steps + (<usize>count << 2);
    for (let s = steps; s < end; s += 4) {
      const off = <usize>load<i32>(s);
      // A advances MR·sizeof(T) bytes a step: 16 for f32, 32 for f64, against B's 32.
      const a0 = ap + (sizeof<T>() == 4 ? off >> 1 : off);
      const b0 = v128.load(bp + off);
      const b1 = v128.load(bp + off, 16);
      let a = splatLoad<T>(a0);
      c00 = madd<T>(c00, a, b0);
      c01 = madd<T>(c01, a, b1);
      a = splatLoad<T>(at<T>(a0, 1));
      c10 = madd<T>(c10, a, b0);
      c11 = madd<T>(c11, a, b1);
      a = splatLoad<T>(at<T>(a0, 2));
      c20 = madd<T>(c20, a, b0);
      c21 = madd<T>(c21, a, b1);
      a = splatLoad<T>(at<T>(a0, 3));
      c30 = madd<T>(c30, a, b0);
      c31 = madd<T>(c31, a, b1);
    }
  }
  const full = rows == MR && cols == NR;
  let dst = full ? c : tile;
  const ld: usize = full ? at<T>(0, ldc) : 32;
  if (accumulate && full) {
    v128.store(dst, add<T>(v128.load(dst), c00));
    v128.store(dst, add<T>(v128.load(dst, 16), c01), 16);
    dst += ld;
    v128.store(dst, add<T>(v128.load(dst), c10));
    v128.store(dst, add<T>(v128.load(dst, 16), c11), 16);
    dst += ld;
    v128.store(dst, add<T>(v128.load(dst), c20));
    v128.store(dst, add<T>(v128.load(dst, 16), c21), 16);
    dst += ld;
    v128.store(dst, add<T>(v128.load(dst), c30));
    v128.store(dst, add<T>(v128.load(dst, 16), c31), 16);
    return;
  }
  v128.store(dst, c00);
  v128.store(dst, c01, 16);
  dst += ld;
  v128.store(dst, c10);
  v128.store(dst, c11, 16);
  dst += ld;
  v128.store(dst, c20);
  v128.store(dst, c21, 16);
  dst += ld;
  v128.store(dst, c30);
  v128.store(dst, c31, 16);
  if (full) return;
  for (let r = 0; r < rows; r++) {
    const out = at<T>(c, r * ldc);
    const src = at<T>(tile, r * NR);
    for (let j = 0; j < cols; j++) {
      const v = load<T>(at<T>(src, j));
      store<T>(at<T>(out, j), accumulate ? load<T>(at<T>(out, j)) + v : v);
    }
  }
}

/** C (m×n, rows ldc elements apart) = A (m×k) · B (k×n); A and B read through strides. A row
 *  stride of C other than n lets two threads each write a block of columns of one C. With B's
 *  columns contiguous, each block of A's rows that is mostly zeros is multiplied through its
 *  non-zeros (sparse-product.ts), with the bits the dense kernel gives; that needs B free of
 *  Inf and NaN, which is checked unless `bFinite` says the caller knows it. Returns whether B is
 *  known finite afterwards (said so, or checked and found so), for the caller to remember until
 *  B is written to. */
function matmul<T>(m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: i32, bFinite: bool): bool {
  // Up to ROW_PRODUCT_ROWS rows the dense path sums all of k at once, else KC steps at a time.
  const rowsAtOnce = m <= ROW_PRODUCT_ROWS && bcs == 1;
  // The sparse lists hold byte offsets into B that grow with k: B's rows must be contiguous and
  // move forward (a flipped or broadcast B takes the packed kernel).
  const blockRows = bcs == 1 && brs > 0 ? sparseBlockRows<T>(k, ars, acs, SCRATCH_BYTES) : 0;
  if (blockRows == 0) {
    dense<T>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, rowsAtOnce);
    return bFinite;
  }
  // B's finiteness is checked once, by the first block sparse enough to need it.
  let trySparse = true;
  for (let i0 = 0; i0 < m; i0 += blockRows) {
    const rows = min(blockRows, m - i0);
    const ai = at<T>(a, i0 * ars);
    const ci = at<T>(c, i0 * ldc);
    if (trySparse) {
      const outcome = sparseRows<T>(rows, n, k, ai, ars, acs, b, brs, ci, ldc, rowsAtOnce ? k : productBlockK(k), rowsAtOnce && n >= ROW_SPARSE_MIN_COLUMNS ? ROW_SPARSE_MAX_DENSITY : SPARSE_MAX_DENSITY, bFinite, scratchStart());
      if (outcome == SPARSE_DONE) {
        bFinite = true;
        continue;
      }
      trySparse = outcome != SPARSE_B_NOT_FINITE;
    }
    dense<T>(rows, n, k, ai, ars, acs, b, brs, bcs, ci, ldc, rowsAtOnce);
  }
  return bFinite;
}

/** matmul through packed blocks (or, for rowsAtOnce, row by row straight from B; for a B of few
 *  columns, narrow-product.ts). */
function dense<T>(m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: i32, rowsAtOnce: bool): void {
  const NR = nr<T>();
  if (rowsAtOnce) {
    for (let i = 0; i < m; i++) rowProduct<T>(n, k, at<T>(a, i * ars), acs, b, brs, at<T>(c, i * ldc));
    return;
  }
  const packedA = scratchStart();
  const packedB = packedA + (<usize>PACKED_A_ELEMS << 3);
  const tile = packedB + (<usize>PACKED_B_ELEMS << 3);
  if (isNarrow<T>(m, n, k, acs, PACKED_B_ELEMS)) {
    narrowProduct<T>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, productBlockK(k), packedB, tile);
    return;
  }
  const stepLists = tile + (<usize>TILE_ELEMS << 3);
  const stepCounts = stepLists + <usize>STEP_LIST_BYTES;
  const blockK = productBlockK(k);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += blockK) {
      const kc = min(blockK, k - pc);
      packB<T>(kc, nc, at<T>(b, pc * brs + jc * bcs), brs, bcs, packedB);
      const skipZeros = allFinite<T>(1, ((nc + NR - 1) / NR) * NR * kc, packedB, 0);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA<T>(mc, kc, at<T>(a, ic * ars + pc * acs), ars, acs, packedA);
        for (let ir = 0; ir < mc; ir += MR) {
          const panel = ir / MR;
          store<i32>(stepCounts + (<usize>panel << 2), panelSteps<T>(kc, at<T>(packedA, ir * kc), stepLists + <usize>(panel * KC * 4), skipZeros));
        }
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = at<T>(packedB, jr * kc);
          for (let ir = 0; ir < mc; ir += MR) {
            const panel = ir / MR;
            const count = load<i32>(stepCounts + (<usize>panel << 2));
            const steps = stepLists + <usize>(panel * KC * 4);
            micro<T>(kc, count, steps, at<T>(packedA, ir * kc), bp, at<T>(c, (ic + ir) * ldc + jc + jr), ldc, min(MR, mc - ir), min(NR, nc - jr), pc > 0, tile);
          }
        }
      }
    }
  }
}

/** Blocks [first, end) of k (see productBlockK), each multiplied from +0 into an m×n partial
 *  product of its own (rows n elements apart), `partialBytes` apart from `partials` on: a
 *  thread's share of a product split along k. Adding them to C in block order gives the bits of
 *  the whole product. `bFinite` and the result are matmul's, for the blocks' rows of B. */
function blockProducts<T>(m: i32, n: i32, k: i32, first: i32, end: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, partials: usize, partialBytes: i32, bFinite: bool): bool {
  const blockK = productBlockK(k);
  let allFound = true;
  for (let j = first; j < end; j++) {
    const pc = j * blockK;
    allFound = matmul<T>(m, n, min(blockK, k - pc), at<T>(a, pc * acs), ars, acs, at<T>(b, pc * brs), brs, bcs, partials + <usize>(j - first) * <usize>partialBytes, n, bFinite) && allFound;
  }
  return allFound;
}

export function blockProductsF32(m: i32, n: i32, k: i32, first: i32, end: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, partials: usize, partialBytes: i32, bFinite: i32): i32 {
  return <i32>blockProducts<f32>(m, n, k, first, end, a, ars, acs, b, brs, bcs, partials, partialBytes, bFinite != 0);
}

export function blockProductsF64(m: i32, n: i32, k: i32, first: i32, end: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, partials: usize, partialBytes: i32, bFinite: i32): i32 {
  return <i32>blockProducts<f64>(m, n, k, first, end, a, ars, acs, b, brs, bcs, partials, partialBytes, bFinite != 0);
}

/** Adds `count` partial products (m×n, rows n elements apart, `partialBytes` apart from
 *  `partials` on) to C (rows ldc elements apart), in order and in one pass: C + P₀ + P₁ + … as
 *  one add a partial after another would give, each sum rounded to T. */
function addPartials<T>(m: i32, n: i32, c: usize, ldc: i32, partials: usize, count: i32, partialBytes: i32): void {
  const lanes = 16 / <i32>sizeof<T>();
  for (let i = 0; i < m; i++) {
    const row = at<T>(c, i * ldc);
    const first = at<T>(partials, i * n);
    let j = 0;
    for (; j + lanes <= n; j += lanes) {
      let v = v128.load(at<T>(row, j));
      for (let p = 0; p < count; p++) v = add<T>(v, v128.load(at<T>(first + <usize>p * <usize>partialBytes, j)));
      v128.store(at<T>(row, j), v);
    }
    for (; j < n; j++) {
      let v = load<T>(at<T>(row, j));
      for (let p = 0; p < count; p++) v += load<T>(at<T>(first + <usize>p * <usize>partialBytes, j));
      store<T>(at<T>(row, j), v);
    }
  }
}

export function addPartialsF32(m: i32, n: i32, c: usize, ldc: i32, partials: usize, count: i32, partialBytes: i32): void {
  addPartials<f32>(m, n, c, ldc, partials, count, partialBytes);
}

export function addPartialsF64(m: i32, n: i32, c: usize, ldc: i32, partials: usize, count: i32, partialBytes: i32): void {
  addPartials<f64>(m, n, c, ldc, partials, count, partialBytes);
}

/** matmul (above) of float32 matrices; `bFinite` and the result are 0 or 1. */
export function matmulF32(m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: i32, bFinite: i32): i32 {
  return <i32>matmul<f32>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, bFinite != 0);
}

/** matmul (above) of float64 matrices; `bFinite` and the result are 0 or 1. */
export function matmulF64(m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: i32, bFinite: i32): i32 {
  return <i32>matmul<f64>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, bFinite != 0);
}
