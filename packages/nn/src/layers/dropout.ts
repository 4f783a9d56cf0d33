import { fromBuffer, type Rng, type Tensor } from '@matgrad/core';
import { ResumableRng, type RngState } from '../data/resumable-rng.js';
import { rngOf, type Seeded } from '../init.js';
import { Module } from '../module.js';
import { argumentError, checkOptions, checkTensor } from '../validate.js';

const DROPOUT_OPTIONS: Record<keyof Seeded, true> = { seed: true, rng: true };

/**
 * Inverted dropout: in training mode each element is zeroed with probability p and the
 * survivors are scaled by 1/(1 − p), so eval mode is the identity and needs no rescaling.
 * The mask is a constant of the graph (y = x∘M), so its gradient is core's Hadamard rule,
 * dx = dy∘M. Without `seed` or `rng` the masks are drawn with seed 0.
 */
export class Dropout extends Module {
  /** The probability that an element is zeroed, in [0, 1). */
  readonly p: number;
  #rng: Rng;

  constructor(p: number, options: Seeded = {}) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw argumentError('Dropout', 'p', 'a probability in [0, 1)', p, typeof p === 'number' ? 'range' : 'type');
    this.p = p;
    this.#rng = rngOf('Dropout', checkOptions('Dropout', options, DROPOUT_OPTIONS, { example: '{ seed: 1 }' }));
  }

  /** Restarts the mask stream, e.g. so that repeated forwards draw the same mask. */
  reseed(seed: number): void {
    if (!Number.isInteger(seed)) throw argumentError('Dropout.reseed', 'seed', 'an integer', seed);
    this.#rng = new ResumableRng(seed);
  }

  /** The mask stream's position, for a checkpoint (a Dropout built with { seed } or a
   *  `ResumableRng`). */
  streamState(): RngState {
    if (!(this.#rng instanceof ResumableRng)) throw new TypeError('Dropout.streamState: this Dropout draws from a shared Rng that cannot report its position; build it with { seed }');
    return this.#rng.state();
  }

  /** Puts the mask stream back where `streamState()` was taken. */
  loadStreamState(state: RngState): void {
    this.#rng = ResumableRng.fromState(state);
  }

  /** In training mode x∘M with a fresh mask M; in eval mode x itself. */
  forward(x: Tensor): Tensor {
    checkTensor('Dropout.forward', 'x', x);
    if (!this.training || this.p === 0) return x;
    const keep = 1 - this.p;
    const scale = 1 / keep;
    const mask = x.dtype === 'float32' ? new Float32Array(x.size) : new Float64Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = this.#rng.uniform() < keep ? scale : 0;
    return x.mul(fromBuffer(mask, x.shape, { backend: x.backend }));
  }
}
