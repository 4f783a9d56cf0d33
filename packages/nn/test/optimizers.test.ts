import { tensor, type Tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { AdaGrad, Adam, AdamW, clipGradNorm, Linear, Momentum, Nesterov, RMSprop, SGD, type Optimizer } from '../src/index.js';

/** w starts at [1, −2]; step 1 sees g = [0.5, −1], step 2 g = [−0.25, 2]; lr 0.1 throughout. */
function twoSteps(make: (w: Tensor) => Optimizer): number[][] {
  const w = tensor([1, -2], { requiresGrad: true });
  const optimizer = make(w);
  return [[0.5, -1], [-0.25, 2]].map((g) => {
    w.grad = tensor(g);
    optimizer.step();
    return [...w.values()];
  });
}

function expectClose(actual: number[][], expected: number[][], digits = 12): void {
  actual.forEach((row, i) => row.forEach((v, j) => expect(v, `step ${i + 1}, element ${j}`).toBeCloseTo(expected[i]![j]!, digits)));
}

describe('the first two steps, against values worked by hand', () => {
  it('SGD: w ← w − η·g', () => {
    // [1 − 0.05, −2 + 0.1]; then [0.95 + 0.025, −1.9 − 0.2]
    expectClose(twoSteps((w) => new SGD([w], { lr: 0.1 })), [[0.95, -1.9], [0.975, -2.1]]);
  });

  it('Momentum: v ← 0.9v − η·g; w ← w + v', () => {
    // v1 = [−0.05, 0.1]; v2 = 0.9·v1 − 0.1·g2 = [−0.045 + 0.025, 0.09 − 0.2] = [−0.02, −0.11]
    expectClose(twoSteps((w) => new Momentum([w], { lr: 0.1, momentum: 0.9 })), [[0.95, -1.9], [0.93, -2.01]]);
  });

  it('Nesterov: v ← 0.9v − η·g; w ← w + 0.9v − η·g', () => {
    // w1 = [1 − 0.045 − 0.05, −2 + 0.09 + 0.1]; w2 = [0.905 − 0.018 + 0.025, −1.81 − 0.099 − 0.2]
    expectClose(twoSteps((w) => new Nesterov([w], { lr: 0.1, momentum: 0.9 })), [[0.905, -1.81], [0.912, -2.109]]);
  });

  it('AdaGrad: h ← h + g²; w ← w − η·g/(√h + ε)', () => {
    // h1 = [0.25, 1] → steps [0.1, −0.1]; h2 = [0.3125, 5] → steps [−0.025/√0.3125, 0.2/√5]
    expectClose(twoSteps((w) => new AdaGrad([w], { lr: 0.1 })), [[0.9, -1.9], [0.9 + 0.025 / Math.sqrt(0.3125), -1.9 - 0.2 / Math.sqrt(5)]], 6);
    expectClose(twoSteps((w) => new AdaGrad([w], { lr: 0.1 })), [[0.9, -1.9], [0.9447213716, -1.9894427251]], 6);
  });

  it('RMSprop: h ← 0.99h + 0.01g²; w ← w − η·g/(√h + ε)', () => {
    // h1 = [0.0025, 0.01] → steps [0.1·0.5/0.05, −0.1·1/0.1] = [1, −1]; h2 = [0.0031, 0.0499]
    expectClose(twoSteps((w) => new RMSprop([w], { lr: 0.1 })), [[0, -1], [0.025 / Math.sqrt(0.0031), -1 - 0.2 / Math.sqrt(0.0499)]], 5);
  });

  it('Adam: bias-corrected moments', () => {
    // Step 1: m̂ = g, v̂ = g², so each weight moves by η: [0.9, −1.9].
    // Step 2: m = [0.02, 0.11], v = [0.00031225, 0.004999]; m̂ = m/0.19, v̂ = v/0.001999.
    const step2 = [0.9 - (0.1 * (0.02 / 0.19)) / Math.sqrt(0.00031225 / 0.001999), -1.9 - (0.1 * (0.11 / 0.19)) / Math.sqrt(0.004999 / 0.001999)];
    expectClose(twoSteps((w) => new Adam([w], { lr: 0.1 })), [[0.9, -1.9], step2], 7);
    expectClose(twoSteps((w) => new Adam([w], { lr: 0.1 })), [[0.9, -1.9], [0.8733662987, -1.9366103535]], 7);
  });

  it('AdamW: w ← w·(1 − η·λ) before the Adam step', () => {
    // λ = 0.1: w·0.99 then the same Adam steps: [0.99 − 0.1, −1.98 + 0.1]; [0.8811 − 0.0266337, −1.8612 − 0.0366104]
    expectClose(twoSteps((w) => new AdamW([w], { lr: 0.1, weightDecay: 0.1 })), [[0.89, -1.88], [0.8544662987, -1.8978103535]], 7);
  });
});

describe('options', () => {
  it('weight decay adds λ·w to the gradient', () => {
    // [1 − 0.1·(0.5 + 0.5·1), −2 − 0.1·(−1 + 0.5·(−2))] = [0.9, −1.8]
    expectClose(twoSteps((w) => new SGD([w], { lr: 0.1, weightDecay: 0.5 })).slice(0, 1), [[0.9, -1.8]]);
  });

  it('clipGradNorm scales the step so the global gradient norm is at most the limit', () => {
    const a = tensor([0, 0], { requiresGrad: true });
    const b = tensor([0], { requiresGrad: true });
    const optimizer = new SGD([a, b], { lr: 1, clipGradNorm: 1 });
    a.grad = tensor([3, 0]);
    b.grad = tensor([4]);
    optimizer.step();
    expectClose([[...a.values(), ...b.values()]], [[-0.6, -0, -0.8]], 6);
    expect([...a.grad.values()]).toEqual([3, 0]);
    a.grad = tensor([0.3, 0]);
    b.grad = tensor([0.4]);
    optimizer.step();
    expectClose([[...a.values(), ...b.values()]], [[-0.9, 0, -1.2]], 6);
  });

  it('the standalone clipGradNorm rescales the gradients in place and returns the norm', () => {
    const a = tensor([0, 0], { requiresGrad: true });
    a.grad = tensor([6, 8]);
    expect(clipGradNorm([a], 5)).toBe(10);
    expectClose([[...a.grad.values()]], [[3, 4]], 5);
  });

  it('parameters without a gradient are left alone', () => {
    const layer = new Linear(2, 2, { seed: 1 });
    const before = [...layer.bias!.values()];
    layer.weight.grad = tensor([[1, 1], [1, 1]]);
    new Adam(layer).step();
    expect([...layer.bias!.values()]).toEqual(before);
  });

  it('updates float32 parameters in place', () => {
    const layer = new Linear(2, 2, { seed: 1, dtype: 'float32' });
    const weight = layer.weight;
    const before = weight.values();
    layer.weight.grad = tensor([[1, 1], [1, 1]], { dtype: 'float32' });
    new SGD(layer, { lr: 0.5 }).step();
    expect(layer.weight).toBe(weight);
    expect(Array.from(weight.values())).toEqual(Array.from(before, (v) => Math.fround(v - 0.5)));
  });

  it('explains bad settings', () => {
    const w = tensor([1], { requiresGrad: true });
    expect(() => new SGD([w], { lr: -1 })).toThrow('SGD: lr must be a finite number ≥ 0, got -1');
    expect(() => new Momentum([w], { lr: 0.1, momentum: 1 })).toThrow('Momentum: momentum must be in [0, 1), got 1');
    expect(() => new Adam([w], { beta2: 1.5 })).toThrow(/beta2 must be in \[0, 1\)/);
    expect(() => new SGD([w], { lr: 0.1, clipGradNorm: 0 })).toThrow(/clipGradNorm must be a positive number/);
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/no parameters/);
    expect(() => new SGD([w, w], { lr: 0.1 })).toThrow(/listed twice/);
    expect(() => new SGD([tensor([1], { requiresGrad: true }).mul(2)], { lr: 0.1 })).toThrow(/parameter 0 must be a leaf tensor \(one no op made\); it was made by 'mul'/);
    const optimizer = new SGD([w], { lr: 0.1 });
    expect(() => (optimizer.lr = Number.NaN)).toThrow(/lr must be a finite number/);
  });
});

