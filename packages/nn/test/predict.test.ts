import { tensor, type Tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { DataLoader, Linear, MLP, Module, predict, spiral, TensorDataset } from '../src/index.js';
import { snapshot } from './helpers.js';

/** Scores [x, −x, 1] for each input x (a fixed Linear 1 → 3): class 0 for x > 1, 1 for x < −1, else 2. */
function threeWay(): Linear {
  const layer = new Linear(1, 3, { seed: 1 });
  layer.loadStateDict({ weight: tensor([[1, -1, 0]]), bias: tensor([0, 0, 1]) });
  return layer;
}

/** Wraps a model and records, per forward, whether a graph was being recorded and the mode. */
class Recording extends Module {
  readonly calls: Array<{ requiresGrad: boolean; training: boolean }> = [];
  constructor(readonly inner: Module) {
    super();
    this.registerModule('inner', inner);
  }
  forward(x: Tensor): Tensor {
    const out = this.inner.forward(x);
    this.calls.push({ requiresGrad: out.requiresGrad, training: this.training });
    return out;
  }
}

class Returns extends Module {
  constructor(readonly make: (x: Tensor) => Tensor) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.make(x);
  }
}

describe('predict', () => {
  const x = tensor([[3], [-2], [0], [1.5], [-0.5]]);

  it('gives the arg-max class of each row, for a tensor and for batches in order', () => {
    expect([...predict(threeWay(), x)]).toEqual([0, 1, 2, 0, 2]);
    const loader = new DataLoader(new TensorDataset(x, [0, 0, 0, 0, 0]), { batchSize: 2 });
    const predictions = predict(threeWay(), loader);
    expect(predictions).toBeInstanceOf(Int32Array);
    expect([...predictions]).toEqual([0, 1, 2, 0, 2]);
    expect(predict(threeWay(), [])).toEqual(new Int32Array(0));
  });

  it('runs in eval mode without recording a graph, then restores the mode', () => {
    const data = spiral({ pointsPerClass: 20, seed: 3 });
    const model = new Recording(new MLP({ sizes: [2, 16, 3], dropout: 0.5, batchNorm: true, seed: 4 }));
    const before = snapshot(model);
    const a = predict(model, new DataLoader(data, { batchSize: 25 }));
    const b = predict(model, data.x);
    expect(a).toEqual(b); // dropout off and running statistics used, so batching does not matter
    expect(snapshot(model)).toEqual(before);
    expect(model.calls).toEqual(Array(4).fill({ requiresGrad: false, training: false }));
    expect(model.training).toBe(true);
    model.eval();
    predict(model, data.x);
    expect(model.training).toBe(false);
  });

  it('explains an output that is not class scores [N, C], and restores the mode after it', () => {
    const oneScore = new Linear(1, 1, { seed: 1 });
    expect(() => predict(oneScore, x)).toThrow(
      'predict: the model gave [5,1] for an input of shape [5,1]; expected class scores [N, C] with N = 5 rows and C ≥ 2 classes',
    );
    expect(oneScore.training).toBe(true);
    expect(() => predict(new Returns((t) => t.sum(1)), tensor([[1, 2], [3, 4]]))).toThrow('predict: the model gave [2] for an input of shape [2,2]');
    expect(() => predict(new Returns(() => tensor([[1, 2]])), tensor([[1, 2], [3, 4]]))).toThrow('predict: the model gave [1,2] for an input of shape [2,2]');
  });
});
