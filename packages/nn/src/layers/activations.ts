import { gelu, leakyRelu, type Tensor } from '@matgrad/core';
import { Module } from '../module.js';
import { argumentError, checkTensor } from '../validate.js';

/** max(0, x) elementwise; its gradient passes where x > 0. */
export class ReLU extends Module {
  /** relu(x), elementwise. */
  forward(x: Tensor): Tensor {
    checkTensor('ReLU.forward', 'x', x);
    return x.relu();
  }
}

/** 1 / (1 + e⁻ˣ) elementwise; its rule reuses the output: y(1 − y). */
export class Sigmoid extends Module {
  /** sigmoid(x), elementwise. */
  forward(x: Tensor): Tensor {
    checkTensor('Sigmoid.forward', 'x', x);
    return x.sigmoid();
  }
}

/** tanh(x) elementwise; its rule reuses the output: 1 − y². */
export class Tanh extends Module {
  /** tanh(x), elementwise. */
  forward(x: Tensor): Tensor {
    checkTensor('Tanh.forward', 'x', x);
    return x.tanh();
  }
}

/** The Gaussian error linear unit x·Φ(x), exact or with the tanh approximation. */
export class GELU extends Module {
  constructor(
    /** 'none' (default, as PyTorch): exact, via erf; 'tanh': the tanh approximation. */
    readonly approximate: 'none' | 'tanh' = 'none',
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
}

/** x where positive, slope·x elsewhere (slope 0.01 by default, as in PyTorch). */
export class LeakyReLU extends Module {
  constructor(
    /** The slope for negative inputs (default 0.01). */
    readonly negativeSlope = 0.01,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

/** The activations an `MLP` can use between its layers, by name. */
export type Activation = 'relu' | 'sigmoid' | 'tanh';

/** The activation module called `name`. */
export function activationModule(name: Activation): Module {
  switch (name) {
    case 'relu':
      return new ReLU();
    case 'sigmoid':
      return new Sigmoid();
    case 'tanh':
      return new Tanh();
    default:
      throw argumentError('activationModule', 'name', "'relu', 'sigmoid' or 'tanh'", name);
  }
}
