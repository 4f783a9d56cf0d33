/**
 * Modules, losses, optimizers, data loading, training and safetensors weights (PyTorch's
 * layout too) on @matgrad/core. The file functions (saveWeights, loadWeights, saveCheckpoint,
 * loadCheckpoint) are in `@matgrad/nn/node`.
 * @module @matgrad/nn
 */
export { Module, functionalCall } from './module.js';
export { initStd, initFilters, type Init, type Seeded } from './init.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { ReLU, Sigmoid, Tanh, GELU, LeakyReLU, activationModule, type Activation } from './layers/activations.js';
export { Conv2d, type Conv2dOptions } from './layers/conv.js';
export { MaxPool2d, AvgPool2d } from './layers/pooling.js';
export { Flatten } from './layers/flatten.js';
export { LayerNorm, type LayerNormOptions } from './layers/layernorm.js';
export { Embedding, type EmbeddingOptions } from './layers/embedding.js';
export { ModuleList } from './layers/module-list.js';
export { Dropout } from './layers/dropout.js';
export { BatchNorm1d, type BatchNormOptions } from './layers/batchnorm.js';
export { Sequential } from './layers/sequential.js';
export { MLP, type MLPOptions } from './mlp.js';
export { mse, softmaxCrossEntropy, binaryCrossEntropyWithLogits, l1Loss, huberLoss, nllLoss, type Loss } from './losses.js';
export { Optimizer, clipGradNorm, gradNorm, type OptimizerOptions, type OptimizerState, type Hyperparameters } from './optim/optimizer.js';
export { SGD, Momentum, Nesterov, type MomentumOptions } from './optim/sgd.js';
export { AdaGrad, RMSprop, type AdaGradOptions, type RMSpropOptions } from './optim/adaptive.js';
export { Adam, AdamW, type AdamOptions } from './optim/adam.js';
export { constantLr, cosineLr, stepLr, exponentialLr, type LrSchedule } from './optim/schedules.js';
export { createOptimizer, OPTIMIZER_NAMES, type OptimizerName, type OptimizerOptionsByName } from './optim/by-name.js';
export { TensorDataset, type Batch, type Dataset, type Labels } from './data/dataset.js';
export { DataLoader, type DataLoaderOptions, type DataLoaderState, type ResumableDataset } from './data/loader.js';
export { ResumableRng, type RngState } from './data/resumable-rng.js';
export { trainTestSplit, oneHot, type SplitOptions, type TrainTestSplit } from './data/split.js';
export { spiral, type SpiralOptions } from './data/spiral.js';
export { fit, fitAsync, fitOnDevice, evaluate, type FitOptions, type FitAsyncOptions, type EpochRecord, type BatchReport, type Evaluation } from './train/fit.js';
export { predict } from './train/predict.js';
export { evaluateOnDevice, predictOnDevice } from './train/on-device.js';
export { countCorrect, confusionMatrix, accuracyFromCounts } from './train/metrics.js';
export { toSafetensorsAsync } from './safetensors-async.js';
export {
  toSafetensors,
  fromSafetensors,
  readSafetensors,
  MAX_HEADER_BYTES,
  MAX_RANK,
  type SafetensorsContents,
  type TensorSource,
  type SaveOptions,
  type LoadOptions,
  type LoadReport,
  type SkippedTensor,
} from './io/safetensors.js';
export type { SafetensorsDType, RawTensor, RawValues } from './io/dtypes.js';
export type { WeightsLayout } from './io/layout.js';
export { checkpointToSafetensors, checkpointFromSafetensors, type Checkpoint, type CheckpointTargets, type RestoredCheckpoint } from './io/checkpoint.js';
