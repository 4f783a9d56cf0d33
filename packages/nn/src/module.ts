import { Tensor } from '@matgrad/core';
import { formatShape, sameShape } from './shapes.js';
import { argumentError, checkBoolean, checkFunction } from './validate.js';

/** Names that could reach an object's prototype if a name were ever used as a plain-object key. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

function checkName(owner: Module, name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.') || RESERVED_NAMES.has(name)) {
    throw new TypeError(
      `${owner.constructor.name}: the name ${JSON.stringify(name)} is not allowed; expected a non-empty string without '.' ` +
        `(dots join the names of nested modules) other than __proto__, constructor or prototype`,
    );
  }
}

/**
 * A layer or a network of layers, as in PyTorch's `torch.nn.Module`: it owns parameters
 * (tensors the optimizer trains), buffers (state that is saved but not trained, such as
 * BatchNorm's running statistics) and child modules, each under a name. Names of nested
 * entries are joined with dots (`layers.0.weight`) in registration order, so they are stable
 * across runs and match the names in saved weight files.
 */
export abstract class Module {
  /** Training mode: Dropout drops and BatchNorm uses batch statistics. `eval()` clears it. */
  training = true;
  readonly #parameters = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  /** The module's computation: its output for the input `x` (a batch of rows for the layers
   *  here), recorded in core's graph so that `backward()` reaches the parameters. */
  abstract forward(x: Tensor): Tensor;

  /** Registers a trainable tensor (it is marked requiresGrad) and returns it. */
  protected registerParameter(name: string, value: Tensor): Tensor {
    this.#checkFree(name);
    if (!value.isLeaf) throw new TypeError(`${this.constructor.name}: parameter '${name}' must be a leaf tensor (use detach())`);
    this.#parameters.set(name, value.requireGrad());
    return value;
  }

  /** Registers a tensor that is saved with the parameters but not trained (running
   *  statistics) and returns it. */
  protected registerBuffer(name: string, value: Tensor): Tensor {
    this.#checkFree(name);
    this.#buffers.set(name, value);
    return value;
  }

  /** Registers a child module under `name` (its entries are then named `name.…`) and returns it. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    this.#checkFree(name);
    if (!(module instanceof Module)) throw new TypeError(`${this.constructor.name}: child '${name}' must be a Module`);
    this.#children.set(name, module);
    return module;
  }

  #checkFree(name: string): void {
    checkName(this, name);
    if (this.#parameters.has(name) || this.#buffers.has(name) || this.#children.has(name)) {
      throw new Error(`${this.constructor.name}: the name '${name}' is already registered`);
    }
  }

  /** The parameter registered under `name` on this module (layers read theirs through it,
   *  so `setParameter` and `functionalCall` can substitute another tensor). */
  protected parameter(name: string): Tensor {
    const p = this.#parameters.get(name);
    if (p === undefined) throw new Error(`${this.constructor.name}: no parameter named '${name}'`);
    return p;
  }

  /** The buffer registered under `name` on this module. */
  protected buffer(name: string): Tensor {
    const b = this.#buffers.get(name);
    if (b === undefined) throw new Error(`${this.constructor.name}: no buffer named '${name}'`);
    return b;
  }

  /** This module's direct children, as [name, module], in registration order. */
  namedChildren(): Array<[string, Module]> {
    return [...this.#children];
  }

  /** Every parameter of this module and its descendants, as [dotted name, tensor]. */
  namedParameters(): Array<[string, Tensor]> {
    return this.#collect((m) => m.#parameters);
  }

  /** Every parameter of this module and its descendants (what an optimizer is given). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer of this module and its descendants, as [dotted name, tensor]. */
  namedBuffers(): Array<[string, Tensor]> {
    return this.#collect((m) => m.#buffers);
  }

  /** Parameters and buffers by dotted name: what a weight file holds (PyTorch's state_dict). */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /** A tensor shared by two modules (tied weights) is listed once, under its first name,
   *  so an optimizer does not update it twice. */
  #collect(pick: (m: Module) => Map<string, Tensor>, prefix = '', out: Array<[string, Tensor]> = [], seen = new Set<Tensor>()): Array<[string, Tensor]> {
    for (const [name, t] of pick(this)) {
      if (seen.has(t)) continue;
      seen.add(t);
      out.push([prefix + name, t]);
    }
    for (const [name, child] of this.#children) child.#collect(pick, `${prefix}${name}.`, out, seen);
    return out;
  }

  /** The number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    checkBoolean(`${this.constructor.name}.train`, 'mode', mode);
    this.training = mode;
    for (const child of this.#children.values()) child.train(mode);
    return this;
  }

  /** Sets evaluation mode on this module and every descendant (`train(false)`). */
  eval(): this {
    return this.train(false);
  }

  /** Clears the gradient of every parameter, before the next backward pass accumulates into it. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Replaces the parameter at a dotted name with another tensor of the same shape and dtype;
   *  returns the one it replaced. */
  setParameter(name: string, value: Tensor): Tensor {
    if (typeof name !== 'string') throw argumentError('setParameter', 'name', "a dotted parameter name such as 'layers.0.weight'", name);
    const { owner, key } = this.#resolve(name, 'setParameter');
    const old = owner.#parameters.get(key);
    if (old === undefined) throw new Error(`setParameter: ${this.constructor.name} has no parameter named '${name}'`);
    if (!(value instanceof Tensor)) throw argumentError('setParameter', 'value', `a Tensor (${old.dtype} ${formatShape(old.shape)} for '${name}')`, value);
    if (old.dtype !== value.dtype || !sameShape(old.shape, value.shape)) {
      throw new RangeError(
        `setParameter: '${name}' is ${old.dtype} ${formatShape(old.shape)}, the new tensor is ${value.dtype} ${formatShape(value.shape)}`,
      );
    }
    owner.#parameters.set(key, value);
    return old;
  }

  #resolve(name: string, where: string): { owner: Module; key: string } {
    const parts = name.split('.');
    let owner: Module = this;
    for (const part of parts.slice(0, -1)) {
      const child = owner.#children.get(part);
      if (child === undefined) throw new Error(`${where}: ${this.constructor.name} has no submodule '${part}' on the way to '${name}'`);
      owner = child;
    }
    return { owner, key: parts[parts.length - 1]! };
  }

  /**
   * Copies every entry of `state` into this module's parameters and buffers, in place (an
   * optimizer holding the parameters keeps working). Everything is checked first — every
   * expected name present, none unexpected, same shape and dtype — so on any error the
   * module is left exactly as it was.
   */
  loadStateDict(state: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>): void {
    const given = tensorsByName('loadStateDict', 'state', state);
    const own = this.stateDict();
    const problems: string[] = [];
    // Each source on the target's backend; one elsewhere (weights read on the host for a GPU
    // model) is copied across here, once, before anything is written.
    const ready = new Map<string, Tensor>();
    for (const [name, target] of own) {
      const source = given.get(name);
      if (source === undefined) {
        problems.push(`'${name}' is missing (expected ${target.dtype} ${formatShape(target.shape)})`);
      } else if (!(source instanceof Tensor)) {
        problems.push(`'${name}' is not a Tensor`);
      } else if (source.dtype !== target.dtype || !sameShape(source.shape, target.shape)) {
        problems.push(`'${name}' is ${source.dtype} ${formatShape(source.shape)}, expected ${target.dtype} ${formatShape(target.shape)}`);
      } else {
        const moved = onBackendOf(source, target);
        if (moved === null) problems.push(`'${name}' is on the '${source.backend}' backend, which reads only through promises; expected '${target.backend}' (move it there first)`);
        else ready.set(name, moved);
      }
    }
    for (const name of given.keys()) if (!own.has(name)) problems.push(`'${name}' is not an entry of this ${this.constructor.name}`);
    if (problems.length > 0) throw new Error(`loadStateDict: nothing was loaded: ${problems.join('; ')}`);
    for (const [name, target] of own) target.assign(ready.get(name)!);
  }
}

