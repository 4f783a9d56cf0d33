import { flatten, type Tensor } from '@matgrad/core';
import { Module } from '../module.js';

/** Merges axes startAxis…endAxis (by default every axis after the batch axis: [N, C, H, W] →
 *  [N, C·H·W], between a convolution and a Linear layer), as PyTorch's nn.Flatten. */
export class Flatten extends Module {
  constructor(
    /** The first axis merged (default 1, the one after the batch axis); negative counts from the end. */
    readonly startAxis = 1,
    /** The last axis merged, inclusive (default -1, the last axis). */
    readonly endAxis = -1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startAxis, this.endAxis);
  }
}
