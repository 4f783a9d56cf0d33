import { join } from 'node:path';
import { conv2d, fromBuffer, tensor, toDot, type Tensor } from '@matgrad/core';
import { PIXELS_PER_DIGIT, type Digits } from '../data/digits.js';
import { appleBill, appleOrangeBill } from '../worked/bills.js';
import { initTwoLayerParams, twoLayerForward, type TwoLayerNet } from '../worked/two-layer-net.js';
import { withDirection, type GraphDirection } from './dot-layout.js';
import { writeDotFigure, type WrittenFigure } from './render.js';

/** The book's two-layer net: 784-50-10, batches of 100. */
export const MLP_FIGURE_SHAPE = { batch: 100, hidden: 50, classes: 10 } as const;

/** The first batch of `digits` through a freshly initialised 784-50-10 ReLU net, after backward. */
export function mlpAfterOneBatch(digits: Digits, seed = 1): TwoLayerNet {
  const { batch, hidden, classes } = MLP_FIGURE_SHAPE;
  if (digits.count < batch) throw new RangeError(`mlpAfterOneBatch: needs ${batch} digits for one batch, got ${digits.count}`);
  const dtype = digits.features instanceof Float32Array ? 'float32' : 'float64';
  const X = fromBuffer(digits.features.subarray(0, batch * PIXELS_PER_DIGIT), [batch, PIXELS_PER_DIGIT]);
  const params = initTwoLayerParams({ inputs: PIXELS_PER_DIGIT, hidden, classes, seed, dtype });
  const net = twoLayerForward(X, digits.labels.subarray(0, batch), params, 'relu');
  net.L.backward({ retainGrads: true });
  return net;
}

/** The tiny convolution of the playground: a 4×4 image, a 2×2 filter and a bias. */
export const CONV_EXAMPLE = {
  image: [
    [1, 2, 0, 1],
    [0, 1, 3, 1],
    [2, 0, 1, 0],
    [1, 1, 0, 2],
  ],
  filter: [
    [1, -1],
    [0.5, 2],
  ],
  bias: 0.1,
} as const;

/** One convolution layer, L = Σ relu(conv2d(X, W, b)), after backward: Y = W·col(X) + b and its
 *  identities dW = dY·col(X)ᵀ, db = dY·1, dX = col⁻¹(Wᵀ·dY). */
export function convLayerAfterBackward(): { X: Tensor; W: Tensor; b: Tensor; Y: Tensor; L: Tensor } {
  const X = tensor([[CONV_EXAMPLE.image.map((row) => [...row])]], { requiresGrad: true, name: 'X' });
  const W = tensor([[CONV_EXAMPLE.filter.map((row) => [...row])]], { requiresGrad: true, name: 'W' });
  const b = tensor([CONV_EXAMPLE.bias], { requiresGrad: true, name: 'b' });
  const Y = conv2d(X, W, b).named('Y');
  const L = Y.relu().sum().named('L');
  L.backward({ retainGrads: true });
  return { X, W, b, Y, L };
}

/** One figure of the `graph` command. */
export interface GraphFigure {
  /** File name without extension. */
  name: string;
  /** The tensor whose graph is drawn, after backward with retainGrads. */
  root: Tensor;
  /** Default left to right; the two-layer net runs top to bottom, so that its PNG is readable
   *  at its natural size (about 1700 px wide instead of 4100). */
  direction?: GraphDirection;
  /** Draw each op's identity in its box (the conv figure). */
  identities?: boolean;
  /** The PNG's zoom (default 2). */
  scale?: number;
}

/** The figures of the `graph` command: both bills of the seeds and the two-layer net. */
export function graphFigures(digits: Digits): GraphFigure[] {
  return [
    { name: 'apple', root: appleBill().total },
    { name: 'apple-orange', root: appleOrangeBill().total },
    { name: 'mlp', root: mlpAfterOneBatch(digits).L, direction: 'top-to-bottom' },
    // Its boxes carry whole identities: drawn at 1.75× rather than 2× so the PNG fits a 1920 px screen.
    { name: 'conv', root: convLayerAfterBackward().L, identities: true, direction: 'top-to-bottom', scale: 1.75 },
  ];
}

/** Writes each figure as SVG and PNG into `folder`. */
export async function writeGraphFigures(figures: GraphFigure[], folder: string): Promise<WrittenFigure[]> {
  const written: WrittenFigure[] = [];
  // One at a time: Graphviz's WebAssembly instance is shared.
  for (const { name, root, direction = 'left-to-right', identities, scale } of figures) {
    written.push(await writeDotFigure(withDirection(toDot(root, { identities }), direction), join(folder, name), scale === undefined ? undefined : { scale }));
  }
  return written;
}
