import { compositeCallsOf, conv2d, tensor, type Tensor } from '@matgrad/core';
import { formatTensor } from './describe.js';
import type { Field, FieldValues, Scenario } from './scenarios.js';

const SIDE = 4;
const KERNEL = 2;

/** The image and filter the page starts from (the same as `pnpm graph`'s conv figure). */
const IMAGE = [
  [1, 2, 0, 1],
  [0, 1, 3, 1],
  [2, 0, 1, 0],
  [1, 1, 0, 2],
];
const FILTER = [
  [1, -1],
  [0.5, 2],
];

function grid(prefix: string, label: string, values: number[][]): Field[] {
  return values.flatMap((row, i) => row.map((initial, j): Field => ({ key: `${prefix}${i}${j}`, label: `${label}[${i}][${j}]`, initial, row: `${label} row ${i}` })));
}

const read = (values: FieldValues, prefix: string, n: number): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => values[`${prefix}${i}${j}`] as number));

/** A 1-channel 4×4 image through one 2×2 convolution, then L = Σ relu(Y). */
export const tinyConvolution: Scenario = {
  id: 'conv',
  title: 'Tiny convolution',
  caption:
    'A 1-channel 4×4 image X and a 2×2 filter W: im2col lays the nine 2×2 patches of X out as the columns of col(X) [4×9], so ' +
    'Y = W·col(X) + b is one matrix product, and backward gives dW = dY·col(X)ᵀ, db = dY·1 and dX = col⁻¹(Wᵀ·dY). Hover the ' +
    'im2col or dot node for the numbers.',
  fields: [...grid('x', 'X', IMAGE), ...grid('w', 'W', FILTER), { key: 'b', label: 'b', initial: 0.1, row: 'bias' }],
  build: (v) => {
    const X = tensor([[read(v, 'x', SIDE)]], { dtype: 'float64', requiresGrad: true, name: 'X' });
    const W = tensor([[read(v, 'w', KERNEL)]], { dtype: 'float64', requiresGrad: true, name: 'W' });
    const b = tensor([v.b as number], { dtype: 'float64', requiresGrad: true, name: 'b' });
    return conv2d(X, W, b).named('Y').relu().sum().named('L');
  },
};

export interface IdentityRow {
  identity: string;
  value: string;
}

/** For a node made inside a conv2d call: the layer's three identities, each with its numbers
 *  (and col(X) and dY they are made of), read from the graph's tensors after backward. */
export function convolutionRows(t: Tensor, graph: Iterable<Tensor>): IdentityRow[] {
  if (t.creator === null || !compositeCallsOf(t.creator).some((c) => c.composite.name === 'conv2d')) return [];
  const all = [...graph];
  const named = (name: string) => all.find((x) => x.name === name);
  const col = all.find((x) => x.creator?.op.name === 'im2col');
  const [X, W, b, Y] = ['X', 'W', 'b', 'Y'].map(named);
  if (X?.grad == null || W?.grad == null || b?.grad == null || Y?.grad == null || col === undefined) return [];
  return [
    { identity: 'col(X), the patches as columns', value: formatTensor(col) },
    { identity: 'dY', value: formatTensor(Y.grad.reshape(Y.shape.slice(2))) },
    { identity: 'dW = dY·col(X)ᵀ', value: formatTensor(W.grad.reshape(W.shape.slice(2))) },
    { identity: 'db = dY·1', value: formatTensor(b.grad) },
    { identity: 'dX = col⁻¹(Wᵀ·dY)', value: formatTensor(X.grad.reshape(X.shape.slice(2))) },
  ];
}
