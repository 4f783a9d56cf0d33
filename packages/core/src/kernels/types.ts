import type { BinaryKernel, PatchGeometry } from '../backends/backend.js';

/** Storage of every tensor: row-major or strided, float32 or float64. */
export type FloatArray = Float32Array | Float64Array;

/** A matrix read in place: element (i, j) is `data[offset + i * rowStride + j * colStride]`.
 *  A transposed operand is the same buffer with its strides swapped, so no kernel
 *  ever needs a materialized transpose. */
export interface MatrixView {
  /** The whole buffer the matrix lives in. */
  data: FloatArray;
  /** Where element (0, 0) is in `data`. */
  offset: number;
  /** Elements between (i, j) and (i + 1, j). */
  rowStride: number;
  /** Elements between (i, j) and (i, j + 1). */
  colStride: number;
  /** Set where every element of `data` is known to be finite (the kernel may then skip its
   *  check for Inf and NaN, which a product that skips zeros of the other operand needs). */
  finite?: boolean;
}

/** The matrix kernels of the CPU backends (products read in place, and y ← y + αx). Each CPU
 *  backend holds one set; ops reach them only through a backend. */
export interface Kernels {
  /** `out[m×n] = A[m×k] · B[k×n]`, written row-major and contiguous at `outOffset`
   *  (overwriting what was there). A, B and out share one dtype. Returns true where B's k×n
   *  window is known to hold no Inf or NaN afterwards (`b.finite` said so, or the kernel checked). */
  matmul(m: number, n: number, k: number, a: MatrixView, b: MatrixView, out: FloatArray, outOffset: number): boolean | void;
  /** `y ← y + alpha·x`, in place on y, elementwise over two arrays of one dtype and length
   *  (pass subarrays for parts of a buffer): the optimizers' update w ← w − η·g. Returns true
   *  where y is known to hold no Inf or NaN afterwards (a kernel that checked as it wrote). */
  axpy(alpha: number, x: FloatArray, y: FloatArray): boolean | void;
  /** im2col of row-major images `x` of `shape` [N, C, H, W] into `out` [C·kh·kw, N·OH·OW]
   *  (the layout of backends/cpu/patches.ts), where a kernel set has its own (the WebAssembly
   *  one); the CPU backend's loops otherwise. False when it could not run (no memory for its
   *  copies), and the caller's loops are used instead. */
  im2col?(x: FloatArray, shape: readonly number[], geometry: PatchGeometry, out: FloatArray): boolean;
  /** col2im of row-major columns into `out`, row-major images of `imageShape` (false as for im2col). */
  col2im?(col: FloatArray, imageShape: readonly number[], geometry: PatchGeometry, out: FloatArray): boolean;
  /** maxPool2d of row-major float32 images, `planes` = N·C maps of h×w, over side-by-side 2×2
   *  windows (stride 2, no padding or dilation) into `out` [planes, ⌊h/2⌋, ⌊w/2⌋]; false as for im2col. */
  maxPoolPairs?(x: Float32Array, planes: number, h: number, w: number, out: Float32Array): boolean;
  /** maxPool2d's backward for the same windows: `dy` split between each window's largest
   *  entries of `x`, into `out` shaped like x; false as for im2col. */
  maxUnpoolPairs?(x: Float32Array, dy: Float32Array, planes: number, h: number, w: number, out: Float32Array): boolean;
  /** Rows of an elementwise binary kernel: for r < rows and k < n,
   *  `out[oi + r·outRow + k] = a[ai + r·aRow + k·as] op b[bi + r·bRow + k·bs]`, row after row (a
   *  row step of 0 repeats a row: a bias added to every row, or a sum that every row is added
   *  into, in row order), where a kernel set can run it on the arrays where they lie (the
   *  WebAssembly one, on tensors in its memory, for add/sub/mul/div/maskPositive with element
   *  steps of 0 or 1); false otherwise, and the caller runs its JavaScript loop. */
  binaryRows?(
    kernel: BinaryKernel,
    rows: number,
    n: number,
    a: FloatArray,
    ai: number,
    aRow: number,
    as: number,
    b: FloatArray,
    bi: number,
    bRow: number,
    bs: number,
    out: FloatArray,
    oi: number,
    outRow: number,
  ): boolean;
  /** Every element of `out` set to `value`, where a kernel set can store into it where it lies
   *  (the WebAssembly one, in its memory); false otherwise, and the caller fills it. */
  fill?(out: FloatArray, value: number): boolean;
  /** take's copies: for o < outer and j < indices.length, the `inner` elements of `x` from
   *  (o·size + indices[j])·inner go to `out` from (o·indices.length + j)·inner, where a kernel
   *  set can copy them where they lie (the WebAssembly one, both arrays in its memory); false
   *  otherwise (or for an index outside [0, size)), and the caller runs its loop. */
  gather?(outer: number, size: number, inner: number, x: FloatArray, indices: Int32Array, out: FloatArray): boolean;
  /** softmax's exponentials, where a kernel set computes them faster than Math.exp with Math.exp's
   *  bits (the WebAssembly one, `x` in its memory): for each of `rows` rows of `cols` values of
   *  `x` from `xi` on (rows one after another), its shift (the maximum as Math.max finds it, or 0
   *  where that is not finite), exp(x − shift) of each value in float64, and their sum added in
   *  order; given `probabilities` (x's type, rows·cols long), also each exponential over its
   *  row's total, rounded to that type, where the set can write there (probabilitiesWritten).
   *  The arrays are the kernel set's, valid until its next call; null where it cannot. */
  rowExponentials?(rows: number, cols: number, x: FloatArray, xi: number, probabilities?: FloatArray): RowExponentials | null;
  /** max(x, 0) over `n` contiguous elements from `xi` into `out` from `oi`, as binaryRows. */
  reluRow?(n: number, x: FloatArray, xi: number, out: FloatArray, oi: number): boolean;
}

/** What Kernels.rowExponentials computes, row by row. */
export interface RowExponentials {
  /** exp(x − shift) of row r's values, at r·cols + c. */
  exps: Float64Array;
  /** Row r's exponentials added in order. */
  totals: Float64Array;
  /** Row r's shift: its maximum, or 0 where that is not finite. */
  shifts: Float64Array;
  /** Whether the call also wrote the probabilities it was given (exps over their row's total). */
  probabilitiesWritten: boolean;
}
