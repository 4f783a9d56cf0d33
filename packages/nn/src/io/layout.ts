import type { FloatArray, Tensor } from '@matgrad/core';
import { BatchNorm1d } from '../layers/batchnorm.js';
import { Linear } from '../layers/linear.js';
import { MLP } from '../mlp.js';
import type { Module } from '../module.js';

/**
 * How a model's tensors are named and laid out in a weights file:
 * - `'matgrad'` (the default): the model's own dotted names (`layers.0.weight`), `Linear`
 *   weights as [in, out] (Z = Φ·W + b);
 * - `'pytorch'`: the names and layout of the equivalent PyTorch module's `state_dict()`: an
 *   `MLP` is the `nn.Sequential` it holds (`0.weight`, `0.bias`, `1.running_mean`, …),
 *   `Linear` weights are [out, in] (PyTorch computes x·Wᵀ + b), and each `BatchNorm1d` also
 *   has `running_mean`, `running_var` and an I64 `num_batches_tracked`.
 */
export type WeightsLayout = 'matgrad' | 'pytorch';

export const LAYOUTS: readonly WeightsLayout[] = ['matgrad', 'pytorch'];

/** One tensor of the model as the file holds it. */
export interface LayoutEntry {
  kind: 'tensor';
  /** The name in the file. */
  fileName: string;
  /** The model's own dotted name (as in `stateDict()`). */
  modelName: string;
  tensor: Tensor;
  /** Stored as the transpose of the model's matrix. */
  transposed: boolean;
}

/** A BatchNorm1d's batch counter, which PyTorch saves as an I64 scalar. */
export interface CounterEntry {
  kind: 'counter';
  fileName: string;
  module: BatchNorm1d;
}

/** Every entry of a model's file, in the order it is written. */
export type Layout = Array<LayoutEntry | CounterEntry>;

/** The entries of `model`'s file under `layout`; for PyTorch's, in its `state_dict()` order. */
export function layoutOf(model: Module, layout: WeightsLayout): Layout {
  if (layout === 'matgrad') return [...model.stateDict()].map(([name, tensor]) => ({ kind: 'tensor', fileName: name, modelName: name, tensor, transposed: false }));
  const out: Layout = [];
  walk(model, '', '', out, new Set());
  return out;
}

/** PyTorch's buffer names for matgrad's camel-case ones. */
const PYTORCH_BUFFER_NAMES: Readonly<Record<string, string>> = { runningMean: 'running_mean', runningVar: 'running_var' };

function walk(module: Module, filePrefix: string, modelPrefix: string, out: Layout, seen: Set<Tensor>): void {
  // An MLP holds nothing but its Sequential, which is what PyTorch's equivalent model is.
  if (module instanceof MLP) return walk(module.layers, filePrefix, `${modelPrefix}layers.`, out, seen);
  // Own entries are those without a dot; a child's carry its name as a prefix.
  const own = (list: Array<[string, Tensor]>) => list.filter(([name]) => !name.includes('.'));
  for (const [name, tensor] of [...own(module.namedParameters()), ...own(module.namedBuffers())]) {
    if (seen.has(tensor)) continue;
    seen.add(tensor);
    const fileName = filePrefix + (module instanceof BatchNorm1d ? (PYTORCH_BUFFER_NAMES[name] ?? name) : name);
    out.push({ kind: 'tensor', fileName, modelName: modelPrefix + name, tensor, transposed: module instanceof Linear && name === 'weight' });
  }
  if (module instanceof BatchNorm1d) out.push({ kind: 'counter', fileName: `${filePrefix}num_batches_tracked`, module });
  for (const [name, child] of module.namedChildren()) walk(child, `${filePrefix}${name}.`, `${modelPrefix}${name}.`, out, seen);
}

/** The row-major transpose of a [rows, cols] matrix, in a new array of the same type. */
export function transposeMatrix(values: FloatArray, rows: number, cols: number): FloatArray {
  const out = values instanceof Float32Array ? new Float32Array(values.length) : new Float64Array(values.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  }
  return out;
}
