import { noGrad, optimizerStep, Tensor, zeros, type FloatArray, type OptimizerHyperparameters, type OptimizerRule } from '@matgrad/core';
import { Module } from '../module.js';

/** The options every optimizer takes. */
export interface OptimizerOptions {
  /** The learning rate η: the step is η times the (adapted) gradient. Required, finite, ≥ 0. */
  lr: number;
  /** L2 penalty λ: λ·w is added to each gradient (AdamW instead decays the weights directly). Default 0. */
  weightDecay?: number;
  /** When set, gradients are scaled down so their global L2 norm (over all parameters taken
   *  together) is at most this, before the update; the `.grad` tensors are not changed. */
  clipGradNorm?: number;
}

/** Everything needed to resume training: plain data (typed arrays, numbers), copied out. */
export interface OptimizerState {
  /** The optimizer's name (`Adam`, `SGD`, ...); `loadState` refuses another's state. */
  kind: string;
  /** Steps taken so far. */
  step: number;
  /** The hyperparameters, by name, as they were (the learning rate a schedule had set included). */
  hyperparameters: Record<string, number>;
  /** Per parameter, in order, its running buffers by name (e.g. `m`, `v` for Adam). */
  slots: Array<Record<string, FloatArray>>;
}

/** An optimizer's numeric settings by name (lr, weightDecay, momentum, beta1, ...). */
export type Hyperparameters = Record<string, number>;

/**
 * The shared machinery of the optimizers: the parameter list, gradient clipping, weight
 * decay, step counting and state. Each subclass names its update rule; the update itself is
 * one in-place kernel of the parameters' backend (core's `optimizerStep`), so optimizers run
 * unchanged on every backend and allocate nothing per step.
 */
export abstract class Optimizer<H extends Hyperparameters = Hyperparameters> {
  /** The optimizer's name as recorded in `state()` (explicit: bundlers rename classes). */
  readonly kind: string;
  /** The parameters it updates, in the order given (a module's: `module.parameters()`). */
  readonly params: readonly Tensor[];
  /** The current settings, defaults filled in: the shared ones and the rule's own (momentum,
   *  beta1, ...). Read them here; change the learning rate through `lr`. */
  readonly hyperparameters: H & {
    /** The learning rate η. */
    lr: number;
    /** The weight decay λ (0: none). */
    weightDecay: number;
    /** The largest global gradient norm before clipping (Infinity: no clipping). */
    clipGradNorm: number;
  };
  #step = 0;
  readonly #rule: OptimizerRule;
  readonly #slots: Array<Record<string, Tensor>>;
  /** Each parameter's slots in #slots's order, as optimizerStep takes them (the same tensors:
   *  loadState writes into them). */
  readonly #slotLists: Tensor[][];
  /** What each step hands the rule: the hyperparameters as they are, the clipping scale and the
   *  step count, written into one object (a spread of the hyperparameters took ~0.8 µs a step). */
  readonly #stepSettings: OptimizerHyperparameters;

  protected constructor(kind: string, rule: OptimizerRule, params: Module | Iterable<Tensor>, options: OptimizerOptions, extra: H, slotNames: readonly string[]) {
    this.kind = kind;
    this.#rule = rule;
    this.params = checkParams(this.kind, params);
    const { lr, weightDecay = 0, clipGradNorm = Infinity } = options;
    this.hyperparameters = { ...extra, lr, weightDecay, clipGradNorm };
    checkHyperparameters(this.kind, this.hyperparameters);
    this.#slots = this.params.map((p) => Object.fromEntries(slotNames.map((name) => [name, zeros(p.shape, { dtype: p.dtype, backend: p.backend })])));
    this.#slotLists = this.#slots.map((s) => Object.values(s));
    this.#stepSettings = { ...this.hyperparameters, scale: 1, step: 0 };
  }

  /** The learning rate η of the next step. */
  get lr(): number {
    return this.hyperparameters.lr;
  }
  /** The learning rate may be changed between steps (schedules). */
  set lr(value: number) {
    checkHyperparameters(this.kind, { lr: value });
    this.hyperparameters.lr = value;
  }

  /** The number of `step()` calls so far (restored by `loadState`). */
  get stepCount(): number {
    return this.#step;
  }

  /** Clears every parameter's `.grad` (call it before each backward pass: gradients accumulate). */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** One update of every parameter that has a gradient, in place (parameters without one,
   *  such as frozen ones, are skipped); the step count goes up by one. */
  step(): void {
    this.#step++;
    const { clipGradNorm } = this.hyperparameters;
    let scale = 1;
    if (clipGradNorm !== Infinity) {
      const norm = gradNorm(this.params);
      if (norm > clipGradNorm) scale = clipGradNorm / (norm + 1e-6);
    }
    const h = Object.assign(this.#stepSettings, this.hyperparameters);
    h.scale = scale;
    h.step = this.#step;
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i]!;
      if (p.grad !== null) optimizerStep(this.#rule, p, p.grad, this.#slotLists[i]!, h);
    }
  }

  /**
   * Everything needed to resume training: the step count, the hyperparameters and a copy of
   * each parameter's slots (velocity, running averages). Plain data: store it with a
   * checkpoint or as JSON, and give it back to `loadState` of an optimizer of the same kind
   * over the same parameters.
   *
   * @example
   * ```ts
   * const saved = JSON.stringify(optimizer.state());
   * // later, over the same model:
   * const resumed = new Adam(model, { lr: 0.01 });
   * resumed.loadState(JSON.parse(saved));
   * ```
   */
  state(): OptimizerState {
    return {
      kind: this.kind,
      step: this.#step,
      hyperparameters: { ...this.hyperparameters },
      slots: this.#slots.map((s) => Object.fromEntries(Object.entries(s).map(([name, slot]) => [name, slot.values()]))),
    };
  }

