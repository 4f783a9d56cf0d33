import { Rng, type DType, type Tensor } from '@matgrad/core';
import { checkInit, DEFAULT_SEED, type Init } from './init.js';
import { activationModule, type Activation } from './layers/activations.js';
import { BatchNorm1d } from './layers/batchnorm.js';
import { Dropout } from './layers/dropout.js';
import { Linear } from './layers/linear.js';
import { Sequential } from './layers/sequential.js';
import { Module } from './module.js';
import { argumentError, checkBoolean, checkDtype, checkOptions, checkTensor, describeValue } from './validate.js';

/** Options of {@link MLP}. */
export interface MLPOptions {
  /** Layer widths from input to output, e.g. [784, 100, 10]. */
  sizes: readonly number[];
  /** Default 'relu'. */
  activation?: Activation;
  /** Default: 'he' for ReLU, 'xavier' for sigmoid and tanh (the seeds' book's pairing). */
  init?: Init;
  /** Dropout probability after each hidden activation, in [0, 1); 0 or absent for none. */
  dropout?: number;
  /** BatchNorm1d between each hidden Linear and its activation. */
  batchNorm?: boolean;
  /** Default 'float64'; 'float32' trains faster. */
  dtype?: DType;
  /** Seeds the weights and the dropout masks. Default 0. */
  seed?: number;
}

const MLP_OPTIONS: Record<keyof MLPOptions, true> = { sizes: true, activation: true, init: true, dropout: true, batchNorm: true, dtype: true, seed: true };

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
    const checked = checkOptions('MLP', options, MLP_OPTIONS, { required: true, example: '{ sizes: [784, 100, 10] }' });
    const { sizes, activation = 'relu', dropout = 0, batchNorm = false, dtype = 'float64', seed = DEFAULT_SEED } = checked;
    if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new RangeError(`MLP: sizes must list at least two positive integer widths (input, …, output), got ${Array.isArray(sizes) ? `[${sizes.map((n) => (typeof n === 'string' ? JSON.stringify(n) : String(n))).join(',')}]` : describeValue(sizes)}`);
    }
    if (activation !== 'relu' && activation !== 'sigmoid' && activation !== 'tanh') throw argumentError('MLP', 'activation', "'relu', 'sigmoid' or 'tanh'", activation);
    const init = checked.init === undefined ? (activation === 'relu' ? 'he' : 'xavier') : checked.init;
    checkInit('MLP', init);
    // A negative or NaN rate used to build a model without dropout, silently.
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw argumentError('MLP', 'dropout', 'a probability in [0, 1)', dropout, typeof dropout === 'number' ? 'range' : 'type');
    checkBoolean('MLP', 'batchNorm', batchNorm);
    checkDtype('MLP', dtype);
    if (!Number.isInteger(seed)) throw argumentError('MLP', 'seed', 'an integer', seed);
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
    const expected = `a Tensor of shape [N, ${this.sizes[0]}]`;
    checkTensor('MLP.forward', 'x', x, expected);
    if (x.shape.length !== 2 || x.shape[1] !== this.sizes[0]) throw argumentError('MLP.forward', 'x', expected, x, 'range');
    return this.layers.forward(x);
  }
}
