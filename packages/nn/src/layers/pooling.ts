import { avgPool2d, maxPool2d, type Pair, type PoolOptions, type Tensor } from '@matgrad/core';
import { Module } from '../module.js';

/** The largest entry of each kh×kw window, per channel (PyTorch's nn.MaxPool2d); the stride
 *  defaults to the window. */
export class MaxPool2d extends Module {
  constructor(
    /** The window's size: one number for both axes, or [kh, kw]. */
    readonly kernelSize: Pair,
    /** Stride (default: the window), padding (default 0, never wins) and dilation (default 1). */
    readonly options: PoolOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
}

/** The mean of each kh×kw window, per channel, padding counted as zeros (PyTorch's nn.AvgPool2d). */
export class AvgPool2d extends Module {
  constructor(
    /** The window's size: one number for both axes, or [kh, kw]. */
    readonly kernelSize: Pair,
    /** Stride (default: the window) and padding (default 0, counted as zeros in the mean). */
    readonly options: Omit<PoolOptions, 'dilation'> = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
}
