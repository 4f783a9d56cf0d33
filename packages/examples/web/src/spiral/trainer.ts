import { fromBuffer, noGrad, type Tensor } from '@matgrad/core';
import { createOptimizer, DataLoader, evaluate, MLP, spiral, type Activation, type TensorDataset } from '@matgrad/nn';
import { SteppedTraining, type PageOptimizerName } from '../train/session.js';

/** The spiral's arms, one class each. */
export const SPIRAL_CLASSES = 3;
/** The spiral's points lie in [−1, 1]²; the painted square shows a margin around them. */
export const VIEW_EXTENT = 1.1;

/** The page's choices for the spiral model. */
export interface SpiralConfig {
  /** Units per hidden layer. */
  hidden: number;
  /** Hidden layers of `hidden` units each. */
  layers: number;
  /** The hidden activation. */
  activation: Activation;
  /** The optimizer, by name. */
  optimizer: PageOptimizerName;
  /** The learning rate. */
  lr: number;
  /** Points per step. */
  batchSize: number;
  /** Seeds the points, the weights and the batch order. */
  seed: number;
}

/** What the page starts with. */
export const DEFAULT_SPIRAL_CONFIG: SpiralConfig = {
  hidden: 32,
  layers: 1,
  activation: 'relu',
  optimizer: 'adam',
  lr: 0.01,
  batchSize: 50,
  seed: 1,
};

/** How the spiral model does now. */
export interface SpiralScore {
  /** Steps taken. */
  steps: number;
  /** Passes over the points finished. */
  epochs: number;
  /** Mean loss and accuracy over all the points, measured now. */
  loss: number;
  /** Share of points classified right. */
  accuracy: number;
}

/** An MLP of @matgrad/nn learning the three-arm spiral, and the class regions it has drawn. */
export class SpiralTrainer {
  /** The 300 points. */
  readonly data: TensorDataset;
  /** The model, its optimizer and the step count. */
  readonly training: SteppedTraining;
  readonly #everything: DataLoader;

  constructor(readonly config: SpiralConfig) {
    const { hidden, layers, activation, optimizer, lr, batchSize, seed } = config;
    if (!Number.isInteger(layers) || layers < 1 || layers > 3) throw new RangeError(`SpiralTrainer: layers must be 1, 2 or 3, got ${layers}`);
    this.data = spiral({ pointsPerClass: 100, classes: SPIRAL_CLASSES, seed, dtype: 'float32' });
    const model = new MLP({ sizes: [2, ...Array<number>(layers).fill(hidden), SPIRAL_CLASSES], activation, dtype: 'float32', seed });
    const loader = new DataLoader(this.data, { batchSize, shuffle: true, seed });
    this.training = new SteppedTraining(model, loader, createOptimizer(optimizer, model, { lr }));
    this.#everything = new DataLoader(this.data, { batchSize: this.data.length });
  }

  /** One training step; returns its loss. */
  step(): number {
    return this.training.step();
  }

  /** Changes the learning rate between steps. */
  set lr(value: number) {
    this.training.optimizer.lr = value;
  }

  /** The loss and accuracy over all the points, measured now. */
  score(): SpiralScore {
    const { loss, accuracy } = evaluate(this.training.model, this.#everything);
    return { steps: this.training.steps, epochs: this.training.epochs, loss, accuracy: accuracy ?? 0 };
  }

  /** Class probabilities on a size×size grid over the view, row 0 at the top: [size², classes]. */
  regions(size: number): Float32Array {
    const points = new Float32Array(size * size * 2);
    for (let row = 0; row < size; row++) {
      for (let col = 0; col < size; col++) {
        const k = row * size + col;
        points[2 * k] = ((col + 0.5) / size) * 2 * VIEW_EXTENT - VIEW_EXTENT;
        points[2 * k + 1] = VIEW_EXTENT - ((row + 0.5) / size) * 2 * VIEW_EXTENT;
      }
    }
    const model = this.training.model;
    model.eval();
    const probabilities: Tensor = noGrad(() => model.forward(fromBuffer(points, [size * size, 2])).softmax(1));
    return Float32Array.from(probabilities.values());
  }

  /** The training points and their classes, for drawing. */
  points(): { xy: Float32Array; labels: Uint8Array } {
    return { xy: Float32Array.from(this.data.x.values()), labels: Uint8Array.from(this.data.y.values()) };
  }
}
