import type { Backend } from './backends/backend.js';
import { full } from './creation.js';
import { keep, tidy, track } from './memory.js';
import { applyRule, Creator, freedMessage, opNamed, type Op, type OpContext } from './op.js';
import { formatShape, sameShape } from './shape.js';
import type { Storage } from './storage.js';
import { engineGrads, Tensor } from './tensor.js';

let gradEnabled = true;
/** How many function transforms (grad, jacobian, ...) are computing around the current code:
 *  inside one, a nested grad records its own backward pass, so the outer one can
 *  differentiate through it (gradients compose as in JAX). */
let transformDepth = 0;

/** Runs `fn` as the body of a function transform (see `transformDepth`). */
export function insideTransform<T>(fn: () => T): T {
  transformDepth++;
  try {
    return fn();
  } finally {
    transformDepth--;
  }
}

/** Whether a backward pass started now must be recorded because an outer transform may
 *  differentiate through it. */
export function recordsNestedBackward(): boolean {
  return transformDepth > 0 && gradEnabled;
}
let anomalyDetection = false;
/** The op whose backward rule is running, so an anomaly inside a rule names it. */
let ruleRunning: string | null = null;

/** Whether ops record a graph now: false inside `noGrad` (unless inside an `enableGrad` in it). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`${enabled ? 'enableGrad' : 'noGrad'}: expected a function to run, got ${fn === null ? 'null' : typeof fn}`);
  const previous = gradEnabled;
  gradEnabled = enabled;
  let result: T;
  try {
    result = fn();
  } finally {
    gradEnabled = previous;
  }
  // The mode is restored when fn returns, i.e. at an async function's first await: the rest
  // of it would silently run in the other mode.
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    throw new TypeError(`${enabled ? 'enableGrad' : 'noGrad'}: the function returned a promise; grad mode covers synchronous code only, so call it inside the async function around the synchronous work`);
  }
  return result;
}

/**
 * Runs `fn` without recording a graph: for evaluation and for parameter updates. Results made
 * inside do not require grad, and no memory is held for a backward pass. Synchronous code
 * only: the previous mode is restored when `fn` returns.
 *
 * @throws TypeError when `fn` returns a promise (an async function would run its rest in the wrong mode).
 * @example
 * ```ts
 * noGrad(() => w.assign(w.sub(w.grad!.mul(0.1)))); // a plain SGD step
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** When on, the first NaN or Inf made by a forward or backward step throws, naming the op. */
export function setAnomalyDetection(on: boolean): void {
  anomalyDetection = on;
}

/** Whether anomaly detection is on (see `setAnomalyDetection`, `detectAnomaly`). */
export function isAnomalyDetectionEnabled(): boolean {
  return anomalyDetection;
}

/** Runs `fn` with anomaly detection on (the first NaN or Inf made by a forward or backward
 *  step throws, naming the op), then restores the previous setting. */
export function detectAnomaly<T>(fn: () => T): T {
  const previous = anomalyDetection;
  anomalyDetection = true;
  try {
    return fn();
  } finally {
    anomalyDetection = previous;
  }
}

function checkFinite(t: Tensor, what: string): void {
  const values = t.values();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      throw new RangeError(`anomaly detected: ${what} produced ${v} (output shape ${formatShape(t.shape)}, element ${i})`);
    }
  }
}

/** The one backend all of an op's inputs live on; mixing backends is an error, not a copy. */
function backendOf(op: Op, inputs: readonly Tensor[]): Backend {
  const backend = inputs[0]!.storage.backend;
  for (let i = 1; i < inputs.length; i++) {
    const other = inputs[i]!.storage.backend;
    if (other !== backend) {
      throw new Error(
        `${op.name}: the inputs are on different backends ('${backend.name}' and '${other.name}'); ` +
          `move one with tensor.to('${backend.name}') or tensor.to('${other.name}')`,
      );
    }
  }
  return backend;
}

/** A tensor no op made (a mask, a comparison's result): off the graph, whatever its source
 *  required, and its buffer returned by the enclosing `tidy` like an op's output. */
export function constant(storage: Storage): Tensor {
  return internal(new Tensor(storage, { requiresGrad: false, creator: null }));
}

/** A leaf that core made for its own use (a number operand, one-hot targets, a seed): the
 *  enclosing `tidy` takes its buffer back like an op's output. */
export function internal(t: Tensor): Tensor {
  track(t.storage.ref);
  return t;
}

