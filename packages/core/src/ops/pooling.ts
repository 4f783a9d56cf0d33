import type { PatchGeometry } from '../backends/backend.js';
import { composed, defineComposite } from '../composite.js';
import { apply, noGrad } from '../engine.js';
import { defineOp, type Op } from '../op.js';
import type { Tensor } from '../tensor.js';
import { div, mul } from './arithmetic.js';
import { eq } from './compare.js';
import { patches, patchGeometry, type Pair } from './convolution.js';
import { max, mean, sum } from './reduce.js';
import { broadcastTo, reshape } from './shape.js';

interface MaxPoolAttrs {
  geometry: PatchGeometry;
}

// Max pooling has kernels of its own: composed as im2col → max, its backward took five passes
// over the windows (eq, sum, div, mul, col2im) where one does (measured in the CNN's epoch).
const maxPoolOp: Op = defineOp<MaxPoolAttrs>({
  name: 'maxPool2d',
  forward: 'Y = max over each kh×kw window of X, per channel (padding never wins)',
  identity: "dX = maxUnpool(dY): each window's gradient goes to its largest entry of X (ties share it), windows that overlap sum (max's rule, window by window)",
  compute: ([x], { geometry }, backend) => backend.maxPool2d(x!, geometry),
  gradients: [(dY, { inputs: [x], attrs }) => apply(maxUnpoolOp, [dY], { ...attrs, images: x!.detach() })],
});

interface UnpoolAttrs extends MaxPoolAttrs {
  /** The pooled images: where each window's largest entry is (a constant of the rule). */
  images: Tensor;
}

const maxUnpoolOp: Op = defineOp<UnpoolAttrs>({
  name: 'maxUnpool2d',
  forward: 'C = zeros shaped like X with each entry of A added at the largest entry of its window of X (ties share it)',
  identity: "dA = each window's share of dC read back from its largest entries: Σ over the window of col(dC)∘[col(X) = max]/ties (the adjoint, composed of im2col, eq, sum)",
  compute: ([dy], { geometry, images }, backend) => backend.maxUnpool2d(images.storage, dy!, geometry),
  gradients: [(dC, { attrs: { geometry, images } }) => windowShares(dC, images, geometry)],
});

/** For each window, Σ of t's entries at the window's largest entries of x, ÷ their number. */
function windowShares(t: Tensor, x: Tensor, geometry: PatchGeometry): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const perChannel = (a: Tensor, padValue: number) => patches(reshape(a, [n * c, 1, h, w]), { ...geometry, padValue });
  const winners = noGrad(() => {
    const windows = perChannel(x, -Infinity);
    const isMax = eq(windows, broadcastTo(max(windows, 0, true), windows.shape));
    return div(isMax, broadcastTo(sum(isMax, 0, true), windows.shape));
  });
  const { oh, ow } = patchGeometry('maxUnpool2d', x.shape, geometry.kernel, geometry, geometry.padValue);
  return reshape(sum(mul(perChannel(t, 0), winners), 0), [n, c, oh, ow]);
}

const avgPoolComposite = defineComposite({
  name: 'avgPool2d',
  forward: 'Y = mean over each kh×kw window of X, per channel (padding counted as zeros)',
  composition: 'im2col of each channel (padding 0) → mean over the rows of each column → reshape to [N, C, OH, OW]',
  identity: 'dX = col⁻¹(dY broadcast back / (kh·kw)): each window spreads its gradient evenly, windows that overlap sum',
});

/** Options of `maxPool2d` and `avgPool2d` (which takes no dilation), as in PyTorch's F.max_pool2d. */
export interface PoolOptions {
  /** The step between neighbouring windows. Default: the kernel size (windows side by side). */
  stride?: Pair;
  /** Pixels added on each side of the image (default 0): they never win a max, and count as
   *  zeros in an average. */
  padding?: Pair;
  /** The spacing between a window's taps: 1 is a dense window (default 1). */
  dilation?: Pair;
}

/** The checked geometry of a pooling walk; the stride defaults to the window. */
function poolGeometry(op: string, x: Tensor, kernelSize: Pair, options: PoolOptions, padValue: number) {
  return patchGeometry(op, x.shape, kernelSize, { ...options, stride: options.stride ?? kernelSize }, padValue);
}

/** The largest entry of each window of images x [N, C, H, W] (PyTorch's max_pool2d; padding
 *  never wins). Ties share the gradient, as in max. */
export function maxPool2d(x: Tensor, kernelSize: Pair, options: PoolOptions = {}): Tensor {
  const { geometry, oh, ow } = poolGeometry('maxPool2d', x, kernelSize, options, -Infinity);
  [x.shape[2]!, x.shape[3]!].forEach((size, axis) => {
    const [k, s, p, d] = [geometry.kernel[axis]!, geometry.stride[axis]!, geometry.padding[axis]!, geometry.dilation[axis]!];
    for (let o = 0; o < (axis === 0 ? oh : ow); o++) {
      if (Array.from({ length: k }, (_, i) => o * s - p + i * d).every((at) => at < 0 || at >= size)) {
        throw new RangeError(
          `maxPool2d: with padding ${geometry.padding.join('×')} a ${geometry.kernel.join('×')} window (dilation ${geometry.dilation.join('×')}) lies wholly in the padding of images ${x.shape[2]}×${x.shape[3]}; expected less padding`,
        );
      }
    }
  });
  return apply(maxPoolOp, [x], { geometry });
}

/** The mean of each window of images x [N, C, H, W] (PyTorch's avg_pool2d, whose default counts
 *  padding as zeros). */
export function avgPool2d(x: Tensor, kernelSize: Pair, options: Omit<PoolOptions, 'dilation'> = {}): Tensor {
  const { geometry, oh, ow } = poolGeometry('avgPool2d', x, kernelSize, options, 0);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return composed(avgPoolComposite, [x], () => reshape(mean(patches(reshape(x, [n * c, 1, h, w]), geometry), 0), [n, c, oh, ow]));
}
