import { broadcastTo, col2im, cumsum, div, eq, im2col, max, mul, reshape, sum, take, tensor, type Tensor } from '../index.js';
import type { Expr, LinearMap, PatchWalk } from './expr.js';

/**
 * The named linear maps of the patch ops and cumsum, computed with the public forward ops
 * (im2col, col2im, cumsum, take, max, eq, ...) and never with a backward rule, so that a twin
 * written with them is checked against the rule rather than against itself. `evaluate` gives
 * the value of the pooled images an unpool map names.
 */
export function applyLinearMap(map: LinearMap, arg: Tensor, evaluate: (e: Expr) => Tensor): Tensor {
  switch (map.name) {
    case 'col':
      return im2col(arg, map.walk.kernel, walkOptions(map.walk));
    case 'colAdjoint':
      return col2im(arg, map.imageShape, map.walk.kernel, walkOptions(map.walk));
    case 'unpool':
      return unpool(arg, evaluate(map.images), map.walk);
    case 'unpoolAdjoint':
      return unpoolAdjoint(arg, evaluate(map.images), map.walk);
    case 'cumsum':
      return map.reverse ? reversed(cumsum(reversed(arg, map.axis), map.axis), map.axis) : cumsum(arg, map.axis);
  }
}

const walkOptions = (walk: PatchWalk) => ({ stride: walk.stride, padding: walk.padding, dilation: walk.dilation });

/** `t` with its positions along `axis` in reverse order (exactly: a gather moves values, adds nothing). */
function reversed(t: Tensor, axis: number): Tensor {
  const n = t.shape[axis]!;
  return take(t, tensor(Float64Array.from({ length: n }, (_, i) => n - 1 - i)), axis);
}

/** Every channel of images [N, C, H, W] as an image of its own, its windows as columns. */
function channelWindows(images: Tensor, walk: PatchWalk, padValue: number): Tensor {
  const [n, c, h, w] = images.shape as [number, number, number, number];
  return im2col(reshape(images, [n * c, 1, h, w]), walk.kernel, { ...walkOptions(walk), padValue });
}

/** Per window (column), 1/t at its t largest entries of `images` and 0 elsewhere; padding never wins. */
function winnerShares(images: Tensor, walk: PatchWalk): Tensor {
  const windows = channelWindows(images, walk, -Infinity);
  const isLargest = eq(windows, broadcastTo(max(windows, 0, true), windows.shape));
  return div(isLargest, broadcastTo(sum(isLargest, 0, true), windows.shape));
}

/** unpool_X(A): each entry of A [N, C, OH, OW] added at the largest entries of its window of X (ties share it). */
function unpool(a: Tensor, images: Tensor, walk: PatchWalk): Tensor {
  const [n, c, h, w] = images.shape as [number, number, number, number];
  const shares = winnerShares(images, walk);
  const spread = mul(shares, broadcastTo(reshape(a, [1, a.size]), shares.shape));
  return reshape(col2im(spread, [n * c, 1, h, w], walk.kernel, walkOptions(walk)), images.shape);
}

/** unpoolᵀ_X(A): for each window, its share of A [N, C, H, W] read back from its largest entries of X. */
function unpoolAdjoint(a: Tensor, images: Tensor, walk: PatchWalk): Tensor {
  const [n, c] = images.shape as [number, number];
  const shares = winnerShares(images, walk);
  const perWindow = sum(mul(channelWindows(a, walk, 0), shares), 0);
  return reshape(perWindow, [n, c, ...outputShape(images.shape, walk)]);
}

/** The pooled output's spatial size [OH, OW] for images of `shape`. */
function outputShape(shape: readonly number[], walk: PatchWalk): [number, number] {
  return [0, 1].map((i) => Math.floor((shape[2 + i]! + 2 * walk.padding[i]! - walk.dilation[i]! * (walk.kernel[i]! - 1) - 1) / walk.stride[i]!) + 1) as [number, number];
}
