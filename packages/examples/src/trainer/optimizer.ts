import { AdaGrad, Adam, AdamW, Momentum, Nesterov, RMSprop, SGD, type Module, type Optimizer } from '@matgrad/nn';
import type { OptimizerName, Schedule } from './options.js';

export function createOptimizer(name: OptimizerName, model: Module, lr: number): Optimizer {
  switch (name) {
    case 'sgd':
      return new SGD(model, { lr });
    case 'momentum':
      return new Momentum(model, { lr });
    case 'nesterov':
      return new Nesterov(model, { lr });
    case 'adagrad':
      return new AdaGrad(model, { lr });
    case 'rmsprop':
      return new RMSprop(model, { lr });
    case 'adam':
      return new Adam(model, { lr });
    case 'adamw':
      return new AdamW(model, { lr });
  }
}

/** The learning rate of epoch `epoch` (from 1) of `epochs`: cosine falls from lr towards 0. */
export function scheduledLr(schedule: Schedule, lr: number, epoch: number, epochs: number): number {
  return schedule === 'constant' ? lr : 0.5 * lr * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs));
}
