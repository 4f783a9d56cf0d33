import type { Tensor } from '../index.js';
import { opName, throughCasts, type GraphView } from './graph.js';

/** The activations a hidden layer of a recognized MLP may use. */
export type HiddenActivation = 'relu' | 'sigmoid' | 'tanh';
const HIDDEN_ACTIVATIONS: readonly string[] = ['relu', 'sigmoid', 'tanh'];

/** Layer λ of the notes: Z⁽λ⁾ = Φ⁽λ⁻¹⁾·W⁽λ⁾ + b⁽λ⁾, then Φ⁽λ⁾ = f(Z⁽λ⁾) (or the loss, for the last). */
export interface MlpLayer {
  /** 1 for the first layer, Λ for the output layer. */
  index: number;
  /** Φ⁽λ⁻¹⁾: the layer's input (the data X for the first layer). */
  input: Tensor;
  /** W⁽λ⁾, of shape [inputs, outputs] (X·W, as the notes write it). */
  weight: Tensor;
  /** b⁽λ⁾, of shape [outputs]. */
  bias: Tensor;
  /** Z⁽λ⁾ = Φ⁽λ⁻¹⁾·W⁽λ⁾ + b⁽λ⁾. */
  preActivation: Tensor;
  /** The activation applied to Z⁽λ⁾; softmaxCrossEntropy for the output layer. */
  activation: HiddenActivation | 'softmaxCrossEntropy';
  /** Φ⁽λ⁾ = f(Z⁽λ⁾); null for the output layer, whose activation is fused into the loss. */
  output: Tensor | null;
  /** The steps inside the layer that only move data: the product Φ·W, the broadcast bias, casts. */
  inner: Tensor[];
}

/** An MLP recognized in a graph: affine layers with elementwise activations, ending in
 *  softmaxCrossEntropy; its backward pass is then written in the notes' Δ⁽λ⁾ form. */
export interface Mlp {
  /** The layers, first to last (index 1 … Λ). */
  layers: MlpLayer[];
  /** The targets given to softmaxCrossEntropy (labels or one-hot rows). */
  targets: Tensor;
}

interface Affine {
  input: Tensor;
  weight: Tensor;
  bias: Tensor;
  inner: Tensor[];
}

/** Z = affine(Φ, W, b), or Z = Φ·W + b written with matmul and a broadcast bias (either order). */
function affineParts(z: Tensor): Affine | null {
  const inner: Tensor[] = [];
  const op = opName(z);
  if (op === 'affine') {
    const [input, weight, bias] = z.creator!.inputs.map((t) => throughCasts(t, inner));
    return { input: input!, weight: weight!, bias: bias!, inner };
  }
  if (op !== 'add') return null;
  const [p, q] = z.creator!.inputs.map((t) => throughCasts(t, inner)) as [Tensor, Tensor];
  for (const [product, bias] of [[p, q], [q, p]] as const) {
    if (opName(product) !== 'matmul' || opName(bias) !== 'broadcastTo') continue;
    const [input, weight] = product.creator!.inputs.map((t) => throughCasts(t, inner)) as [Tensor, Tensor];
    const vector = throughCasts(bias.creator!.inputs[0]!, inner);
    if (input.shape.length !== 2 || weight.shape.length !== 2 || vector.shape.length !== 1) return null;
    return { input, weight, bias: vector, inner: [...inner, product, bias] };
  }
  return null;
}

/**
 * Recognizes the notes' multilayer perceptron: a chain of affine layers with relu, sigmoid or
 * tanh between them, ending in the fused softmax cross-entropy. Every tensor inside must be used
 * once only (a weight shared by two layers, or an activation also used elsewhere, is not an MLP
 * for this purpose: its gradient collects more than the layer's rule).
 */
export function recognizeMlp(loss: Tensor, graph: GraphView): Mlp | null {
  if (opName(loss) !== 'softmaxCrossEntropy') return null;
  const usedOnce = (t: Tensor) => (graph.uses.get(t)?.length ?? 0) === 1;
  const [logits, targets] = loss.creator!.inputs as [Tensor, Tensor];
  const found: Omit<MlpLayer, 'index'>[] = [];
  let z = logits;
  let activation: MlpLayer['activation'] = 'softmaxCrossEntropy';
  let output: Tensor | null = null;
  for (;;) {
    const parts = affineParts(z);
    if (parts === null) return null;
    const inside = [z, parts.weight, parts.bias, ...parts.inner, ...(output === null ? [] : [output])];
    if (!inside.every(usedOnce)) return null;
    found.push({ ...parts, preActivation: z, activation, output });
    const next = parts.input;
    const f = opName(next);
    if (f === null || !HIDDEN_ACTIVATIONS.includes(f)) break;
    activation = f as HiddenActivation;
    output = next;
    z = next.creator!.inputs[0]!;
  }
  const layers = found.reverse().map((layer, i) => ({ ...layer, index: i + 1 }));
  return { layers, targets };
}