/** Runs an op's forward on its inputs' backend and, when recording, links the output to them. */
export function apply(op: Op, inputs: readonly Tensor[], attrs?: unknown): Tensor {
  // Plain loops rather than map/some: this runs once per op, and on small tensors its own
  // cost is a visible part of the op's.
  const backend = backendOf(op, inputs);
  const count = inputs.length;
  const storages = new Array<Storage>(count);
  let anyRequiresGrad = false;
  for (let i = 0; i < count; i++) {
    const input = inputs[i]!;
    storages[i] = input.storage;
    if (input.requiresGrad) anyRequiresGrad = true;
  }
  const storage = op.compute(storages, attrs, backend);
  // A view of an input shares its buffer, which the input's own scope already holds.
  let isView = false;
  for (let i = 0; i < count; i++) if (storages[i]!.ref === storage.ref) isView = true;
  if (!isView) track(storage.ref);
  const tracked = gradEnabled && anyRequiresGrad;
  const out = new Tensor(storage, { requiresGrad: tracked, creator: tracked ? new Creator(op, inputs, attrs) : null });
  if (anomalyDetection) {
    checkFinite(out, `the forward of '${op.name}'${ruleRunning === null ? '' : ` inside the backward of '${ruleRunning}'`}`);
  }
  return out;
}

/** Options of `topologicalOrder`. */
export interface OrderOptions {
  /** The function to name in errors (default 'topologicalOrder'). */
  caller?: string;
  /** Treat these tensors as independent variables: do not go past them. */
  stopAt?: ReadonlySet<Tensor>;
  /** Also list inputs that need no gradient (constants, targets), as a drawing does. */
  constants?: boolean;
}

/** Every tensor that `roots` depend on (by default only through tensors requiring grad),
 *  inputs before the ops that use them and in argument order. Iterative, so a chain of
 *  100,000 ops does not overflow the call stack. */
export function topologicalOrder(roots: readonly Tensor[], options: OrderOptions = {}): Tensor[] {
  const { stopAt, constants = false, caller = 'topologicalOrder' } = options;
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Two parallel stacks (a tensor, and whether its inputs are done) instead of a stack of
  // pairs: a backward pass runs this every step, and the pairs were garbage.
  const stack: Tensor[] = [];
  const inputsDone: boolean[] = [];
  for (let i = roots.length - 1; i >= 0; i--) {
    stack.push(roots[i]!);
    inputsDone.push(false);
  }
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (inputsDone.pop()!) {
      order.push(t);
      continue;
    }
    if (visited.has(t)) continue;
    visited.add(t);
    stack.push(t);
    inputsDone.push(true);
    if (stopAt?.has(t)) continue;
    const creator = t.creator;
    if (creator === null) continue;
    if (creator.freed) throw new Error(`${caller}: ${freedMessage(creator.op.name, formatShape(t.shape))}`);
    const inputs = creator.inputs;
    for (let i = inputs.length - 1; i >= 0; i--) {
      const input = inputs[i]!;
      if ((constants || input.requiresGrad) && !visited.has(input)) {
        stack.push(input);
        inputsDone.push(false);
      }
    }
  }
  return order;
}

export interface BackwardStep {
  /** The op whose rule ran, its output tensor and the gradient that arrived at it. */
  op: Op;
  output: Tensor;
  dOutput: Tensor;
  inputs: readonly Tensor[];
  /** The gradient sent to each input (null where the input needs none). */
  dInputs: readonly (Tensor | null)[];
}

export interface BackwardPassOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
  /** Keep the gradient of every intermediate tensor in the returned map, not only the leaves'. */
  retainGrads?: boolean;
  /** Treat these tensors as independent variables: the sweep does not go past them. */
  stopAt?: ReadonlySet<Tensor>;
  onStep?: (step: BackwardStep) => void;
}

/** The reverse sweep: applies each op's rules from the outputs back, summing the gradients
 *  that meet at a node (fan-out). Returns the gradient of every tensor reached. Without
 *  `retainGraph`, each node is freed once its rules ran; the gradients consumed on the way and
 *  the rules' temporaries go back to the backend's pool at the end (unless `onStep` was given
 *  them to keep). */
