import type { Tensor } from '@matgrad/core';
import { Module } from '../module.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

export type Activation = 'relu' | 'sigmoid' | 'tanh';

export function activationModule(name: Activation): Module {
  switch (name) {
    case 'relu':
      return new ReLU();
    case 'sigmoid':
      return new Sigmoid();
    case 'tanh':
      return new Tanh();
    default:
      throw new TypeError(`activation: unknown activation ${JSON.stringify(name)}; expected 'relu', 'sigmoid' or 'tanh'`);
  }
}
