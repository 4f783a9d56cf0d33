import type { Tensor } from '@matgrad/core';
import { Module } from '../module.js';
import { argumentError, checkTensor } from '../validate.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    checkTensor('ReLU.forward', 'x', x);
    return x.relu();
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    checkTensor('Sigmoid.forward', 'x', x);
    return x.sigmoid();
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    checkTensor('Tanh.forward', 'x', x);
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
      throw argumentError('activationModule', 'name', "'relu', 'sigmoid' or 'tanh'", name);
  }
}