export function backwardPass(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  options: BackwardPassOptions = {},
): Map<Tensor, Tensor> {
  // Inline arrows rather than named closures: run through tsx (keepNames, as the benchmark
  // and the tests run), each named closure made costs a defineProperty call.
  if (options.onStep !== undefined) return withGradMode(options.createGraph === true, () => reverseSweep(roots, seeds, options));
  return tidy(() => withGradMode(options.createGraph === true, () => reverseSweep(roots, seeds, options)));
}

function reverseSweep(roots: readonly Tensor[], seeds: readonly Tensor[], options: BackwardPassOptions): Map<Tensor, Tensor> {
  const grads = new Map<Tensor, Tensor>();
  roots.forEach((root, i) => accumulate(grads, root, seeds[i]!));
  const { stopAt, onStep } = options;
  const order = topologicalOrder(roots, { stopAt, caller: 'backward' });
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i]!;
    const creator = t.creator;
    if (creator === null || stopAt?.has(t)) continue;
    const dC = grads.get(t);
    if (dC === undefined) continue;
    checkUnchanged(creator, t);
    const inputs = creator.inputs;
    const ctx = { inputs, output: t, attrs: creator.attrs };
    const dInputs = new Array<Tensor | null>(inputs.length);
    for (let k = 0; k < inputs.length; k++) {
      const input = inputs[k]!;
      dInputs[k] = input.requiresGrad ? inputGradient(creator, k, input, dC, ctx) : null;
      if (dInputs[k] !== null) accumulate(grads, input, dInputs[k]!);
    }
    onStep?.({ op: creator.op, output: t, dOutput: dC, inputs, dInputs });
    if (options.retainGraph !== true) creator.free();
    if (options.retainGrads !== true && !roots.includes(t) && !stopAt?.has(t)) grads.delete(t);
  }
  return grads;
}

/** The gradient that `creator`'s rule k sends to its input, checked. */
function inputGradient(creator: Creator, k: number, input: Tensor, dC: Tensor, ctx: OpContext<unknown>): Tensor {
  ruleRunning = creator.op.name;
  let g: Tensor;
  try {
    g = applyRule(creator.op, k, dC, ctx);
  } finally {
    ruleRunning = null;
  }
  if (!sameShape(g.shape, input.shape)) {
    throw new Error(
      `backward: rule of '${creator.op.name}' gave a gradient of shape ${formatShape(g.shape)} for input ${k} ` +
        `of shape ${formatShape(input.shape)}`,
    );
  }
  if (anomalyDetection) checkFinite(g, `the backward of '${creator.op.name}' (gradient for input ${k})`);
  return g;
}

/** The rules read the op's inputs as they were in the forward: one written in place since
 *  (an optimizer step between forward and backward, an assign) would make them silently wrong. */
function checkUnchanged(creator: Creator, output: Tensor): void {
  const inputs = creator.inputs;
  for (let k = 0; k < inputs.length; k++) {
    const input = inputs[k]!;
    if (input.storage.ref.version === creator.inputVersions[k]) continue;
    const label = input.name === undefined ? `input ${k}` : `'${input.name}' (input ${k})`;
    throw new Error(
      `backward: ${label} of '${creator.op.name}' (shape ${formatShape(input.shape)}, feeding an output of shape ${formatShape(output.shape)}) ` +
        'was modified in place (by assign or an optimizer step) after the forward pass used it, so its gradient would be wrong; ' +
        'run the forward pass again after the update (or update after backward)',
    );
  }
}

function accumulate(grads: Map<Tensor, Tensor>, t: Tensor, g: Tensor): void {
  const existing = grads.get(t);
  grads.set(t, existing === undefined ? g : sumOf(existing, g));
}

/** Two gradients meeting at one tensor (the fan-out rule), as an 'add' node when recording.
 *  The op is found by name so that the engine does not import the op files that import it. */
function sumOf(a: Tensor, b: Tensor): Tensor {
  return apply(opNamed('add'), [a, b]);
}

/** Options of `Tensor.backward` (and of the engine's `backward`). */
export interface BackwardOptions {
  /** dL/d(this tensor); required when the tensor is not a scalar. */
  gradient?: Tensor | number;
  /** Keep the graph so backward can run through it again (or it can be drawn afterwards). */
  retainGraph?: boolean;
  /** Record the backward pass itself, so the gradients can be differentiated again. */
  createGraph?: boolean;
  /** Also keep `.grad` on every intermediate tensor (for figures and explanations); the graph
   *  is then kept too (so it can be drawn), unless `retainGraph: false` is passed. */
  retainGrads?: boolean;
}

