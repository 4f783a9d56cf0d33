import { readFileSync } from 'node:fs';
import { tensor, type Tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, fromSafetensors, Linear, MLP, readSafetensors, ReLU, Sequential, toSafetensors } from '../src/index.js';
import { matgradExport } from './fixtures/pytorch/matgrad-export.js';
import { snapshot } from './helpers.js';

/**
 * Files written by PyTorch 1.13's `state_dict()` of nn.Sequential models, serialized byte by
 * byte from the safetensors format description by fixtures/pytorch/make_fixtures.py, with
 * PyTorch's outputs for the same inputs in torch-expected.json.
 */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/pytorch/${name}`, import.meta.url));
const expected = JSON.parse(fixture('torch-expected.json').toString()) as {
  inputs: number[][];
  mlp: number[][];
  'mlp-f16': number[][];
  'mlp-bf16': number[][];
  'mlp-bn': { eval: number[][]; train: number[][]; running_mean: number[]; running_var: number[]; num_batches_tracked: number };
};

function expectClose(actual: Tensor, wanted: number[][], relative: number): void {
  const got = actual.toArray() as number[][];
  expect(got.length).toBe(wanted.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - wanted[i]![j]!)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(wanted[i]![j]!)))));
}

describe("PyTorch's nn.Sequential weights load into the equivalent MLP", () => {
  it('Linear, ReLU, Linear (float32): names mapped, weights transposed, same outputs', () => {
    const model = new MLP({ sizes: [3, 4, 2], dtype: 'float32', seed: 0 });
    const report = fromSafetensors(model, fixture('torch-mlp.safetensors'), { layout: 'pytorch' });
    expect(report).toEqual({ metadata: { format: 'pt' }, skipped: [] });
    const torchWeight = readSafetensors(fixture('torch-mlp.safetensors')).tensors.get('0.weight')!;
    expect(torchWeight.shape).toEqual([4, 3]);
    expect(model.layers.at(0) instanceof Linear && (model.layers.at(0) as Linear).weight.toArray()).toEqual(torchWeight.transpose().toArray());
    expectClose(model.forward(tensor(expected.inputs, { dtype: 'float32' })), expected.mlp, 1e-6);
  });

  it('with BatchNorm1d (float64): running_mean, running_var and num_batches_tracked, in eval and in training mode', () => {
    const model = new MLP({ sizes: [3, 5, 2], batchNorm: true, seed: 0 });
    fromSafetensors(model, fixture('torch-mlp-bn.safetensors'), { layout: 'pytorch' });
    const bn = model.layers.at(1) as BatchNorm1d;
    expect(bn.numBatchesTracked).toBe(3);
    model.eval();
    expectClose(model.forward(tensor(expected.inputs)), expected['mlp-bn'].eval, 1e-13);
    model.train();
    expectClose(model.forward(tensor(expected.inputs)), expected['mlp-bn'].train, 1e-13);
    expectClose(tensor([[...bn.runningMean.values()], [...bn.runningVar.values()]]), [expected['mlp-bn'].running_mean, expected['mlp-bn'].running_var], 1e-13);
    expect(bn.numBatchesTracked).toBe(expected['mlp-bn'].num_batches_tracked);
  });

  it('F16 and BF16 weights load into a float32 MLP with { cast: true }, and give PyTorch\'s outputs', () => {
    for (const name of ['f16', 'bf16'] as const) {
      const bytes = fixture(`torch-mlp-${name}.safetensors`);
      const model = new MLP({ sizes: [3, 4, 2], dtype: 'float32', seed: 0 });
      expect(() => fromSafetensors(model, bytes, { layout: 'pytorch' })).toThrow(`'0.weight' (layers.0.weight) is ${name.toUpperCase()} [4,3], expected F32 [4,3] (pass { cast: true } to convert it)`);
      fromSafetensors(model, bytes, { layout: 'pytorch', cast: true });
      expectClose(model.forward(tensor(expected.inputs, { dtype: 'float32' })), expected[`mlp-${name}`], 1e-6);
    }
  });

  it('refuses a file of another architecture, naming PyTorch\'s and matgrad\'s names, and leaves the model as it was', () => {
    const model = new MLP({ sizes: [3, 4, 2], batchNorm: true, dtype: 'float32', seed: 0 });
    const before = snapshot(model);
    expect(() => fromSafetensors(model, fixture('torch-mlp.safetensors'), { layout: 'pytorch' })).toThrow(
      /nothing was loaded: '1.weight' \(layers.1.weight\) is missing \(expected F32 \[4\]\).*'1.running_mean' \(layers.1.runningMean\) is missing.*'2.weight' \(F32\) is not an entry of this MLP/,
    );
    expect(snapshot(model)).toEqual(before);
    // The matgrad layout is not read as PyTorch's, nor the other way round.
    expect(() => fromSafetensors(new MLP({ sizes: [3, 4, 2], dtype: 'float32', seed: 0 }), fixture('torch-mlp.safetensors'))).toThrow(/'layers.0.weight' is missing/);
  });

  it('a bad num_batches_tracked is named; an absent one (PyTorch before 0.4.1) is accepted', () => {
    const model = new MLP({ sizes: [3, 5, 2], batchNorm: true, seed: 0 });
    const state: Record<string, unknown> = Object.fromEntries(readSafetensors(fixture('torch-mlp-bn.safetensors')).tensors);
    state['1.num_batches_tracked'] = { dtype: 'I64', shape: [], values: BigInt64Array.of(-2n) };
    expect(() => fromSafetensors(model, toSafetensors(state as never), { layout: 'pytorch' })).toThrow("'1.num_batches_tracked' is I64 [] holding -2, expected an I64 scalar ≥ 0");
    delete state['1.num_batches_tracked'];
    fromSafetensors(model, toSafetensors(state as never), { layout: 'pytorch' });
    expect((model.layers.at(1) as BatchNorm1d).numBatchesTracked).toBe(0);
  });
});

describe('an MLP saved in the PyTorch layout is what PyTorch writes', () => {
  it('the same names, dtypes, shapes and values as the state_dict it was loaded from', () => {
    const torchFile = readSafetensors(fixture('torch-mlp-bn.safetensors'));
    const model = new MLP({ sizes: [3, 5, 2], batchNorm: true, seed: 0 });
    fromSafetensors(model, fixture('torch-mlp-bn.safetensors'), { layout: 'pytorch' });
    const ours = readSafetensors(toSafetensors(model, { layout: 'pytorch' }));
    expect([...ours.dtypes]).toEqual([...torchFile.dtypes]);
    expect([...ours.dtypes.keys()]).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', '3.weight', '3.bias']);
    for (const [name, t] of torchFile.tensors) expect([name, ours.tensors.get(name)!.shape, [...ours.tensors.get(name)!.values()]]).toEqual([name, t.shape, [...t.values()]]);
    expect(ours.others.get('1.num_batches_tracked')).toEqual(torchFile.others.get('1.num_batches_tracked'));
  });

  it('matgrad-export.safetensors (checked in PyTorch by make_fixtures.py check) is what toSafetensors writes today', () => {
    const bytes = matgradExport();
    expect(Buffer.from(bytes).equals(fixture('matgrad-export.safetensors'))).toBe(true);
  });

  it('round-trips through the PyTorch layout, float32 and float64, any depth', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const a = new MLP({ sizes: [4, 6, 5, 3], batchNorm: true, dropout: 0.2, dtype, seed: 1 });
      a.forward(tensor([[1, 2, 3, 4], [0, -1, 2, 5], [3, 3, 1, 0]], { dtype }));
      const b = new MLP({ sizes: [4, 6, 5, 3], batchNorm: true, dropout: 0.2, dtype, seed: 2 });
      fromSafetensors(b, toSafetensors(a, { layout: 'pytorch' }), { layout: 'pytorch' });
      expect(snapshot(b)).toEqual(snapshot(a));
      expect((b.layers.at(1) as BatchNorm1d).numBatchesTracked).toBe(1);
    }
  });

  it('names modules other than an MLP by their own tree, as PyTorch would', () => {
    const net = new Sequential(new Linear(2, 3, { seed: 1 }), new ReLU(), new BatchNorm1d(3), new Linear(3, 1, { seed: 2, bias: false }));
    const names = [...readSafetensors(toSafetensors(net, { layout: 'pytorch' })).dtypes.keys()];
    expect(names).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '2.running_mean', '2.running_var', '2.num_batches_tracked', '3.weight']);
    expect(() => toSafetensors(net.stateDict(), { layout: 'pytorch' })).toThrow("toSafetensors: the 'pytorch' layout maps a module's names, so the source must be a Module");
  });
});
