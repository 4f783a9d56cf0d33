import { noGrad, ones, zeros, type DType, type Tensor } from '@matgrad/core';
import { Module } from '../module.js';
import { argumentError, checkDtype, checkInteger, checkOptions, checkTensor } from '../validate.js';

/** Options of {@link BatchNorm1d}. */
export interface BatchNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Weight of the newest batch in the running statistics. Default 0.1. */
  momentum?: number;
  /** Default 'float64'. */
  dtype?: DType;
}

const BATCH_NORM_OPTIONS: Record<keyof BatchNormOptions, true> = { eps: true, momentum: true, dtype: true };

/**
 * Batch normalization over the features of [N, C] inputs: y = γ∘(x − μ)/√(σ² + ε) + β.
 * In training mode μ and σ² are the batch's mean and (biased) variance, and the running
 * statistics move toward them; in eval mode the running statistics are used. Built from
 * core's mean, sub, mul, sqrt and div, so its backward is their rules composed.
 */
export class BatchNorm1d extends Module {
  /** C, the features normalized. */
  readonly numFeatures: number;
  /** ε, added to the variance before the square root. */
  readonly eps: number;
  /** Weight of each new batch in the running statistics. */
  readonly momentum: number;
  /** Training-mode forwards so far (PyTorch's `num_batches_tracked`): saved and loaded with
   *  the PyTorch layout; matgrad's own format leaves it out, as it changes no output. */
  numBatchesTracked = 0;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    checkInteger('BatchNorm1d', 'numFeatures', numFeatures, 1);
    const { eps = 1e-5, momentum = 0.1, dtype = 'float64' } = checkOptions('BatchNorm1d', options, BATCH_NORM_OPTIONS, { example: '{ eps: 1e-5, momentum: 0.1 }' });
    if (typeof eps !== 'number' || !(eps > 0 && eps < Infinity)) throw argumentError('BatchNorm1d', 'eps', 'a finite number > 0', eps, 'range');
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) throw argumentError('BatchNorm1d', 'momentum', 'a number in [0, 1]', momentum, 'range');
    checkDtype('BatchNorm1d', dtype);
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.registerParameter('weight', ones([numFeatures], { dtype }));
    this.registerParameter('bias', zeros([numFeatures], { dtype }));
    this.registerBuffer('runningMean', zeros([numFeatures], { dtype }));
    this.registerBuffer('runningVar', ones([numFeatures], { dtype }));
  }

  /** γ, the learned scale, of shape [C] (initially ones). */
  get weight(): Tensor {
    return this.parameter('weight');
  }
  /** β, the learned shift, of shape [C] (initially zeros). */
  get bias(): Tensor {
    return this.parameter('bias');
  }
  /** The running mean of the features (a buffer, used in eval mode). */
  get runningMean(): Tensor {
    return this.buffer('runningMean');
  }
  /** The running unbiased variance of the features (a buffer, used in eval mode). */
  get runningVar(): Tensor {
    return this.buffer('runningVar');
  }

  /** Normalizes a batch [N, C]: with its own statistics in training mode (N ≥ 2), with the
   *  running ones in eval mode. */
  forward(x: Tensor): Tensor {
    const where = `BatchNorm1d(${this.numFeatures}).forward`;
    const expected = `a Tensor of shape [N, ${this.numFeatures}]`;
    checkTensor(where, 'x', x, expected);
    if (x.shape.length !== 2 || x.shape[1] !== this.numFeatures) throw argumentError(where, 'x', expected, x, 'range');
    const n = x.shape[0]!;
    if (!this.training) {
      return x.sub(this.runningMean).div(this.runningVar.add(this.eps).sqrt()).mul(this.weight).add(this.bias);
    }
    if (n < 2) throw new RangeError(`${where}: training mode needs at least 2 rows to estimate a variance, got [${x.shape.join(',')}]`);
    const mu = x.mean(0);
    const centered = x.sub(mu);
    const variance = centered.mul(centered).mean(0);
    const y = centered.div(variance.add(this.eps).sqrt()).mul(this.weight).add(this.bias);
    this.#track(mu, variance, n);
    return y;
  }

  /** Running mean and unbiased running variance, as PyTorch keeps them; written into the
   *  buffers in place, off the graph. */
  #track(batchMean: Tensor, batchVar: Tensor, n: number): void {
    const m = this.momentum;
    this.numBatchesTracked++;
    noGrad(() => {
      this.runningMean.assign(this.runningMean.mul(1 - m).add(batchMean.mul(m)));
      this.runningVar.assign(this.runningVar.mul(1 - m).add(batchVar.mul(m * (n / (n - 1)))));
    });
  }
}
