import { layerNorm, ones, zeros, type DType, type Tensor } from '@matgrad/core';
import { Module } from '../module.js';

/** Options of `LayerNorm` (PyTorch's eps and elementwise_affine). */
export interface LayerNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Learn a weight γ and a bias β of the normalized shape (default true). */
  elementwiseAffine?: boolean;
  /** The dtype of the weight and bias (default 'float64'). */
  dtype?: DType;
}

/** Layer normalization over the trailing axes `normalizedShape` of each sample (PyTorch's
 *  nn.LayerNorm): the same in training and evaluation, no running statistics. */
export class LayerNorm extends Module {
  /** The trailing axes normalized over, e.g. [D] for vectors of length D. */
  readonly normalizedShape: number[];
  /** Added to the variance before the square root (default 1e-5). */
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
