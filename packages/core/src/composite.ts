import type { Creator } from './op.js';
import type { Tensor } from './tensor.js';

/**
 * An op written as a composition of other ops (tinygrad's habit: fewer primitives, fewer
 * rules). It has no backward rule of its own: backward runs through the rules of its parts.
 * What it does have is a name, its forward in the rules' notation and the composition, so
 * that explanations and drawings can show which steps belong to it and how it was built.
 */
export interface CompositeSpec {
  /** The composite's name, unique in the library, e.g. `conv2d`. */
  name: string;
  /** The forward in the notation of the rules table, e.g. `Y = W·col(X) + b`. */
  forward: string;
  /** How it is built from other ops, e.g. `im2col → matmul → + b → reshape, transpose`. */
  composition: string;
  /** The backward identities that the parts' rules add up to, e.g. `dW = dY·col(X)ᵀ, …`. */
  identity: string;
}

/** A declared composite: its spec, frozen. `composites()` lists them all. */
export type Composite = Readonly<CompositeSpec>;

/** One call of a composite: the nodes it made share it, so two conv2d layers stay apart. */
export interface CompositeCall {
  /** The composite this call was of. */
  readonly composite: Composite;
}

const declared: Composite[] = [];
/** The calls a node was made inside, innermost first. */
const calls = new WeakMap<Creator, CompositeCall[]>();

/** Declares a composite once, by name, as defineOp declares an op. */
export function defineComposite(spec: CompositeSpec): Composite {
  if (declared.some((c) => c.name === spec.name)) throw new Error(`defineComposite: composite '${spec.name}' is declared twice`);
  const composite = Object.freeze({ ...spec });
  declared.push(composite);
  return composite;
}

/** Every composite of the library: name, forward, composition and resulting identities. */
export function composites(): Composite[] {
  return [...declared];
}

/** Runs `build` (which must read no tensor but `inputs`) and marks every node it recorded
 *  between `inputs` and its result as made inside one call of `composite`. */
export function composed(composite: Composite, inputs: readonly Tensor[], build: () => Tensor): Tensor {
  const output = build();
  mark({ composite }, [output], inputs);
  return output;
}

/** `composed` for a composite with several outputs (split, chunk). */
export function composedMany(composite: Composite, inputs: readonly Tensor[], build: () => Tensor[]): Tensor[] {
  const outputs = build();
  mark({ composite }, outputs, inputs);
  return outputs;
}

function mark(call: CompositeCall, outputs: readonly Tensor[], inputs: readonly Tensor[]): void {
  const stop = new Set(inputs);
  const seen = new Set<Tensor>();
  const stack = outputs.filter((t) => t.creator !== null);
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (stop.has(t) || seen.has(t) || t.creator === null || t.creator.freed) continue;
    seen.add(t);
    const list = calls.get(t.creator);
    if (list === undefined) calls.set(t.creator, [call]);
    else list.push(call);
    stack.push(...t.creator.inputs);
  }
}

/** The composite calls that the node `creator` was made inside, outermost first. */
export function compositeCallsOf(creator: Creator): readonly CompositeCall[] {
  return [...(calls.get(creator) ?? [])].reverse();
}
