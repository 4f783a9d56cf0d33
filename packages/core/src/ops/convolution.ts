import type { PatchGeometry } from '../backends/backend.js';
import { composed, defineComposite } from '../composite.js';
import { promote } from '../dtype.js';
import { apply } from '../engine.js';
import { defineOp, type Op } from '../op.js';
import { patchCount } from '../patch-size.js';
import { checkShape, formatShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add } from './arithmetic.js';
import { matmul } from './matmul.js';
import { cast, reshape, transpose } from './shape.js';

interface PatchAttrs {
  geometry: PatchGeometry;
  /** The images' shape [N, C, H, W] (im2col's input, col2im's output). */
  imageShape: number[];
}

const im2colOp: Op = defineOp<PatchAttrs>({
  name: 'im2col',
  forward: 'C = col(A): column (n, y, x) of C holds the kh×kw patch of every channel of image n under output pixel (y, x), so a convolution is W·col(A)',
  identity: 'dA = col⁻¹(dC) (col2im, the adjoint: every entry added back at the pixel it was copied from; a pixel in k patches sums its k gradients)',
  compute: ([a], { geometry }, backend) => backend.im2col(a!, geometry),
  gradients: [(dC, { attrs }) => apply(col2imOp, [dC], attrs)],
});

const col2imOp: Op = defineOp<PatchAttrs>({
  name: 'col2im',
  forward: 'C = col⁻¹(A): zeros shaped like the images, every entry of A added at the pixel of its patch (overlaps summed)',
  identity: 'dA = col(dC) (im2col: each entry reads the gradient of the pixel it was added to)',
  compute: ([a], { geometry, imageShape }, backend) => backend.col2im(a!, geometry, imageShape),
  // Padding positions receive nothing in col2im, so their entries' gradient is 0 whatever the
  // forward's padding value was.
  gradients: [(dC, { attrs }) => apply(im2colOp, [dC], { ...attrs, geometry: { ...attrs.geometry, padValue: 0 } })],
});

/** A size per spatial axis: one number for both, or [along height, along width]. */
export type Pair = number | readonly [number, number];

/** Where the patches of `im2col`, `col2im` and `conv2d` lie, in pixels per spatial axis. */
export interface PatchOptions {
  /** The step between neighbouring patches (default 1). */
  stride?: Pair;
  /** Pixels added on each side of the image, the same before and after (default 0; they read as
   *  0, or as `padValue` in im2col). */
  padding?: Pair;
  /** The spacing between the kernel's taps: 1 is a dense kernel (default 1). */
  dilation?: Pair;
}

function pair(op: string, name: string, value: Pair, min: number): [number, number] {
  const p: unknown[] = typeof value === 'number' ? [value, value] : Array.isArray(value) ? [...(value as unknown[])] : [];
  if (p.length !== 2 || !p.every((v) => Number.isInteger(v) && (v as number) >= min)) {
    throw new RangeError(`${op}: ${name} must be an integer ≥ ${min} or a pair of them [height, width], got ${JSON.stringify(value)}`);
  }
  return p as [number, number];
}

/** Checked geometry for images of `shape`, and the output's spatial size. */
export function patchGeometry(op: string, shape: readonly number[], kernel: Pair, options: PatchOptions, padValue: number): { geometry: PatchGeometry; oh: number; ow: number } {
  if (shape.length !== 4) throw new RangeError(`${op}: expected images [N, C, H, W], got shape ${formatShape(shape)}`);
  const geometry: PatchGeometry = {
    kernel: pair(op, 'kernelSize', kernel, 1),
    stride: pair(op, 'stride', options.stride ?? 1, 1),
    padding: pair(op, 'padding', options.padding ?? 0, 0),
    dilation: pair(op, 'dilation', options.dilation ?? 1, 1),
    padValue,
  };
  const [oh, ow] = [0, 1].map((i) => patchCount(shape[2 + i]!, geometry.kernel[i]!, geometry.stride[i]!, geometry.padding[i]!, geometry.dilation[i]!)) as [number, number];
  if (oh < 1 || ow < 1) {
    throw new RangeError(
      `${op}: a ${geometry.kernel.join('×')} kernel (dilation ${geometry.dilation.join('×')}) does not fit images of ${shape[2]}×${shape[3]} with padding ${geometry.padding.join('×')}; ` +
        'expected the dilated kernel to be at most the padded image size',
    );
  }
  return { geometry, oh, ow };
}

/** Options of `im2col`: the patch walk plus the value read in the padding. */
export interface Im2colOptions extends PatchOptions {
  /** What patches read outside the image (default 0). */
  padValue?: number;
}

