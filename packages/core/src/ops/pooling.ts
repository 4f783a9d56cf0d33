import { composed, defineComposite } from '../composite.js';
import type { Tensor } from '../tensor.js';
import { patches, patchGeometry, type Pair } from './convolution.js';
import { max, mean } from './reduce.js';
import { reshape } from './shape.js';

const maxPoolComposite = defineComposite({
  name: 'maxPool2d',
  forward: 'Y = max over each kh×kw window of X, per channel',
  composition: 'im2col of each channel (padding −∞) → max over the rows of each column → reshape to [N, C, OH, OW]',
  identity: 'dX = col⁻¹(dY broadcast back ∘ [col(X) = max] / ties): each window\'s gradient goes to its largest entry (ties share it), windows that overlap sum',
});

const avgPoolComposite = defineComposite({
  name: 'avgPool2d',
  forward: 'Y = mean over each kh×kw window of X, per channel (padding counted as zeros)',
  composition: 'im2col of each channel (padding 0) → mean over the rows of each column → reshape to [N, C, OH, OW]',
  identity: 'dX = col⁻¹(dY broadcast back / (kh·kw)): each window spreads its gradient evenly, windows that overlap sum',
});

export interface PoolOptions {
  /** Default: the kernel size (windows side by side). */
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
}

/** Each channel's windows as the columns of a [kh·kw, N·C·OH·OW] matrix, reduced down the rows. */
function pool(op: string, x: Tensor, kernelSize: Pair, options: PoolOptions, padValue: number, reduce: (col: Tensor) => Tensor): Tensor {
  const { geometry, oh, ow } = patchGeometry(op, x.shape, kernelSize, { ...options, stride: options.stride ?? kernelSize }, padValue);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (padValue === -Infinity) {
    [h, w].forEach((size, axis) => {
      const count = axis === 0 ? oh : ow;
      const [k, s, p, d] = [geometry.kernel[axis]!, geometry.stride[axis]!, geometry.padding[axis]!, geometry.dilation[axis]!];
      for (let o = 0; o < count; o++) {
        const taps = Array.from({ length: k }, (_, i) => o * s - p + i * d);
        if (taps.every((at) => at < 0 || at >= size)) {
          throw new RangeError(`${op}: with padding ${geometry.padding.join('×')} a ${geometry.kernel.join('×')} window (dilation ${geometry.dilation.join('×')}) lies wholly in the padding of images ${h}×${w}; expected less padding`);
        }
      }
    });
  }
  return reshape(reduce(patches(reshape(x, [n * c, 1, h, w]), geometry)), [n, c, oh, ow]);
}

/** The largest entry of each window of images x [N, C, H, W] (PyTorch's max_pool2d; padding
 *  is −∞, so it never wins). Ties share the gradient, as in max. */
export function maxPool2d(x: Tensor, kernelSize: Pair, options: PoolOptions = {}): Tensor {
  return composed(maxPoolComposite, [x], () => pool('maxPool2d', x, kernelSize, options, -Infinity, (col) => max(col, 0)));
}

/** The mean of each window of images x [N, C, H, W] (PyTorch's avg_pool2d, whose default counts
 *  padding as zeros). */
export function avgPool2d(x: Tensor, kernelSize: Pair, options: Omit<PoolOptions, 'dilation'> = {}): Tensor {
  return composed(avgPoolComposite, [x], () => pool('avgPool2d', x, kernelSize, options, 0, (col) => mean(col, 0)));
}
