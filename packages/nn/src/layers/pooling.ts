import { avgPool2d, maxPool2d, type Pair, type PoolOptions, type Tensor } from '@matgrad/core';
import { Module } from '../module.js';

/** The largest entry of each kh×kw window, per channel (PyTorch's nn.MaxPool2d); the stride
 *  defaults to the window. */
export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
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
    readonly kernelSize: Pair,
    readonly options: Omit<PoolOptions, 'dilation'> = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
}
