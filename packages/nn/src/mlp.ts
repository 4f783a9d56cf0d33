import { Rng, type DType, type Tensor } from '@matgrad/core';
import type { Init } from './init.js';
import { activationModule, type Activation } from './layers/activations.js';
import { BatchNorm1d } from './layers/batchnorm.js';
import { Dropout } from './layers/dropout.js';
import { Linear } from './layers/linear.js';
import { Sequential } from './layers/sequential.js';
import { Module } from './module.js';

/** Options of {@link MLP}. */
export interface MLPOptions {
  /** Layer widths from input to output, e.g. [784, 100, 10]. */
  sizes: readonly number[];
  /** Default 'relu'. */
  activation?: Activation;
  /** Default: 'he' for ReLU, 'xavier' for sigmoid and tanh (the seeds' book's pairing). */
  init?: Init;
  /** Dropout probability after each hidden activation; 0 or absent for none. */
  dropout?: number;
  /** BatchNorm1d between each hidden Linear and its activation. */
  batchNorm?: boolean;
  /** Default 'float64'; 'float32' trains faster. */
  dtype?: DType;
  /** Seeds the weights and the dropout masks. Default 0. */
  seed?: number;
}

/**
 * A multilayer perceptron: Linear → [BatchNorm1d] → activation → [Dropout] for each hidden
 * layer, then a last Linear that outputs the scores (logits); softmax belongs to the loss.
 * The layers live in `layers`, so parameters are named `layers.0.weight`, `layers.0.bias`, …
 */
export class MLP extends Module {
  /** The layers, in order (a PyTorch file of the model is this Sequential's state_dict). */
  readonly layers: Sequential;
  /** The widths from input to output, as given. */
  readonly sizes: readonly number[];

  constructor(options: MLPOptions) {
    super();
    const { sizes, activation = 'relu', dropout = 0, batchNorm = false, dtype = 'float64', seed = 0 } = options;
    if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new RangeError(`MLP: sizes must list at least two positive integer widths (input, …, output), got ${JSON.stringify(sizes)}`);
    }
    const init = options.init ?? (activation === 'relu' ? 'he' : 'xavier');
    const rng = new Rng(seed);
    const layers: Module[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      layers.push(new Linear(sizes[i]!, sizes[i + 1]!, { init, dtype, rng }));
      if (i + 2 === sizes.length) break;
      if (batchNorm) layers.push(new BatchNorm1d(sizes[i + 1]!, { dtype }));
      layers.push(activationModule(activation));
      // Its own stream, seeded from the model's, so one layer can be reseeded alone.
      if (dropout > 0) layers.push(new Dropout(dropout, { seed: rng.int(2 ** 31) }));
    }
    this.sizes = [...sizes];
    this.layers = this.registerModule('layers', new Sequential(...layers));
  }

  /** The scores (logits) for a batch [N, sizes[0]]: shape [N, sizes.at(-1)]. */
  forward(x: Tensor): Tensor {
    return this.layers.forward(x);
  }
}
