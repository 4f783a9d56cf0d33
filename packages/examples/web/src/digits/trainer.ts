import { fromBuffer, noGrad } from '@matgrad/core';
import { createOptimizer, DataLoader, evaluate, evaluateOnDevice, MLP, TensorDataset } from '@matgrad/nn';
import { SteppedTraining, type PageOptimizerName } from '../train/session.js';
import { DIGIT_PIXELS, type DigitSet, type PackedDigits } from './format.js';

/** The digits 0–9. */
export const DIGIT_CLASSES = 10;

/** The page's choices for the digits model. */
export interface DigitsConfig {
  /** Hidden units. */
  hidden: number;
  /** The optimizer, by name. */
  optimizer: PageOptimizerName;
  /** The learning rate. */
  lr: number;
  /** Digits per step. */
  batchSize: number;
  /** Seeds the weights and the batch order. */
  seed: number;
  /** Train on the GPU where the browser has WebGPU (the worker falls back to the CPU). */
  webgpu: boolean;
}

/** What the page starts with. */
export const DEFAULT_DIGITS_CONFIG: DigitsConfig = { hidden: 100, optimizer: 'adam', lr: 0.002, batchSize: 50, seed: 1, webgpu: false };

/** Where digits training stands. */
export interface DigitsProgress {
  /** Steps taken. */
  steps: number;
  /** Epochs done, with the fraction of the current one. */
  epoch: number;
  /** Mean loss of the mini-batches since the last report; null when none ran. */
  trainLoss: number | null;
}

function dataset(set: DigitSet): TensorDataset {
  return new TensorDataset(fromBuffer(set.pixels, [set.count, DIGIT_PIXELS]), set.labels);
}

/** A 784-hidden-10 MLP of @matgrad/nn learning the packed MNIST digits, and predicting drawn ones. */
export class DigitsTrainer {
  /** The model, its optimizer and the step count. */
  readonly training: SteppedTraining;
  readonly #test: DataLoader;
  /** Steps in one pass over the training digits. */
  readonly stepsPerEpoch: number;
  #lossSum = 0;
  #lossCount = 0;

  constructor(data: PackedDigits, config: DigitsConfig = DEFAULT_DIGITS_CONFIG) {
    const { hidden, optimizer, lr, batchSize, seed } = config;
    const model = new MLP({ sizes: [DIGIT_PIXELS, hidden, DIGIT_CLASSES], activation: 'relu', dtype: 'float32', seed });
    const loader = new DataLoader(dataset(data.train), { batchSize, shuffle: true, seed });
    this.training = new SteppedTraining(model, loader, createOptimizer(optimizer, model, { lr }));
    this.#test = new DataLoader(dataset(data.test), { batchSize: 500 });
    this.stepsPerEpoch = loader.length;
  }

  /** One training step; returns its loss. */
  step(): number {
    const loss = this.training.step();
    this.#lossSum += loss;
    this.#lossCount++;
    return loss;
  }

  /** Where training stands; the running training loss starts over after each call. */
  progress(): DigitsProgress {
    const trainLoss = this.#lossCount === 0 ? null : this.#lossSum / this.#lossCount;
    this.#lossSum = 0;
    this.#lossCount = 0;
    return { steps: this.training.steps, epoch: this.training.steps / this.stepsPerEpoch, trainLoss };
  }

  /** Share of the held-out digits classified right (a pass over all of them: call it sparingly). */
  testAccuracy(): number {
    return evaluate(this.training.model, this.#test).accuracy ?? 0;
  }

  /** Class probabilities for one 28×28 image with values in [0, 1]. */
  predict(pixels: Float32Array): Float32Array {
    return Float32Array.from(this.#probabilities(pixels).values());
  }

  // The same on a backend that reads only through promises (WebGPU).
  async stepAsync(): Promise<number> {
    const loss = await this.training.stepAsync();
    this.#lossSum += loss;
    this.#lossCount++;
    return loss;
  }

  async testAccuracyAsync(): Promise<number> {
    return (await evaluateOnDevice(this.training.model, this.#test)).accuracy ?? 0;
  }

  async predictAsync(pixels: Float32Array): Promise<Float32Array> {
    return Float32Array.from(await this.#probabilities(pixels).data());
  }

  #probabilities(pixels: Float32Array) {
    if (pixels.length !== DIGIT_PIXELS) throw new RangeError(`DigitsTrainer.predict: expected ${DIGIT_PIXELS} pixels (28×28), got ${pixels.length}`);
    const model = this.training.model;
    model.eval();
    return noGrad(() => model.forward(fromBuffer(Float32Array.from(pixels), [1, DIGIT_PIXELS])).softmax(1));
  }
}
