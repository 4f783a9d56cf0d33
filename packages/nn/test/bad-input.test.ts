import { Rng, tensor, zeros, type Tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import {
  accuracyFromCounts,
  activationModule,
  BatchNorm1d,
  confusionMatrix,
  countCorrect,
  DataLoader,
  Dropout,
  evaluate,
  fit,
  functionalCall,
  initStd,
  Linear,
  MLP,
  mse,
  oneHot,
  predict,
  ReLU,
  Sequential,
  SGD,
  Sigmoid,
  spiral,
  Tanh,
  TensorDataset,
  trainTestSplit,
} from '../src/index.js';
import { snapshot } from './helpers.js';

/** What a user gets from an unchecked argument: JavaScript's own words, naming nothing of nn. */
const GENERIC_ERROR =
  /Cannot read properties|is not a function|is not iterable|Cannot destructure|Invalid typed array length|Invalid array length|Maximum call stack|Cannot convert|Cannot mix BigInt|undefined is not|null is not/;

function thrown(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw, and it returned');
}

const model = () => new MLP({ sizes: [2, 3], seed: 1 });
const dataset = () => new TensorDataset(zeros([4, 2]), [0, 1, 2, 1]);
const loader = () => new DataLoader(dataset(), { batchSize: 2 });
const sgd = (m = model()) => new SGD(m, { lr: 0.1 });
const fitOneEpoch = (batches: Iterable<{ x: Tensor; y: Tensor }>) => {
  const m = model();
  return fit(m, batches, { epochs: 1, optimizer: sgd(m) });
};

// [function as the message names it, the call, the message (exact text, or a pattern)]
const cases: Array<[string, () => unknown, string | RegExp]> = [
  // The cases of the issue.
  ['Linear(2, 3).forward', () => new Linear(2, 3).forward([1, 2, 3, 4] as never), 'Linear(2, 3).forward: x must be a Tensor of shape [N, 2], got a plain array of 4 elements'],
  ['MLP', () => new MLP(undefined as never), 'MLP: options must be an options object such as { sizes: [784, 100, 10] }, got undefined'],
  ['MLP', () => new MLP({ sizes: [2, 3, 2], dropout: -0.5 }), 'MLP: dropout must be a probability in [0, 1), got -0.5'],
  ['MLP', () => new MLP({ sizes: [2, 3, 2], dropout: NaN }), 'MLP: dropout must be a probability in [0, 1), got NaN'],
  ['DataLoader', () => new DataLoader(dataset(), undefined as never), 'DataLoader: options must be an options object such as { batchSize: 32 }, got undefined'],
  ['fit', () => fit(model(), loader(), undefined as never), /^fit: options must be an options object such as \{ epochs: 10, optimizer: .*\}, got undefined$/],
  ['evaluate', () => evaluate(model(), []), 'evaluate: the loader gave no batches (or only empty ones); expected at least one sample'],
  ['loadStateDict', () => model().loadStateDict(null as never), 'loadStateDict: state must be a Map or a plain object of tensors by name (as stateDict() returns), got null'],
  // Options objects: misspelt keys are refused, not ignored.
  ['MLP', () => new MLP({ sizes: [2, 2], dropOut: 0.5 } as never), "MLP: unknown option 'dropOut'; expected only sizes, activation, init, dropout, batchNorm, dtype, seed"],
  ['Linear', () => new Linear(2, 2, { sed: 1 } as never), "Linear: unknown option 'sed'; expected only init, bias, dtype, seed, rng"],
  ['DataLoader', () => new DataLoader(dataset(), { batchSize: 2, suffle: true } as never), /^DataLoader: unknown option 'suffle'/],
  ['fit', () => fit(model(), loader(), { epochs: 1, optimizer: sgd(), lrSchedul: () => 1 } as never), /^fit: unknown option 'lrSchedul'/],
  ['evaluate', () => evaluate(model(), loader(), { los: mse } as never), "evaluate: unknown option 'los'; expected only loss"],
  ['spiral', () => spiral({ seed: 1, points: 5 } as never), /^spiral: unknown option 'points'/],
  // Layers.
  ['Linear', () => new Linear(2.5, 2), 'Linear: inFeatures must be a positive integer, got 2.5'],
  ['Linear', () => new Linear(2, 2, { bias: 'no' } as never), 'Linear: bias must be true or false, got the string "no"'],
  ['Linear', () => new Linear(2, 2, { dtype: 'int8' } as never), `Linear: dtype must be 'float32' or 'float64', got the string "int8"`],
  ['Linear', () => new Linear(2, 2, { rng: 5 } as never), "Linear: rng must be an Rng from '@matgrad/core', got 5"],
  ['Linear', () => new Linear(2, 2, { seed: 0.5 }), 'Linear: seed must be an integer, got 0.5'],
  ['Linear', () => new Linear(2, 2, { init: -1 }), 'Linear: init must be a finite standard deviation ≥ 0 (or a named initializer), got -1'],
  ['Dropout', () => new Dropout('0.5' as never), 'Dropout: p must be a probability in [0, 1), got the string "0.5"'],
  ['Dropout.reseed', () => new Dropout(0.5).reseed(NaN), 'Dropout.reseed: seed must be an integer, got NaN'],
  ['Dropout.forward', () => new Dropout(0.5).forward(undefined as never), 'Dropout.forward: x must be a Tensor, got undefined'],
  ['BatchNorm1d', () => new BatchNorm1d(3, { eps: Infinity }), 'BatchNorm1d: eps must be a finite number > 0, got Infinity'],
  ['BatchNorm1d', () => new BatchNorm1d(3, null as never), 'BatchNorm1d: options must be an options object such as { eps: 1e-5, momentum: 0.1 }, got null'],
  ['BatchNorm1d(3).forward', () => new BatchNorm1d(3).forward([[1, 2, 3]] as never), 'BatchNorm1d(3).forward: x must be a Tensor of shape [N, 3], got a plain array of 1 element'],
  ['ReLU.forward', () => new ReLU().forward(5 as never), 'ReLU.forward: x must be a Tensor, got 5'],
  ['Sigmoid.forward', () => new Sigmoid().forward('x' as never), 'Sigmoid.forward: x must be a Tensor, got the string "x"'],
  ['Tanh.forward', () => new Tanh().forward(null as never), 'Tanh.forward: x must be a Tensor, got null'],
  ['Sequential', () => new Sequential(new ReLU(), ((x: never) => x) as never), 'Sequential: layer 1 must be a Module (e.g. new Linear(2, 3)), got a function'],
  ['Sequential.at', () => new Sequential(new ReLU()).at('0' as never), 'Sequential.at: index must be an integer, got the string "0"'],
  ['MLP', () => new MLP({ sizes: [2, 2], activation: 'gelu' as never }), `MLP: activation must be 'relu', 'sigmoid' or 'tanh', got the string "gelu"`],
  ['MLP', () => new MLP({ sizes: '784,10' as never }), 'MLP: sizes must list at least two positive integer widths (input, …, output), got the string "784,10"'],
  ['MLP', () => new MLP({ sizes: [2, 2], init: null as never }), `MLP: init must be 'he', 'xavier', 'normal' or a standard deviation, got null`],
  ['MLP', () => new MLP({ sizes: [2, 2], batchNorm: 1 as never }), 'MLP: batchNorm must be true or false, got 1'],
  ['MLP.forward', () => model().forward(tensor([1, 2])), 'MLP.forward: x must be a Tensor of shape [N, 2], got a float64 tensor of shape [2]'],
  ['activationModule', () => activationModule('elu' as never), `activationModule: name must be 'relu', 'sigmoid' or 'tanh', got the string "elu"`],
  ['initStd', () => initStd('he', 0), 'initStd: fanIn must be a positive integer, got 0'],
  // Modules.
  ['MLP.train', () => model().train('eval' as never), 'MLP.train: mode must be true or false, got the string "eval"'],
  ['setParameter', () => model().setParameter('layers.0.weight', [[1, 2, 3]] as never), "setParameter: value must be a Tensor (float64 [2,3] for 'layers.0.weight'), got a plain array of 1 element"],
  ['setParameter', () => model().setParameter(0 as never, zeros([2, 3])), "setParameter: name must be a dotted parameter name such as 'layers.0.weight', got 0"],
  ['functionalCall', () => functionalCall({} as never, {}, () => 0), 'functionalCall: module must be a Module, got an empty object'],
  ['functionalCall', () => functionalCall(model(), new Map(), 'run' as never), 'functionalCall: fn must be a function of no arguments that runs the model, got the string "run"'],
  // Losses and metrics.
  ['mse', () => mse(zeros([2]), [1, 2] as never), "mse: target must be a Tensor of the prediction's shape [2], got a plain array of 2 elements"],
  ['countCorrect', () => countCorrect(zeros([2, 3]), [0, 1] as never), 'countCorrect: target must be a Tensor of class indices [N] or one-hot rows [N, C], got a plain array of 2 elements'],
  ['confusionMatrix', () => confusionMatrix('0101' as never, [0, 1, 0, 1], 2), 'confusionMatrix: labels must be an array or typed array of class indices, got the string "0101"'],
  ['accuracyFromCounts', () => accuracyFromCounts([[1, '2']] as never), /^accuracyFromCounts: counts must be a square array of arrays counts\[true\]\[predicted\].*got a plain array of 1 element$/],
  // Data.
  ['TensorDataset', () => new TensorDataset(zeros([2, 2]), undefined as never), 'TensorDataset: y must be a Tensor, an array or a typed array of labels, got undefined'],
  ['TensorDataset', () => new TensorDataset(zeros([2, 2]), [0, '1'] as never), 'TensorDataset: y[1] must be a number, got the string "1"'],
  ['TensorDataset', () => new TensorDataset([[1, 2]] as never, [0]), 'TensorDataset: x must be a Tensor with the sample axis first ([N, …]), got a plain array of 1 element'],
  ['TensorDataset.batch', () => dataset().batch(3 as never), 'TensorDataset.batch: indices must be an array or typed array of row indices, got 3'],
  ['DataLoader', () => new DataLoader([zeros([2, 2])] as never, { batchSize: 1 }), 'DataLoader: dataset must be a dataset with length and batch(indices) (e.g. a TensorDataset), got a plain array of 1 element'],
  ['DataLoader', () => new DataLoader(dataset(), { batchSize: 2, shuffle: 'yes' as never }), 'DataLoader: shuffle must be true or false, got the string "yes"'],
  ['DataLoader', () => new DataLoader(dataset(), { batchSize: 2, shuffle: true, rng: {} as never }), "DataLoader: rng must be an Rng from '@matgrad/core', got an empty object"],
  ['trainTestSplit', () => trainTestSplit(dataset(), undefined as never), /^trainTestSplit: options must be an options object such as \{ testFraction: 0.2, seed: 1 \}, got undefined$/],
  ['trainTestSplit', () => trainTestSplit(dataset(), { testSize: 1 } as never), 'trainTestSplit: seed must be an integer (the split is always reproducible), got undefined'],
  ['trainTestSplit', () => trainTestSplit({ length: 4 } as never, { testSize: 1, seed: 1 }), 'trainTestSplit: dataset must be a TensorDataset, got an object with keys length'],
  ['oneHot', () => oneHot(undefined as never, 3), 'oneHot: labels must be class indices: a 1-D Tensor, an array or a typed array, got undefined'],
  ['oneHot', () => oneHot([0, Symbol('x')] as never, 3), 'oneHot: label Symbol(x) at position 1 is not a class index in [0, 2]'],
  ['spiral', () => spiral(undefined as never), 'spiral: options must be an options object such as { seed: 1 }, got undefined'],
  ['spiral', () => spiral({ seed: 1, noise: -1 }), 'spiral: noise must be a finite number ≥ 0 (a standard deviation), got -1'],
  // The training loop.
  ['fit', () => fit(model(), loader(), { epochs: 1 } as never), 'fit: options.optimizer must be an optimizer (e.g. new SGD(model, { lr: 0.1 })), got undefined'],
  ['fit', () => fit(model(), loader(), { epochs: 1, optimizer: sgd(model()) }), "fit: the optimizer holds none of the model's 2 parameters; build it over this model (e.g. new SGD(model, { lr: 0.1 }))"],
  ['fit', () => fit(model(), 5 as never, { epochs: 1, optimizer: sgd() }), 'fit: loader must be an iterable of { x, y } batches (e.g. a DataLoader), got 5'],
  ['fit', () => fit('model' as never, loader(), { epochs: 1, optimizer: sgd() }), 'fit: model must be a Module (e.g. an MLP), got the string "model"'],
  ['fit', () => fitOneEpoch([[zeros([2, 2]), tensor([0, 1])]] as never), 'fit: batch 0 of the loader must be { x, y } with two Tensors, got a plain array of 2 elements'],
  ['fit', () => fitOneEpoch([{ x: zeros([2, 2]), y: tensor([0, 1, 2]) }]), 'fit: batch 0 of the loader has x of shape [2,2] and y of shape [3]; expected the same number of rows (first axis)'],
  ['fit', () => {
    const m = model();
    return fit(m, loader(), { epochs: 1, optimizer: sgd(m), loss: () => 0.5 as never });
  }, 'fit: the loss function must return a scalar Tensor, got 0.5'],
  ['fit', () => {
    const m = model();
    return fit(m, loader(), { epochs: 2.5, optimizer: sgd(m) });
  }, 'fit: epochs must be a non-negative integer, got 2.5'],
  ['fit', () => {
    const m = model();
    return fit(m, loader(), { epochs: 1, optimizer: sgd(m), onBatch: 'log' as never });
  }, 'fit: onBatch must be a function, got the string "log"'],
  ['evaluate', () => evaluate(model(), [{ x: zeros([0, 2]), y: zeros([0]) }], { loss: () => tensor(0) }), 'evaluate: the loader gave no batches (or only empty ones); expected at least one sample'],
  ['evaluate', () => evaluate(model(), loader(), { loss: () => zeros([2]) }), 'evaluate: the loss function must return a scalar Tensor, got a float64 tensor of shape [2]'],
  ['evaluate', () => evaluate(model(), null as never), 'evaluate: loader must be an iterable of { x, y } batches (e.g. a DataLoader), got null'],
  ['predict', () => predict(model(), undefined as never), 'predict: inputs must be a Tensor [N, features] or an iterable of { x, y } batches, got undefined'],
  ['predict', () => predict(model(), [{ y: zeros([1]) }] as never), 'predict: batch 0 of the loader must be { x } with a Tensor x, got an object with keys y'],
];

describe('every public nn function answers bad input with an error naming the function, the argument, what it got and what was expected', () => {
  it.each(cases)('%s', (name, call, message) => {
    const error = thrown(call);
    expect(error.message.startsWith(`${name}: `), error.message).toBe(true);
    expect(error.message).not.toMatch(GENERIC_ERROR);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });
});

/** Values no argument in the sweep below accepts, unless a row lists it as valid. */
const JUNK: Record<string, unknown> = {
  undefined,
  null: null,
  5: 5,
  NaN,
  '-1': -1,
  '1.5': 1.5,
  Infinity,
  "'abc'": 'abc',
  '[]': [],
  '[1, 2, 3, 4]': [1, 2, 3, 4],
  '{}': {},
  'a function': () => 1,
  'a symbol': Symbol('s'),
  '10n': 10n,
  true: true,
  'a tensor [2]': tensor([1, 2]),
};

// [the function and the argument swept (the message must start with the function), the call, the junk it accepts]
const sweep: Array<[string, (value: never) => unknown, string[]]> = [
  ['Linear inFeatures', (v) => new Linear(v, 2), ['5']],
  ['Linear outFeatures', (v) => new Linear(2, v), ['5']],
  ['Linear options', (v) => new Linear(2, 2, v), ['undefined', '{}']],
  ['Linear(2, 2).forward x', (v) => new Linear(2, 2).forward(v), []],
  ['MLP options', (v) => new MLP(v), []],
  ['MLP sizes', (v) => new MLP({ sizes: v }), ['[1, 2, 3, 4]']],
  ['MLP dropout', (v) => new MLP({ sizes: [2, 2, 2], dropout: v }), ['undefined']],
  ['MLP seed', (v) => new MLP({ sizes: [2, 2], seed: v }), ['undefined', '5', '-1']],
  ['MLP init', (v) => new MLP({ sizes: [2, 2], init: v }), ['undefined', '5', '1.5']],
  ['MLP.forward x', (v) => model().forward(v), []],
  ['Dropout p', (v) => new Dropout(v), []],
  ['Dropout options', (v) => new Dropout(0.5, v), ['undefined', '{}']],
  ['Dropout.reseed seed', (v) => new Dropout(0.5).reseed(v), ['5', '-1']],
  ['Dropout.forward x', (v) => new Dropout(0.5).forward(v), ['a tensor [2]']],
  ['BatchNorm1d numFeatures', (v) => new BatchNorm1d(v), ['5']],
  ['BatchNorm1d options', (v) => new BatchNorm1d(2, v), ['undefined', '{}']],
  ['BatchNorm1d(2).forward x', (v) => new BatchNorm1d(2).forward(v), []],
  ['Sequential layer', (v) => new Sequential(v), []],
  ['Sequential.at index', (v) => new Sequential(new ReLU()).at(v), ['-1']],
  ['Sequential.forward x', (v) => new Sequential(new ReLU()).forward(v), ['a tensor [2]']],
  ['ReLU.forward x', (v) => new ReLU().forward(v), ['a tensor [2]']],
  ['MLP.train mode', (v) => model().train(v), ['undefined', 'true']],
  ['setParameter name', (v) => model().setParameter(v, zeros([2, 3])), []],
  ['setParameter value', (v) => model().setParameter('layers.0.weight', v), []],
  ['loadStateDict state', (v) => model().loadStateDict(v), []],
  ['functionalCall module', (v) => functionalCall(v, {}, () => 1), []],
  ['functionalCall parameters', (v) => functionalCall(model(), v, () => 1), ['{}']],
  ['functionalCall fn', (v) => functionalCall(model(), {}, v), ['a function']],
  ['initStd init', (v) => initStd(v, 3), ['5', '1.5']],
  ['initStd fanIn', (v) => initStd('he', v), ['5']],
  ['activationModule name', (v) => activationModule(v), []],
  ['mse prediction', (v) => mse(v, zeros([2])), ['a tensor [2]']],
  ['mse target', (v) => mse(zeros([2]), v), ['a tensor [2]']],
  ['TensorDataset x', (v) => new TensorDataset(v, [1]), []],
  ['TensorDataset y', (v) => new TensorDataset(zeros([4, 2]), v), ['[1, 2, 3, 4]']],
  ['TensorDataset.batch indices', (v) => dataset().batch(v), ['[]']],
  ['DataLoader dataset', (v) => new DataLoader(v, { batchSize: 2 }), []],
  ['DataLoader options', (v) => new DataLoader(dataset(), v), []],
  ['DataLoader batchSize', (v) => new DataLoader(dataset(), { batchSize: v }), ['5']],
  ['DataLoader seed', (v) => new DataLoader(dataset(), { batchSize: 2, shuffle: true, seed: v }), ['5', '-1']],
  ['trainTestSplit dataset', (v) => trainTestSplit(v, { testSize: 1, seed: 1 }), []],
  ['trainTestSplit options', (v) => trainTestSplit(dataset(), v), []],
  ['trainTestSplit testSize', (v) => trainTestSplit(dataset(), { testSize: v, seed: 1 }), []],
  ['oneHot labels', (v) => oneHot(v, 3), ['[]', 'a tensor [2]']],
  ['oneHot numClasses', (v) => oneHot([0], v), ['5']],
  ['oneHot options', (v) => oneHot([0], 3, v), ['undefined', '{}']],
  ['spiral options', (v) => spiral(v), []],
  ['spiral pointsPerClass', (v) => spiral({ seed: 1, pointsPerClass: v }), ['undefined', '5']],
  ['spiral seed', (v) => spiral({ seed: v }), ['5', '-1']],
  ['fit model', (v) => fit(v, loader(), { epochs: 1, optimizer: sgd() }), []],
  ['fit loader', (v) => {
    const m = model();
    return fit(m, v, { epochs: 1, optimizer: sgd(m) });
  }, []],
  ['fit options', (v) => fit(model(), loader(), v), []],
  ['fit epochs', (v) => {
    const m = model();
    return fit(m, loader(), { epochs: v, optimizer: sgd(m) });
  }, ['5']],
  ['fit optimizer', (v) => fit(model(), loader(), { epochs: 1, optimizer: v }), []],
  ['fit loss', (v) => {
    const m = model();
    return fit(m, loader(), { epochs: 1, optimizer: sgd(m), loss: v });
  }, ['undefined']],
  ['evaluate model', (v) => evaluate(v, loader()), []],
  ['evaluate loader', (v) => evaluate(model(), v), []],
  ['evaluate options', (v) => evaluate(model(), loader(), v), ['undefined', '{}']],
  ['predict model', (v) => predict(v, loader()), []],
  ['predict inputs', (v) => predict(model(), v), ['[]']],
  ['countCorrect output', (v) => countCorrect(v, zeros([2])), ['a tensor [2]']],
  ['confusionMatrix labels', (v) => confusionMatrix(v, [0], 2), []],
  ['confusionMatrix classes', (v) => confusionMatrix([0], [0], v), ['5']],
  ['accuracyFromCounts counts', (v) => accuracyFromCounts(v), ['[]']],
];

describe('no public nn function answers a wrong kind of value with a generic JavaScript error', () => {
  it.each(sweep)('%s', (what, call, accepted) => {
    const name = what.slice(0, what.lastIndexOf(' '));
    for (const [label, value] of Object.entries(JUNK)) {
      if (accepted.includes(label)) {
        expect(() => call(value as never), `${what} = ${label}`).not.toThrow();
        continue;
      }
      const message = thrown(() => call(value as never)).message;
      expect(message.startsWith(`${name}: `), `${what} = ${label}: ${message}`).toBe(true);
      expect(message, `${what} = ${label}`).not.toMatch(GENERIC_ERROR);
    }
  });
});

describe('a refused call changes nothing', () => {
  it('a model whose loadStateDict, setParameter or train is refused keeps its weights and mode', () => {
    const m = model();
    const before = snapshot(m);
    for (const call of [() => m.loadStateDict(null as never), () => m.setParameter('layers.0.weight', 5 as never), () => m.train('no' as never)]) {
      expect(call).toThrow();
    }
    expect(snapshot(m)).toEqual(before);
    expect(m.training).toBe(true);
  });

  it('fit refuses its options before the first step, so the model is untouched', () => {
    const m = model();
    const before = snapshot(m);
    expect(() => fit(m, loader(), { epochs: 1, optimizer: sgd(m), onEpoch: 5 as never })).toThrow('fit: onEpoch must be a function, got 5');
    expect(snapshot(m)).toEqual(before);
  });
});

describe('Linear and Dropout default to seed 0, as MLP does', () => {
  it('a Linear without seed or rng is the Linear of seed 0 and the first layer of an unseeded MLP', () => {
    expect(new Linear(3, 2).weight.values()).toEqual(new Linear(3, 2, { seed: 0 }).weight.values());
    expect(new Linear(3, 2).weight.values()).toEqual(new MLP({ sizes: [3, 2] }).layers.at(0).parameters()[0]!.values());
  });

  it('a Dropout without seed or rng draws the masks of seed 0', () => {
    const x = tensor([[1, 2, 3, 4, 5, 6, 7, 8]]);
    expect(new Dropout(0.5).forward(x).values()).toEqual(new Dropout(0.5, { seed: 0 }).forward(x).values());
    expect(new Dropout(0.5).forward(x).values()).toEqual(new Dropout(0.5, { rng: new Rng(0) }).forward(x).values());
  });
});
