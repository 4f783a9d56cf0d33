import { affine, zeros, type DType, type Tensor } from '@matgrad/core';
import { initWeight, rngOf, type Init, type Seeded } from '../init.js';
import { Module } from '../module.js';
import { argumentError, checkBoolean, checkDtype, checkInteger, checkOptions, checkTensor } from '../validate.js';

export interface LinearOptions extends Seeded {
  /** Default 'he'. */
  init?: Init;
  /** Default true. */
  bias?: boolean;
  /** Default 'float64'. */
  dtype?: DType;
}

const LINEAR_OPTIONS: Record<keyof LinearOptions, true> = { init: true, bias: true, dtype: true, seed: true, rng: true };

/** The Affine layer of the seeds' book: Z = Φ·W + b, with W of shape [in, out] and b of
 *  shape [out] added to every row — core's `affine` op, whose rule is the layer's identities
 *  dW = Φᵀ·dZ, db = 1ᵀ·dZ, dΦ = dZ·Wᵀ (without a bias, plain matmul). Without `seed` or `rng`
 *  the weights are drawn with seed 0, as in `MLP`. */
export class Linear extends Module {
  /** Features per input row (the rows of W). */
  readonly inFeatures: number;
  /** Features per output row (the columns of W). */
  readonly outFeatures: number;
  /** Whether b is added. */
  readonly hasBias: boolean;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkInteger('Linear', 'inFeatures', inFeatures, 1);
    checkInteger('Linear', 'outFeatures', outFeatures, 1);
    const { init = 'he', bias = true, dtype = 'float64' } = checkOptions('Linear', options, LINEAR_OPTIONS, { example: '{ seed: 1 }' });
    checkBoolean('Linear', 'bias', bias);
    checkDtype('Linear', dtype);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.hasBias = bias;
    this.registerParameter('weight', initWeight(inFeatures, outFeatures, init, rngOf('Linear', options), dtype, 'Linear'));
    if (this.hasBias) this.registerParameter('bias', zeros([outFeatures], { dtype }));
  }

  /** W, of shape [inFeatures, outFeatures]. */
  get weight(): Tensor {
    return this.parameter('weight');
  }

  /** b, of shape [outFeatures]; null for a layer built with `bias: false`. */
  get bias(): Tensor | null {
    return this.hasBias ? this.parameter('bias') : null;
  }

  /** Z = Φ·W + b for a batch Φ of shape [N, inFeatures], of the layer's dtype. */
  forward(x: Tensor): Tensor {
    const where = `Linear(${this.inFeatures}, ${this.outFeatures}).forward`;
    const expected = `a Tensor of shape [N, ${this.inFeatures}]`;
    checkTensor(where, 'x', x, expected);
    if (x.shape.length !== 2 || x.shape[1] !== this.inFeatures) throw argumentError(where, 'x', expected, x, 'range');
    const w = this.weight;
    // A silent promotion would turn a float32 model's whole forward and backward into float64.
    if (x.dtype !== w.dtype) throw new TypeError(`${where}: the input is ${x.dtype} but the weights are ${w.dtype}; cast one of them`);
    const b = this.bias;
    return b === null ? x.matmul(w) : affine(x, w, b);
  }
}
