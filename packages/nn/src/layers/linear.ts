import { affine, zeros, type DType, type Tensor } from '@matgrad/core';
import { initWeight, rngOf, type Init, type Seeded } from '../init.js';
import { Module } from '../module.js';

export interface LinearOptions extends Seeded {
  /** Default 'he'. */
  init?: Init;
  /** Default true. */
  bias?: boolean;
  /** Default 'float64'. */
  dtype?: DType;
}

/** The Affine layer of the seeds' book: Z = Φ·W + b, with W of shape [in, out] and b of
 *  shape [out] added to every row — core's `affine` op, whose rule is the layer's identities
 *  dW = Φᵀ·dZ, db = 1ᵀ·dZ, dΦ = dZ·Wᵀ (without a bias, plain matmul). */
export class Linear extends Module {
  /** Features per input row (the rows of W). */
  readonly inFeatures: number;
  /** Features per output row (the columns of W). */
  readonly outFeatures: number;
  /** Whether b is added. */
  readonly hasBias: boolean;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [what, n] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`Linear: ${what} must be a positive integer, got ${n}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.hasBias = options.bias !== false;
    const dtype = options.dtype ?? 'float64';
    this.registerParameter('weight', initWeight(inFeatures, outFeatures, options.init ?? 'he', rngOf('Linear', options), dtype));
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
    if (x.shape.length !== 2 || x.shape[1] !== this.inFeatures) {
      throw new RangeError(`Linear(${this.inFeatures}, ${this.outFeatures}): expected input [N, ${this.inFeatures}], got [${x.shape.join(',')}]`);
    }
    const w = this.weight;
    // A silent promotion would turn a float32 model's whole forward and backward into float64.
    if (x.dtype !== w.dtype) throw new TypeError(`Linear(${this.inFeatures}, ${this.outFeatures}): the input is ${x.dtype} but the weights are ${w.dtype}; cast one of them`);
    const b = this.bias;
    return b === null ? x.matmul(w) : affine(x, w, b);
  }
}
