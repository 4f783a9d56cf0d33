import { fromBuffer, Rng, type Tensor } from '@matgrad/core';
import { rngOf, type Seeded } from '../init.js';
import { Module } from '../module.js';

/**
 * Inverted dropout: in training mode each element is zeroed with probability p and the
 * survivors are scaled by 1/(1 − p), so eval mode is the identity and needs no rescaling.
 * The mask is a constant of the graph (y = x∘M), so its gradient is core's Hadamard rule,
 * dx = dy∘M.
 */
export class Dropout extends Module {
  readonly p: number;
  #rng: Rng;

  constructor(p: number, options: Seeded) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be a probability in [0, 1), got ${p}`);
    this.p = p;
    this.#rng = rngOf('Dropout', options);
  }

  /** Restarts the mask stream, e.g. so that repeated forwards draw the same mask. */
  reseed(seed: number): void {
    this.#rng = new Rng(seed);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const keep = 1 - this.p;
    const scale = 1 / keep;
    const mask = x.dtype === 'float32' ? new Float32Array(x.size) : new Float64Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = this.#rng.uniform() < keep ? scale : 0;
    return x.mul(fromBuffer(mask, x.shape, { backend: x.backend }));
  }
}
