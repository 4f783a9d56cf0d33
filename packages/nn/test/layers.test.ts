import { gradCheck, noGrad, randn, tensor, type Tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, Dropout, functionalCall, initStd, Linear, MLP, ReLU, Sequential, Sigmoid, Tanh } from '../src/index.js';

function std(values: ArrayLike<number>): number {
  const xs = Array.from(values);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
}

describe('Linear', () => {
  it('computes Φ·W + b with W [in, out]', () => {
    const layer = new Linear(3, 2, { seed: 1 });
    expect(layer.weight.shape).toEqual([3, 2]);
    layer.loadStateDict({ weight: tensor([[1, 2], [3, 4], [5, 6]]), bias: tensor([0.5, -1]) });
    expect(layer.forward(tensor([[1, 0, -1], [2, 1, 0]])).toArray()).toEqual([[-4 + 0.5, -4 - 1], [5 + 0.5, 8 - 1]]);
  });

  it('draws He, Xavier and normal(0.01) weights with the book\'s standard deviations, biases at zero', () => {
    const cases = [['he', Math.sqrt(2 / 400)], ['xavier', Math.sqrt(1 / 400)], ['normal', 0.01], [0.3, 0.3]] as const;
    for (const [init, expected] of cases) {
      const layer = new Linear(400, 300, { init, seed: 7 });
      expect(initStd(init, 400)).toBeCloseTo(expected, 12);
      expect(std(layer.weight.values()) / expected).toBeGreaterThan(0.98);
      expect(std(layer.weight.values()) / expected).toBeLessThan(1.02);
      expect([...layer.bias!.values()].every((v) => v === 0)).toBe(true);
    }
  });

  it('is reproducible from its seed', () => {
    const a = new Linear(5, 4, { seed: 3 }).weight.values();
    expect(new Linear(5, 4, { seed: 3 }).weight.values()).toEqual(a);
    expect(new Linear(5, 4, { seed: 4 }).weight.values()).not.toEqual(a);
  });

  it('honours dtype and bias: false', () => {
    const layer = new Linear(2, 3, { seed: 1, dtype: 'float32', bias: false });
    expect(layer.bias).toBeNull();
    expect(layer.namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(layer.forward(tensor([[1, 2]], { dtype: 'float32' })).dtype).toBe('float32');
  });

  it('explains bad input', () => {
    const layer = new Linear(3, 2, { seed: 1 });
    expect(() => layer.forward(tensor([[1, 2]]))).toThrow('Linear(3, 2).forward: x must be a Tensor of shape [N, 3], got a float64 tensor of shape [1,2]');
    expect(() => layer.forward(tensor([[1, 2, 3]], { dtype: 'float32' }))).toThrow(/the input is float32 but the weights are float64/);
    expect(() => new Linear(0, 2, { seed: 1 })).toThrow(/inFeatures must be a positive integer, got 0/);
    expect(() => new Linear(2, 2, { seed: 1, init: 'lecun' as never })).toThrow(`Linear: init must be 'he', 'xavier', 'normal' or a standard deviation, got the string "lecun"`);
  });

  it('defaults to seed 0, as MLP does', () => {
    expect(new Linear(5, 4).weight.values()).toEqual(new Linear(5, 4, { seed: 0 }).weight.values());
    expect(new Linear(5, 4).weight.values()).toEqual(new MLP({ sizes: [5, 4] }).layers.at(0).parameters()[0]!.values());
    expect(new Linear(5, 4).weight.values()).not.toEqual(new Linear(5, 4, { seed: 1 }).weight.values());
  });

  it('passes gradCheck for input, weight and bias', () => {
    const layer = new Linear(3, 4, { seed: 2 });
    const x = randn([5, 3], { seed: 3 });
    const result = gradCheck((xx, w, b) => functionalCall(layer, { weight: w!, bias: b! }, () => layer.forward(xx!)).tanh(), [x, layer.weight, layer.bias!]);
    expect(result.ok, result.report).toBe(true);
  });
});

describe('activations and Sequential', () => {
  it('apply relu, sigmoid and tanh elementwise', () => {
    const x = tensor([[1, -0.5], [-2, 3]]);
    expect(new ReLU().forward(x).toArray()).toEqual([[1, 0], [0, 3]]);
    expect(new Sigmoid().forward(x).values()[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    expect(new Tanh().forward(x).values()[3]).toBeCloseTo(Math.tanh(3), 15);
  });

  it('chains its layers in order', () => {
    const seq = new Sequential(new Linear(2, 2, { seed: 1 }), new ReLU());
    seq.loadStateDict({ '0.weight': tensor([[1, 0], [0, -1]]), '0.bias': tensor([0, 0]) });
    expect(seq.length).toBe(2);
    expect(seq.at(1)).toBeInstanceOf(ReLU);
    expect(seq.forward(tensor([[2, 3]])).toArray()).toEqual([[2, 0]]);
    expect(() => seq.at(5)).toThrow(/index 5 is out of range for 2 layers/);
  });
});

describe('Dropout', () => {
  const x = randn([50, 40], { seed: 1 });

  it('in training, zeroes about p of the elements and scales the rest by 1/(1 − p)', () => {
    const drop = new Dropout(0.25, { seed: 5 });
    const y = drop.forward(x).values();
    const xs = x.values();
    let zeros = 0;
    for (let i = 0; i < xs.length; i++) {
      if (y[i] === 0) zeros++;
      else expect(y[i]).toBeCloseTo(xs[i]! / 0.75, 12);
    }
    expect(zeros / xs.length).toBeGreaterThan(0.22);
    expect(zeros / xs.length).toBeLessThan(0.28);
  });

  it('draws a new mask each call, the same one after reseed', () => {
    const drop = new Dropout(0.5, { seed: 5 });
    const first = drop.forward(x).values();
    expect(drop.forward(x).values()).not.toEqual(first);
    drop.reseed(5);
    expect(drop.forward(x).values()).toEqual(first);
  });

  it('is the identity in eval mode', () => {
    const drop = new Dropout(0.5, { seed: 5 }).eval();
    expect(drop.forward(x)).toBe(x);
  });

  it('passes gradCheck in training mode with a fixed mask', () => {
    const drop = new Dropout(0.4, { seed: 5 });
    const small = randn([4, 5], { seed: 2 });
    const result = gradCheck((xx) => {
      drop.reseed(11);
      return drop.forward(xx!).mul(xx!);
    }, [small]);
    expect(result.ok, result.report).toBe(true);
  });

  it('rejects p outside [0, 1)', () => {
    expect(() => new Dropout(1, { seed: 1 })).toThrow('Dropout: p must be a probability in [0, 1), got 1');
    expect(() => new Dropout(-0.1, { seed: 1 })).toThrow(/got -0.1/);
  });
});

describe('BatchNorm1d', () => {
  const x = randn([8, 3], { seed: 4, mean: 2, std: 3 });

  function columnStats(t: Tensor): { mean: number[]; variance: number[] } {
    const [n, c] = t.shape as [number, number];
    const v = t.values();
    const mean = Array.from({ length: c }, (_, j) => Array.from({ length: n }, (_, i) => v[i * c + j]!).reduce((a, b) => a + b) / n);
    const variance = mean.map((m, j) => Array.from({ length: n }, (_, i) => (v[i * c + j]! - m) ** 2).reduce((a, b) => a + b) / n);
    return { mean, variance };
  }

  it('in training, normalizes each feature with the batch statistics', () => {
    const bn = new BatchNorm1d(3);
    const { mean, variance } = columnStats(bn.forward(x));
    mean.forEach((m) => expect(m).toBeCloseTo(0, 12));
    variance.forEach((v) => expect(v).toBeCloseTo(1, 5));
  });

  it('moves the running statistics by momentum (running variance unbiased)', () => {
    const bn = new BatchNorm1d(3, { momentum: 0.1 });
    bn.forward(x);
    const { mean, variance } = columnStats(x);
    mean.forEach((m, j) => expect(bn.runningMean.values()[j]).toBeCloseTo(0.1 * m, 12));
    variance.forEach((v, j) => expect(bn.runningVar.values()[j]).toBeCloseTo(0.9 + 0.1 * v * (8 / 7), 12));
  });

  it('in eval mode, uses the running statistics and so differs from training', () => {
    const bn = new BatchNorm1d(3, { eps: 1e-5 });
    bn.loadStateDict({ weight: tensor([1, 2, 3]), bias: tensor([0, 1, -1]), runningMean: tensor([1, 2, 3]), runningVar: tensor([4, 9, 16]) });
    bn.eval();
    const out = bn.forward(x).values();
    const xs = x.values();
    const [g, b, m, v] = [[1, 2, 3], [0, 1, -1], [1, 2, 3], [4, 9, 16]];
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 3; j++) {
        expect(out[i * 3 + j]).toBeCloseTo(g[j]! * ((xs[i * 3 + j]! - m[j]!) / Math.sqrt(v[j]! + 1e-5)) + b[j]!, 12);
      }
    }
    const runningBefore = [...bn.runningMean.values()];
    bn.forward(x);
    expect([...bn.runningMean.values()]).toEqual(runningBefore);
    bn.train();
    expect(bn.forward(x).values()).not.toEqual(out);
  });

  it('passes gradCheck in training mode for input, γ and β', () => {
    const bn = new BatchNorm1d(3);
    const small = randn([5, 3], { seed: 8 });
    const gamma = randn([3], { seed: 9 });
    const beta = randn([3], { seed: 10 });
    const weights = randn([5, 3], { seed: 11 });
    // A weighted sum, so the check is not blind to the normalization's invariances.
    const result = gradCheck((xx, g, b) => functionalCall(bn, { weight: g!, bias: b! }, () => bn.forward(xx!)).mul(weights).sum(), [small, gamma, beta]);
    expect(result.ok, result.report).toBe(true);
  });

  it('explains bad input', () => {
    const bn = new BatchNorm1d(3);
    expect(() => bn.forward(tensor([[1, 2, 3]]))).toThrow(/training mode needs at least 2 rows/);
    expect(() => bn.forward(tensor([[1, 2]]))).toThrow('BatchNorm1d(3).forward: x must be a Tensor of shape [N, 3], got a float64 tensor of shape [1,2]');
    expect(noGrad(() => bn.eval().forward(tensor([[1, 2, 3]]))).shape).toEqual([1, 3]);
  });
});
