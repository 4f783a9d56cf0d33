import { applyRule, type Creator, type Op } from './op.js';
import { formatShape, sameShape } from './shape.js';
import { Tensor } from './tensor.js';

let gradEnabled = true;
let anomalyDetection = false;
/** The op whose backward rule is running, so an anomaly inside a rule names it. */
let ruleRunning: string | null = null;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
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

/** Runs `fn` without recording a graph: for evaluation and for parameter updates. */
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

export function isAnomalyDetectionEnabled(): boolean {
  return anomalyDetection;
}

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
  const nd = t.nd;
  const values = t.values();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      throw new RangeError(`anomaly detected: ${what} produced ${v} (output shape ${formatShape(nd.shape)}, element ${i})`);
    }
  }
}

/** Runs an op's forward and, when recording, links the output to its inputs. */
export function apply(op: Op, inputs: readonly Tensor[], attrs?: unknown): Tensor {
  const storage = op.compute(
    inputs.map((t) => t.nd),
    attrs,
  );
  const tracked = gradEnabled && inputs.some((t) => t.requiresGrad);
  const creator: Creator | null = tracked ? { op, inputs, attrs, freed: false } : null;
  const out = new Tensor(storage, { requiresGrad: tracked, creator });
  if (anomalyDetection) {
    checkFinite(out, `the forward of '${op.name}'${ruleRunning === null ? '' : ` inside the backward of '${ruleRunning}'`}`);
  }
  return out;
}

export interface OrderOptions {
  /** Treat these tensors as independent variables: do not go past them. */
  stopAt?: ReadonlySet<Tensor>;
  /** Also list inputs that need no gradient (constants, targets), as a drawing does. */
  constants?: boolean;
}

/** Every tensor that `roots` depend on (by default only through tensors requiring grad),
 *  inputs before the ops that use them and in argument order. Iterative, so a chain of
 *  100,000 ops does not overflow the call stack. */
export function topologicalOrder(roots: readonly Tensor[], options: OrderOptions = {}): Tensor[] {
  const { stopAt, constants = false } = options;
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: Array<[Tensor, boolean]> = roots.map((r): [Tensor, boolean] => [r, false]).reverse();
  while (stack.length > 0) {
    const [t, inputsDone] = stack.pop()!;
    if (inputsDone) {
      order.push(t);
      continue;
    }
    if (visited.has(t)) continue;
    visited.add(t);
    stack.push([t, true]);
    if (stopAt?.has(t)) continue;
    const inputs = t.creator?.inputs ?? [];
    for (let i = inputs.length - 1; i >= 0; i--) {
      const input = inputs[i]!;
      if ((constants || input.requiresGrad) && !visited.has(input)) stack.push([input, false]);
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
 *  that meet at a node (fan-out). Returns the gradient of every tensor reached. */
export function backwardPass(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  options: BackwardPassOptions = {},
): Map<Tensor, Tensor> {
  const grads = new Map<Tensor, Tensor>();
  roots.forEach((root, i) => accumulate(grads, root, seeds[i]!));
  const stopAt = options.stopAt ?? new Set<Tensor>();
  const order = topologicalOrder(roots, { stopAt });
  withGradMode(options.createGraph === true, () => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const creator = t.creator;
      const dC = grads.get(t);
      if (creator === null || dC === undefined || stopAt.has(t)) continue;
      if (creator.freed) {
        throw new Error(
          `backward: the graph through op '${creator.op.name}' (output ${formatShape(t.shape)}) was freed by an earlier ` +
            `backward(); pass { retainGraph: true } to the first backward() to run backward through it again`,
        );
      }
      const ctx = { inputs: creator.inputs, output: t, attrs: creator.attrs };
      const dInputs = creator.inputs.map((input, k) => {
        if (!input.requiresGrad) return null;
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
        accumulate(grads, input, g);
        return g;
      });
      options.onStep?.({ op: creator.op, output: t, dOutput: dC, inputs: creator.inputs, dInputs });
      if (options.retainGraph !== true) creator.freed = true;
      if (options.retainGrads !== true && !roots.includes(t) && !stopAt.has(t)) grads.delete(t);
    }
  });
  return grads;
}

function accumulate(grads: Map<Tensor, Tensor>, t: Tensor, g: Tensor): void {
  const existing = grads.get(t);
  grads.set(t, existing === undefined ? g : existing.add(g));
}
