import { tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { AdaGrad, Adam, AdamW, createOptimizer, Linear, Momentum, Nesterov, OPTIMIZER_NAMES, RMSprop, SGD, type OptimizerName } from '../src/index.js';

describe('createOptimizer', () => {
  it('makes the optimizer of each name, over the model, with the options given', () => {
    const expected: Record<OptimizerName, unknown> = { sgd: SGD, momentum: Momentum, nesterov: Nesterov, adagrad: AdaGrad, rmsprop: RMSprop, adam: Adam, adamw: AdamW };
    expect([...OPTIMIZER_NAMES].sort()).toEqual(Object.keys(expected).sort());
    const model = new Linear(3, 2, { seed: 1 });
    for (const name of OPTIMIZER_NAMES) {
      const optimizer = createOptimizer(name, model, { lr: 0.05, weightDecay: 0.001, clipGradNorm: 2 });
      expect(optimizer, name).toBeInstanceOf(expected[name] as typeof SGD);
      expect(optimizer.params).toEqual(model.parameters());
      expect(optimizer.hyperparameters).toMatchObject({ lr: 0.05, weightDecay: 0.001, clipGradNorm: 2 });
    }
  });

  it("passes each optimizer's own options on, and keeps its defaults otherwise", () => {
    const w = tensor([1, 2], { requiresGrad: true });
    expect(createOptimizer('momentum', [w], { lr: 0.1, momentum: 0.5 }).hyperparameters.momentum).toBe(0.5);
    expect(createOptimizer('nesterov', [w], { lr: 0.1 }).hyperparameters.momentum).toBe(0.9);
    expect(createOptimizer('rmsprop', [w], { lr: 0.1, rho: 0.8, eps: 1e-6 }).hyperparameters).toMatchObject({ rho: 0.8, eps: 1e-6 });
    expect(createOptimizer('adam', [w], { beta2: 0.99 }).hyperparameters).toMatchObject({ lr: 0.001, beta1: 0.9, beta2: 0.99 });
    expect(createOptimizer('adamw', [w], {}).hyperparameters.weightDecay).toBe(0.01);
  });

  it('names the function, the name given and the names expected for an unknown optimizer', () => {
    const model = new Linear(2, 2, { seed: 1 });
    expect(() => createOptimizer('lbfgs' as OptimizerName, model, { lr: 0.1 })).toThrow(
      'createOptimizer: unknown optimizer "lbfgs"; expected one of sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw',
    );
    // A name from the object prototype is not an optimizer either.
    expect(() => createOptimizer('toString' as OptimizerName, model, { lr: 0.1 })).toThrow('createOptimizer: unknown optimizer "toString"');
  });

  it('refuses options the named optimizer does not have, and a missing options object', () => {
    const model = new Linear(2, 2, { seed: 1 });
    // As from a command line: the name is known only at run time, so the types allow any optimizer's options.
    const chosen = 'adam' as OptimizerName;
    expect(() => createOptimizer(chosen, model, { lr: 0.1, momentum: 0.9 })).toThrow(
      "createOptimizer: adam has no option 'momentum'; its options are beta1, beta2, eps, lr, weightDecay, clipGradNorm",
    );
    expect(() => createOptimizer('sgd', model, undefined as never)).toThrow('createOptimizer: options must be an object such as { lr: 0.01 }, got undefined');
    // The optimizer's own checks still apply.
    expect(() => createOptimizer('sgd', model, { lr: -1 })).toThrow('SGD: lr must be a finite number ≥ 0, got -1');
  });
});