/** The patches of images x [N, C, H, W] as the columns of a [C·kh·kw, N·OH·OW] matrix. */
export function im2col(x: Tensor, kernelSize: Pair, options: Im2colOptions = {}): Tensor {
  const { geometry } = patchGeometry('im2col', x.shape, kernelSize, options, options.padValue ?? 0);
  return apply(im2colOp, [x], { geometry, imageShape: [...x.shape] });
}

/** The adjoint of im2col: columns [C·kh·kw, N·OH·OW] summed back into images of `imageShape`. */
export function col2im(col: Tensor, imageShape: readonly number[], kernelSize: Pair, options: PatchOptions = {}): Tensor {
  const shape = checkShape('col2im', imageShape);
  const { geometry, oh, ow } = patchGeometry('col2im', shape, kernelSize, options, 0);
  const expected = [shape[1]! * geometry.kernel[0] * geometry.kernel[1], shape[0]! * oh * ow];
  if (col.shape.length !== 2 || col.shape[0] !== expected[0] || col.shape[1] !== expected[1]) {
    throw new RangeError(`col2im: columns of shape ${formatShape(col.shape)} do not fit images ${formatShape(shape)} with this geometry; expected ${formatShape(expected)}`);
  }
  return apply(col2imOp, [col], { geometry, imageShape: shape });
}

/** The patches of `x` for a window walk, as im2col's op (for the pooling composites). */
export function patches(x: Tensor, geometry: PatchGeometry): Tensor {
  return apply(im2colOp, [x], { geometry, imageShape: [...x.shape] });
}

const conv2dComposite = defineComposite({
  name: 'conv2d',
  forward: 'Y = W·col(X) + b·1ᵀ, laid out as [N, F, OH, OW]',
  composition: 'im2col(X) → matmul with W as an [F, C·kh·kw] matrix (one per group) → + b → reshape and transpose to [N, F, OH, OW]',
  identity: 'dW = dY·col(X)ᵀ, db = dY·1, dX = col⁻¹(Wᵀ·dY)',
});

/** Options of `conv2d`, as in PyTorch's F.conv2d (numeric padding only; no 'same'/'valid'). */
export interface Conv2dOptions extends PatchOptions {
  /** Channel groups: input and output channels are split into this many groups, each
   *  convolved with its own filters (default 1). */
  groups?: number;
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch) of images x [N, C, H, W] with filters
 * w [F, C/groups, kh, kw] and an optional bias b [F], giving [N, F, OH, OW]. Written as
 * im2col and one matrix product per group, so its backward is matmul's rule and im2col's:
 * dW = dY·col(X)ᵀ, db = dY·1, dX = col⁻¹(Wᵀ·dY).
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`conv2d: groups must be a positive integer, got ${String(groups)}`);
  if (w.shape.length !== 4) throw new RangeError(`conv2d: filters must be [F, C/groups, kh, kw], got shape ${formatShape(w.shape)}`);
  const [f, perGroup, kh, kw] = w.shape as [number, number, number, number];
  const { geometry, oh, ow } = patchGeometry('conv2d', x.shape, [kh, kw], options, 0);
  const [n, c] = x.shape as [number, number];
  if (c % groups !== 0 || f % groups !== 0 || perGroup * groups !== c) {
    throw new RangeError(
      `conv2d: images ${formatShape(x.shape)} and filters ${formatShape(w.shape)} do not fit ${groups} group(s); ` +
        `expected filters [F, C/groups, kh, kw] = [F, ${c / groups}, kh, kw] with C = ${c} and F divisible by ${groups}`,
    );
  }
  if (b !== null && (b.shape.length !== 1 || b.shape[0] !== f)) throw new RangeError(`conv2d: the bias must be [F] = [${f}], got shape ${formatShape(b.shape)}`);
  const dtype = [x, w, ...(b === null ? [] : [b])].map((t) => t.dtype).reduce(promote);
  const inputs = b === null ? [x, w] : [x, w, b];
  return composed(conv2dComposite, inputs, () => {
    const col = apply(im2colOp, [cast(x, dtype)], { geometry, imageShape: [...x.shape] });
    const filters = cast(w, dtype);
    const rows = perGroup * kh * kw;
    const columns = sizeOf([n, oh, ow]);
    let y =
      groups === 1
        ? matmul(reshape(filters, [f, rows]), col)
        : reshape(matmul(reshape(filters, [groups, f / groups, rows]), reshape(col, [groups, rows, columns])), [f, columns]);
    if (b !== null) y = add(y, reshape(cast(b, dtype), [f, 1]));
    return transpose(reshape(y, [f, n, oh, ow]), [1, 0, 2, 3]);
  });
}