describe('state and loadState', () => {
  it('resume exactly where training left off', () => {
    const gradients = [[0.5, -1], [-0.25, 2], [1, 1], [-2, 0.5]];
    const run = (steps: number[][], w: Tensor, optimizer: Optimizer): void => {
      for (const g of steps) {
        w.grad = tensor(g);
        optimizer.step();
      }
    };
    const w = tensor([1, -2], { requiresGrad: true });
    const straight = new Adam([w], { lr: 0.1 });
    run(gradients, w, straight);

    const w2 = tensor([1, -2], { requiresGrad: true });
    const first = new Adam([w2], { lr: 0.1 });
    run(gradients.slice(0, 2), w2, first);
    const saved = first.state();
    const savedWeights = [...w2.values()];
    run([[9, 9]], w2, first); // must not leak into the saved state
    const w3 = tensor(savedWeights, { requiresGrad: true });
    const resumed = new Adam([w3], { lr: 0.5 });
    resumed.loadState(saved);
    expect(resumed.lr).toBe(0.1);
    expect(resumed.stepCount).toBe(2);
    run(gradients.slice(2), w3, resumed);
    expect([...w3.values()]).toEqual([...w.values()]);
  });

  it('loadState checks everything before changing anything', () => {
    const w = tensor([1, -2], { requiresGrad: true });
    const adam = new Adam([w], { lr: 0.1 });
    const good = adam.state();
    expect(() => new SGD([w], { lr: 0.1 }).loadState(good)).toThrow('SGD.loadState: the state is of a Adam, not a SGD');
    expect(() => adam.loadState({ ...good, slots: [{ m: new Float64Array(3), v: new Float64Array(2) }] })).toThrow(/slot 'm' of parameter 0 must hold 2 numbers/);
    expect(() => adam.loadState({ ...good, slots: [] })).toThrow(/0 parameter slots, this optimizer has 1 parameters/);
    expect(() => adam.loadState({ ...good, hyperparameters: { ...good.hyperparameters, lr: -1 } })).toThrow(/lr must be a finite number ≥ 0/);
    expect(() => adam.loadState({ ...good, slots: [{ m: new Float64Array([7, 7]), v: new Float64Array([7, 7]) }], step: -1 })).toThrow(/step must be a non-negative integer/);
    expect(adam.state()).toEqual(good);
  });
});

