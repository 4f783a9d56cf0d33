import type { Backend } from './backends/backend.js';
import type { Storage } from './storage.js';
import type { Tensor } from './tensor.js';

/** What a gradient rule sees: the op's inputs and output (as tensors, so rules are
 *  differentiable themselves) and its attributes (axis, shape, exponent, ...). */
export interface OpContext<Attrs> {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: Attrs;
}

/** dC arrives from upstream; a rule returns the gradient for one input. */
export type GradientRule<Attrs> = (dC: Tensor, ctx: OpContext<Attrs>) => Tensor;

/** For ops that take any number of inputs (concat): one rule, told which input k it is for. */
export type IndexedGradientRule<Attrs> = (dC: Tensor, ctx: OpContext<Attrs>, k: number) => Tensor;

export interface OpSpec<Attrs = undefined> {
  name: string;
  /** The forward computation in the notation of the rules table, e.g. `C = A·B`. */
  forward: string;
  /** The backward pass as a matrix identity, e.g. `dA = dC·Bᵀ, dB = Aᵀ·dC`. */
  identity: string;
  /** Computes the output from the inputs' storages by naming kernels of `backend` (or by
   *  making a view of an input); inputs arrive already checked and on that backend. */
  compute(inputs: Storage[], attrs: Attrs, backend: Backend): Storage;
  /** One rule per input, in input order; or one indexed rule for every input. */
  gradients: GradientRule<Attrs>[] | IndexedGradientRule<Attrs>;
}

/** An op as the engine knows it; `Op` carries no type parameter so graphs can hold any op. */
export interface Op {
  /** The op's name, as `t.creator.op.name` reports it and errors name it (`matmul`, `sum`, ...). */
  readonly name: string;
  /** The forward computation in the notation of the rules table, e.g. `C = A·B`. */
  readonly forward: string;
  /** The backward pass as a matrix identity, e.g. `dA = dC·Bᵀ, dB = Aᵀ·dC`. */
  readonly identity: string;
  /** Computes the output from the inputs' storages with `backend`'s kernels (or as a view of an input). */
  compute(inputs: Storage[], attrs: unknown, backend: Backend): Storage;
  /** One gradient rule per input, in input order, or one indexed rule for every input (concat). */
  readonly gradients: readonly GradientRule<unknown>[] | IndexedGradientRule<unknown>;
}

/** The gradient of `op`'s output with respect to its input k, given dC. */
export function applyRule(op: Op, k: number, dC: Tensor, ctx: OpContext<unknown>): Tensor {
  return typeof op.gradients === 'function' ? op.gradients(dC, ctx, k) : op.gradients[k]!(dC, ctx);
}

/** The node a non-leaf tensor was made by: the edges of the computational graph. A backward
 *  pass without `retainGraph` frees it: it lets go of its inputs and attributes, so a tensor
 *  kept after backward (a loss pushed into an array) holds on to nothing but itself. */
export class Creator {
  #inputs: readonly Tensor[] | null;
  #attrs: unknown;
  /** The write versions of the inputs' memory when the op ran (see BufferRef.version). */
  readonly inputVersions: readonly number[];

  constructor(
    /** The op that made the tensor. */
    readonly op: Op,
    inputs: readonly Tensor[],
    attrs: unknown,
  ) {
    this.#inputs = inputs;
    this.#attrs = attrs;
    const versions: number[] = [];
    for (let k = 0; k < inputs.length; k++) versions.push(inputs[k]!.storage.ref.version);
    this.inputVersions = versions;
  }

  /** Set when a backward pass without `retainGraph` has run through this node. */
  get freed(): boolean {
    return this.#inputs === null;
  }

  /** The tensors the op was applied to, in order.
   *  @throws Error once a backward pass without `retainGraph` has freed this node. */
  get inputs(): readonly Tensor[] {
    if (this.#inputs === null) throw new Error(freedMessage(this.op.name));
    return this.#inputs;
  }

  /** The op's attributes (an axis, a shape, an exponent, ...; undefined for most elementwise ops).
   *  @throws Error once a backward pass without `retainGraph` has freed this node. */
  get attrs(): unknown {
    if (this.#inputs === null) throw new Error(freedMessage(this.op.name));
    return this.#attrs;
  }

  /** Lets go of the inputs and attributes (the engine calls it after a backward pass without `retainGraph`). */
  free(): void {
    this.#inputs = null;
    this.#attrs = null;
  }
}

export function freedMessage(op: string, shape?: string): string {
  return (
    `the graph through op '${op}'${shape === undefined ? '' : ` (output ${shape})`} was freed by an earlier backward(); ` +
    'pass { retainGraph: true } to the first backward() to run backward through it again, or to draw or explain it afterwards'
  );
}

/** One row of the rules table that `rules()` returns. */
export interface Rule {
  /** The op's name (or the engine's fan-out rule). */
  op: string;
  /** The forward computation, e.g. `C = A·B`. */
  forward: string;
  /** The backward pass as a matrix identity, e.g. `dA = dC·Bᵀ, dB = Aᵀ·dC`. */
  backward: string;
}

const registry: Op[] = [];

/** Declares an op once: its forward, its backward identity as text, and its rules. */
export function defineOp<Attrs = undefined>(spec: OpSpec<Attrs>): Op {
  if (registry.some((op) => op.name === spec.name)) throw new Error(`defineOp: op '${spec.name}' is declared twice`);
  const op = spec as unknown as Op;
  registry.push(op);
  return op;
}

/** A declared op by name (the engine sums gradients with 'add' without importing it). */
export function opNamed(name: string): Op {
  const op = registry.find((o) => o.name === name);
  if (op === undefined) throw new Error(`opNamed: no op '${name}' is declared (is @matgrad/core imported through its index?)`);
  return op;
}

/** The engine's own rule: it is not an op, but it is half of every backward pass. */
const FAN_OUT: Rule = {
  op: 'branch (fan-out)',
  forward: 'A feeds B and C',
  backward: 'dA = dB + dC (gradients meeting at a node are summed)',
};

/** Every backward rule of the library, as a table: op, forward, matrix identity. */
export function rules(): Rule[] {
  return [FAN_OUT, ...registry.map((op) => ({ op: op.name, forward: op.forward, backward: op.identity }))];
}
