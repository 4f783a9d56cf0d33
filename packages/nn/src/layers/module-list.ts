import type { Tensor } from '@matgrad/core';
import { Module } from '../module.js';

/** Modules held in a list (PyTorch's nn.ModuleList), named '0', '1', …, so their parameters are
 *  found, saved and trained; unlike Sequential it has no forward of its own: the owner decides
 *  how to call them. */
export class ModuleList extends Module {
  readonly #modules: Module[] = [];

  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds `module` at the end, registered under the next index as its name; returns this list. */
  append(module: Module): this {
    this.#modules.push(this.registerModule(String(this.#modules.length), module));
    return this;
  }

  /** The number of modules held. */
  get length(): number {
    return this.#modules.length;
  }

  /** The module at `index` (negative counts from the end, as Array.at); throws when out of range. */
  at(index: number): Module {
    const m = this.#modules.at(index);
    if (m === undefined) throw new RangeError(`ModuleList.at: index ${index} is out of range for ${this.#modules.length} modules`);
    return m;
  }

  /** The modules in order. */
  [Symbol.iterator](): Iterator<Module> {
    return this.#modules[Symbol.iterator]();
  }

  forward(_x: Tensor): Tensor {
    throw new Error('ModuleList.forward: a ModuleList only holds modules; call them from the forward of the module that owns it (or use Sequential)');
  }
}
