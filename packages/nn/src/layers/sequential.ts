import type { Tensor } from '@matgrad/core';
import { Module } from '../module.js';
import { argumentError, checkTensor } from '../validate.js';

/** Modules applied one after another; they are named '0', '1', … (so `layers.0.weight`). */
export class Sequential extends Module {
  readonly #layers: Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((layer, i) => {
      if (!(layer instanceof Module)) throw argumentError('Sequential', `layer ${i}`, 'a Module (e.g. new Linear(2, 3))', layer);
    });
    this.#layers = layers.map((layer, i) => this.registerModule(String(i), layer));
  }

  /** The number of layers. */
  get length(): number {
    return this.#layers.length;
  }

  /** The layer at `index` (negative counts from the end, as Array.prototype.at). */
  at(index: number): Module {
    // Array.prototype.at would read 'a' or 1.5 as a valid index.
    if (!Number.isInteger(index)) throw argumentError('Sequential.at', 'index', 'an integer', index);
    const layer = this.#layers.at(index);
    if (layer === undefined) throw new RangeError(`Sequential.at: index ${index} is out of range for ${this.#layers.length} layers`);
    return layer;
  }

  /** The layers in order. */
  [Symbol.iterator](): Iterator<Module> {
    return this.#layers[Symbol.iterator]();
  }

  /** Each layer's forward applied to the previous one's output. */
  forward(x: Tensor): Tensor {
    checkTensor('Sequential.forward', 'x', x);
    let y = x;
    for (const layer of this.#layers) y = layer.forward(y);
    return y;
  }
}