  /** Restores a `state()`: checked in full first, so a mismatch leaves this optimizer as it was. */
  loadState(state: OptimizerState): void {
    const who = `${this.kind}.loadState`;
    if (state === null || typeof state !== 'object') throw new TypeError(`${who}: expected a state object, got ${String(state)}`);
    if (state.kind !== this.kind) throw new TypeError(`${who}: the state is of a ${String(state.kind)}, not a ${this.kind}`);
    if (!Number.isInteger(state.step) || state.step < 0) throw new RangeError(`${who}: step must be a non-negative integer, got ${String(state.step)}`);
    const names = Object.keys(this.hyperparameters);
    const given = state.hyperparameters ?? {};
    const keys = Object.keys(given);
    if (keys.length !== names.length || !names.every((n) => Object.hasOwn(given, n))) {
      throw new TypeError(`${who}: hyperparameters ${JSON.stringify(keys)} do not match ${JSON.stringify(names)}`);
    }
    // JSON carries Infinity (no clipping) as null.
    if (given.clipGradNorm === null) given.clipGradNorm = Infinity;
    checkHyperparameters(who, given);
    if (!Array.isArray(state.slots) || state.slots.length !== this.params.length) {
      throw new RangeError(`${who}: the state has ${Array.isArray(state.slots) ? state.slots.length : 'no'} parameter slots, this optimizer has ${this.params.length} parameters`);
    }
    state.slots.forEach((slot, i) => {
      const own = this.#slots[i]!;
      const expected = Object.keys(own);
      if (slot === null || typeof slot !== 'object' || Object.keys(slot).length !== expected.length || !expected.every((n) => Object.hasOwn(slot, n))) {
        throw new TypeError(`${who}: parameter ${i} has slots ${JSON.stringify(slot === null || typeof slot !== 'object' ? slot : Object.keys(slot))}, expected ${JSON.stringify(expected)}`);
      }
      for (const name of expected) {
        const values = slotValues(slot[name]);
        if (values === null || values.length !== own[name]!.size || Array.from(values).some((v) => typeof v !== 'number')) {
          throw new RangeError(`${who}: slot '${name}' of parameter ${i} must hold ${own[name]!.size} numbers (a Float32Array, Float64Array, array, or a typed array after JSON)`);
        }
      }
    });
    this.#step = state.step;
    Object.assign(this.hyperparameters, given);
    state.slots.forEach((slot, i) => {
      for (const [name, own] of Object.entries(this.#slots[i]!)) own.assign(slotValues(slot[name])!);
    });
  }
}

/** A slot's numbers as given by state(), by a plain array, or by JSON.parse of a typed array
 *  (an object with keys "0", "1", ...); null when it is none of those. */
function slotValues(slot: unknown): ArrayLike<number> | null {
  if (slot instanceof Float32Array || slot instanceof Float64Array || Array.isArray(slot)) return slot as ArrayLike<number>;
  if (slot === null || typeof slot !== 'object') return null;
  const entries = Object.entries(slot);
  if (!entries.every(([k], i) => k === String(i))) return null;
  return entries.map(([, v]) => v as number);
}

/** The parameters to update. Frozen ones (requiresGrad false, as after `requireGrad(false)`) are
 *  kept in the list, as PyTorch keeps them, and skipped at each step: they never get a gradient. */
function checkParams(who: string, params: Module | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Module ? params.parameters() : [...params];
  if (list.length === 0) throw new RangeError(`${who}: got no parameters to optimize`);
  if (new Set(list).size !== list.length) throw new Error(`${who}: a parameter is listed twice; it would be updated twice per step`);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${who}: parameter ${i} must be a Tensor, got ${p === null ? 'null' : typeof p}`);
    if (!p.isLeaf) throw new TypeError(`${who}: parameter ${i} must be a leaf tensor (one no op made); it was made by '${p.creator!.op.name}'`);
  });
  return list;
}

/** Decay rates of running averages: a rate of 1 would never forget, above 1 diverges. */
const RATES = new Set(['momentum', 'rho', 'beta1', 'beta2']);

function checkHyperparameters(who: string, h: Record<string, number>): void {
  for (const [name, value] of Object.entries(h)) {
    if (name === 'clipGradNorm') {
      if (!(typeof value === 'number' && value > 0)) throw new RangeError(`${who}: clipGradNorm must be a positive number (Infinity for no clipping), got ${String(value)}`);
    } else if (RATES.has(name)) {
      if (!(typeof value === 'number' && value >= 0 && value < 1)) throw new RangeError(`${who}: ${name} must be in [0, 1), got ${String(value)}`);
    } else if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`${who}: ${name} must be a finite number ≥ 0, got ${String(value)}`);
    }
  }
}

/** The L2 norm of all the parameters' gradients taken together. */
export function gradNorm(params: Iterable<Tensor>): number {
  let total = 0;
  for (const p of params) {
    const g = p.grad;
    if (g !== null) total += noGrad(() => g.cast('float64').pow(2).sum()).item();
  }
  return Math.sqrt(total);
}

/** Scales the gradients in place so their global L2 norm is at most `maxNorm` (PyTorch's
 *  clip_grad_norm_); returns the norm before clipping. */
export function clipGradNorm(params: Module | Iterable<Tensor>, maxNorm: number): number {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradNorm: maxNorm must be a positive number, got ${maxNorm}`);
  const list = params instanceof Module ? params.parameters() : [...params];
  const norm = gradNorm(list);
  if (norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (const p of list) {
      const g = p.grad;
      if (g !== null) g.assign(noGrad(() => g.mul(scale)));
    }
  }
  return norm;
}
