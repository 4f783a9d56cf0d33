import { layerNorm, ones, zeros, type DType, type Tensor } from '@matgrad/core';
import { Module } from '../module.js';

export interface LayerNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Learn a weight γ and a bias β of the normalized shape (default true). */
  elementwiseAffine?: boolean;
  dtype?: DType;
}

/** Layer normalization over the trailing axes `normalizedShape` of each sample (PyTorch's
 *  nn.LayerNorm): the same in training and evaluation, no running statistics. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly #affine: boolean;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new RangeError(`LayerNorm: normalizedShape must be a positive integer or a list of them, got ${JSON.stringify(normalizedShape)}`);
    }
    const { eps = 1e-5, elementwiseAffine = true, dtype = 'float64' } = options;
    if (!(eps > 0)) throw new RangeError(`LayerNorm: eps must be positive, got ${eps}`);
    this.normalizedShape = shape;
    this.eps = eps;
    this.#affine = elementwiseAffine;
    if (elementwiseAffine) {
      this.registerParameter('weight', ones(shape, { dtype }));
      this.registerParameter('bias', zeros(shape, { dtype }));
    }
  }

  forward(x: Tensor): Tensor {
    return this.#affine ? layerNorm(x, this.normalizedShape, this.parameter('weight'), this.parameter('bias'), this.eps) : layerNorm(x, this.normalizedShape, null, null, this.eps);
  }
}