/**
 * Runs `fn` with some of `module`'s parameters replaced by other tensors (by dotted name),
 * then puts the originals back (PyTorch's `torch.func.functional_call`). Gradients then flow
 * to the substitutes: this is how a whole model is checked with `gradCheck`.
 */
export function functionalCall<T>(module: Module, parameters: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>, fn: () => T): T {
  if (!(module instanceof Module)) throw argumentError('functionalCall', 'module', 'a Module', module);
  const entries = [...tensorsByName('functionalCall', 'parameters', parameters)];
  checkFunction('functionalCall', 'fn', fn, 'a function of no arguments that runs the model');
  const replaced: Array<[string, Tensor]> = [];
  try {
    for (const [name, t] of entries) replaced.push([name, module.setParameter(name, t)]);
    return fn();
  } finally {
    for (const [name, original] of replaced.reverse()) module.setParameter(name, original);
  }
}

/** Tensors by name, given as a Map or a plain object (as stateDict() and a parsed file give them). */
function tensorsByName(where: string, argument: string, value: unknown): ReadonlyMap<string, Tensor> {
  if (value instanceof Map) return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Tensor) {
    throw argumentError(where, argument, 'a Map or a plain object of tensors by name (as stateDict() returns)', value);
  }
  return new Map(Object.entries(value));
}

/** `source` on `target`'s backend (copied when it is elsewhere), or null where its values can
 *  be read only through promises. */
function onBackendOf(source: Tensor, target: Tensor): Tensor | null {
  if (source.backend === target.backend) return source;
  try {
    return source.to(target.backend);
  } catch {
    return null;
  }
}