describe('optimizer conventions', () => {
  it('skips frozen parameters instead of refusing them, as PyTorch does', () => {
    const model = new Linear(2, 2, { seed: 1 });
    model.bias!.requireGrad(false);
    const bias = model.bias!.values();
    const optimizer = new SGD(model, { lr: 0.1 });
    tensor([[1, 2]]).matmul(model.weight).add(model.bias!).sum().backward();
    optimizer.step();
    expect(model.bias!.grad).toBeNull();
    expect(Array.from(model.bias!.values())).toEqual(Array.from(bias));
  });

  it('state() survives JSON (typed arrays and Infinity included) and resumes bit for bit', () => {
    const run = (resume: boolean): number[] => {
      const layer = new Linear(3, 2, { seed: 4 });
      let optimizer = new Adam(layer, { lr: 0.05 });
      const step = () => {
        optimizer.zeroGrad();
        tensor([[1, -2, 0.5]]).matmul(layer.weight).add(layer.bias!).pow(2).sum().backward();
        optimizer.step();
      };
      step();
      if (resume) {
        const saved = JSON.parse(JSON.stringify(optimizer.state()));
        optimizer = new Adam(layer, { lr: 0.05 });
        optimizer.loadState(saved);
      }
      step();
      step();
      return Array.from(layer.weight.values());
    };
    expect(run(true)).toEqual(run(false));
  });
});