/** `output.backward()`: seeds the sweep (1 for a scalar output, else the given gradient) and
 *  adds ∂output/∂leaf into every leaf's `.grad`. */
export function backward(output: Tensor, options: BackwardOptions = {}): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`backward: options must be an object such as { gradient, retainGraph }, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  const { gradient } = options;
  if (gradient !== undefined && typeof gradient !== 'number' && !(gradient instanceof Tensor)) {
    throw new TypeError(`backward: options.gradient must be a Tensor of shape ${formatShape(output.shape)} or a number, got ${gradient === null ? 'null' : Array.isArray(gradient) ? 'an array (wrap it with tensor())' : typeof gradient}`);
  }
  if (!output.requiresGrad) {
    throw new Error(`backward: this tensor (shape ${formatShape(output.shape)}) does not require grad; none of the tensors it was computed from has requiresGrad: true`);
  }
  const seed = upstreamGradient(output, options.gradient);
  const createGraph = options.createGraph ?? recordsNestedBackward();
  const retainGrads = options.retainGrads === true;
  const grads = backwardPass([output], [seed], { retainGraph: options.retainGraph ?? (createGraph || retainGrads), createGraph, retainGrads });
  if (createGraph) storeGradients(grads, seed, createGraph, retainGrads);
  else noGrad(() => storeGradients(grads, seed, createGraph, retainGrads));
}

/** Adds the gradients backward found into `.grad` of the leaves (and, with retainGrads, of
 *  every tensor reached), each owning its memory and kept past the enclosing tidy. */
function storeGradients(grads: Map<Tensor, Tensor>, seed: Tensor, createGraph: boolean, retainGrads: boolean): void {
  const aliased = aliasedBuffers(grads, seed);
  for (const [t, g] of grads) {
    if (!(t.isLeaf ? t.requiresGrad : retainGrads)) continue;
    const own = createGraph || ownsBuffer(g, aliased) ? g : materialize(g);
    const previous = t.grad;
    t.grad = previous === null ? own : sumOf(previous, own);
    if (previous !== null && engineGrads.has(previous)) {
      engineGrads.delete(previous);
      previous.dispose();
    }
    if (!createGraph) engineGrads.add(t.grad);
    keep(t.grad);
  }
}

function upstreamGradient(t: Tensor, gradient: Tensor | number | undefined): Tensor {
  const options = { dtype: t.dtype, backend: t.backend };
  if (gradient === undefined) {
    if (t.size !== 1) {
      throw new RangeError(
        `backward: the output has shape ${formatShape(t.shape)}; backward() without an upstream gradient needs a scalar output. ` +
          `Pass { gradient } of shape ${formatShape(t.shape)} or reduce the output first (e.g. .sum() or .mean())`,
      );
    }
    return internal(full(t.shape, 1, options));
  }
  const g = typeof gradient === 'number' ? internal(full(t.shape, gradient, options)) : gradient;
  if (!sameShape(g.shape, t.shape)) {
    throw new RangeError(`backward: the upstream gradient has shape ${formatShape(g.shape)}, expected the output's shape ${formatShape(t.shape)}`);
  }
  // In the output's dtype, so a float64 seed does not turn a float32 graph's gradients float64.
  return g.dtype === t.dtype ? g : apply(opNamed('cast'), [g], { dtype: t.dtype });
}

/** A gradient handed out owns its memory: rules pass one gradient to several inputs (add) or
 *  hand out views, and an optimizer that clips gradients in place must not touch another's. */
export function materialize(g: Tensor): Tensor {
  return new Tensor(g.storage.backend.copy(g.storage, g.dtype), { requiresGrad: false, creator: null });
}

/** Buffers that more than one gradient views, and the caller's seed: those must be copied. */
function aliasedBuffers(grads: Map<Tensor, Tensor>, seed: Tensor): Set<unknown> {
  const seen = new Set<unknown>();
  const aliased = new Set<unknown>([seed.storage.ref]);
  for (const g of grads.values()) {
    if (seen.has(g.storage.ref)) aliased.add(g.storage.ref);
    seen.add(g.storage.ref);
  }
  return aliased;
}

/** A fresh row-major gradient nobody else views can be stored as it is, without a copy. */
function ownsBuffer(g: Tensor, aliased: Set<unknown>): boolean {
  return g.storage.isContiguous && g.storage.ref.pooled && !aliased.has(g.storage.ref);
}
