import { noGrad } from '@matgrad/core';
import type { Module } from '../module.js';

/** Runs `fn` with the model in eval mode and without recording a graph; the model's mode is
 *  restored afterwards, even when `fn` throws. */
export function inInferenceMode<T>(model: Module, fn: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    model.train(wasTraining);
  }
}
