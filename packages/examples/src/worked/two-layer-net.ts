import { randn, softmaxCrossEntropy, tensor, zeros, type DType, type Tensor } from '@matgrad/core';

/** The hidden activation f of the two-layer net. */
export type HiddenActivation = 'relu' | 'sigmoid';

/** The two-layer net's parameters. */
export interface TwoLayerParams {
  W1: Tensor;
  b1: Tensor;
  W2: Tensor;
  b2: Tensor;
}

/**
 * The two-layer net of the matrix-rules note, with its names (Φ0 = X):
 * Z1 = X·W1 + b1, Φ1 = f(Z1), Z2 = Φ1·W2 + b2, L = softmax-with-loss(Z2, Y).
 * Names stay ASCII (Phi1, not Φ1): Graphviz measures other characters as spaces in figures.
 */
export interface TwoLayerNet extends TwoLayerParams {
  activation: HiddenActivation;
  X: Tensor;
  Y: Tensor;
  XW1: Tensor;
  B1: Tensor;
  Z1: Tensor;
  Phi1: Tensor;
  Phi1W2: Tensor;
  B2: Tensor;
  Z2: Tensor;
  L: Tensor;
}

/** Sizes and seed of a two-layer net's parameters. */
export interface TwoLayerInit {
  /** Features per sample (784 for MNIST). */
  inputs: number;
  /** Hidden units. */
  hidden: number;
  /** Output classes. */
  classes: number;
  /** Seeds the weights. */
  seed: number;
  /** Default float64. */
  dtype?: DType;
}

/** He-scaled normal weights (std √(2/fan-in)), zero biases. */
export function initTwoLayerParams({ inputs, hidden, classes, seed, dtype = 'float64' }: TwoLayerInit): TwoLayerParams {
  const weight = (rows: number, cols: number, offset: number, name: string) =>
    randn([rows, cols], { seed: seed + offset, std: Math.sqrt(2 / rows), dtype }).requireGrad().named(name);
  return {
    W1: weight(inputs, hidden, 0, 'W1'),
    b1: zeros([hidden], { dtype }).requireGrad().named('b1'),
    W2: weight(hidden, classes, 1, 'W2'),
    b2: zeros([classes], { dtype }).requireGrad().named('b2'),
  };
}

/** One-hot rows for class indices, named Y as in the note. */
export function oneHot(labels: ArrayLike<number>, classes: number, dtype: DType = 'float64'): Tensor {
  const rows = Array.from({ length: labels.length }, (_, i) => {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(`oneHot: label ${i} is ${label}, expected an integer class in 0..${classes - 1}`);
    }
    return Array.from({ length: classes }, (_, k) => (k === label ? 1 : 0));
  });
  return tensor(rows, { dtype, name: 'Y' });
}

/** The forward pass, every intermediate named so explanations and figures read like the note. */
export function twoLayerForward(X: Tensor, labels: ArrayLike<number>, params: TwoLayerParams, activation: HiddenActivation = 'relu'): TwoLayerNet {
  if (X.shape.length !== 2 || X.shape[1] !== params.W1.shape[0]) {
    throw new RangeError(`twoLayerForward: X has shape [${X.shape.join(', ')}], expected [N, ${params.W1.shape[0]}] to match W1`);
  }
  const [n] = X.shape as [number];
  const { W1, b1, W2, b2 } = params;
  X.named('X');
  const Y = oneHot(labels, W2.shape[1]!, X.dtype);
  const XW1 = X.matmul(W1).named('XW1');
  // The bias is broadcast explicitly so that its row-repeating step (whose rule is db = 1ᵀ·dB) has a name.
  const B1 = b1.broadcastTo([n, b1.shape[0]!]).named('B1');
  const Z1 = XW1.add(B1).named('Z1');
  const Phi1 = (activation === 'relu' ? Z1.relu() : Z1.sigmoid()).named('Phi1');
  const Phi1W2 = Phi1.matmul(W2).named('Phi1W2');
  const B2 = b2.broadcastTo([n, b2.shape[0]!]).named('B2');
  const Z2 = Phi1W2.add(B2).named('Z2');
  const L = softmaxCrossEntropy(Z2, Y).named('L');
  return { ...params, activation, X, Y, XW1, B1, Z1, Phi1, Phi1W2, B2, Z2, L };
}
