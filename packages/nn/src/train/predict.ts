import { Tensor } from '@matgrad/core';
import type { Batch } from '../data/dataset.js';
import type { Module } from '../module.js';
import { formatShape } from '../shapes.js';
import { argumentError, checkIterable } from '../validate.js';
import { checkedBatches, checkModel } from './arguments.js';
import { inInferenceMode } from './inference.js';
import { argmax } from './metrics.js';

/**
 * The arg-max class of every row: of `inputs` [N, features] in one forward pass, or of the
 * batches' `x` in order (their `y` is not used). Runs like `evaluate`: in eval mode, without
 * recording a graph, the model's mode restored afterwards.
 *
 * @example
 * ```ts
 * const classes = predict(model, xTest); // Int32Array, one class per row of xTest
 * ```
 */
export function predict(model: Module, inputs: Iterable<Batch> | Tensor): Int32Array {
  checkModel('predict', model);
  const expected = 'a Tensor [N, features] or an iterable of { x, y } batches';
  if (inputs instanceof Tensor) {
    if (inputs.shape.length < 2) throw argumentError('predict', 'inputs', expected, inputs, 'range');
  } else {
    checkIterable('predict', 'inputs', inputs, expected);
  }
  return inInferenceMode(model, () => {
    if (inputs instanceof Tensor) return classesOf(model.forward(inputs), inputs);
    const parts: Int32Array[] = [];
    for (const { x } of checkedBatches('predict', inputs, { targets: false })) parts.push(classesOf(model.forward(x), x));
    const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  });
}

function classesOf(scores: Tensor, x: Tensor): Int32Array {
  const rows = x.shape[0];
  if (scores.shape.length !== 2 || scores.shape[0] !== rows || scores.shape[1]! < 2) {
    throw new RangeError(
      `predict: the model gave ${formatShape(scores.shape)} for an input of shape ${formatShape(x.shape)}; expected class scores [N, C] with N = ${rows} rows and C ≥ 2 classes`,
    );
  }
  const classes = scores.shape[1]!;
  const values = scores.values();
  return Int32Array.from({ length: rows }, (_, i) => argmax(values, i * classes, classes));
}
