import type { Tensor } from '@matgrad/core';
import { formatShape, sameShape } from './shapes.js';
import { checkTensor } from './validate.js';

export { softmaxCrossEntropy, binaryCrossEntropyWithLogits, l1Loss, huberLoss, nllLoss } from '@matgrad/core';

/** Mean squared error over every element: mean((prediction − target)²). */
export function mse(prediction: Tensor, target: Tensor): Tensor {
  checkTensor('mse', 'prediction', prediction);
  checkTensor('mse', 'target', target, `a Tensor of the prediction's shape ${formatShape(prediction.shape)}`);
  if (!sameShape(prediction.shape, target.shape)) {
    throw new RangeError(`mse: prediction ${formatShape(prediction.shape)} and target ${formatShape(target.shape)} must have the same shape`);
  }
  const diff = prediction.sub(target);
  return diff.mul(diff).mean();
}

/** A loss takes the model's output and the batch's targets and returns a scalar. */
export type Loss = (output: Tensor, target: Tensor) => Tensor;
