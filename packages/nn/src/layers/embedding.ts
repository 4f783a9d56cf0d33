import { embedding, randn, type DType, type Tensor } from '@matgrad/core';
import { rngOf, type Seeded } from '../init.js';
import { Module } from '../module.js';

export interface EmbeddingOptions extends Seeded {
  /** The dtype of the table (default 'float64'). */
  dtype?: DType;
}

/** A table of `count` learned vectors of length `dim` (PyTorch's nn.Embedding, initialised
 *  N(0, 1) as there): forward takes integer indices of any shape (a tensor or a list) and
 *  returns their rows, shape indices + [dim]. The rows' gradient is take's scatter-add. */
export class Embedding extends Module {
  constructor(
    /** The number of vectors (rows), i.e. valid indices 0…count−1 (PyTorch's num_embeddings). */
    readonly count: number,
    /** The length of each vector (PyTorch's embedding_dim). */
    readonly dim: number,
    options: EmbeddingOptions = {},
  ) {
    super();
    for (const [what, n] of [['count', count], ['dim', dim]] as const) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`Embedding: ${what} must be a positive integer, got ${n}`);
    }
    this.registerParameter('weight', randn([count, dim], { rng: rngOf('Embedding', options), dtype: options.dtype ?? 'float64' }));
  }

  /** The table [count, dim]. */
  get weight(): Tensor {
    return this.parameter('weight');
  }

  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight);
  }
}
