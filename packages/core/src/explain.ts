import { compositeCallsOf } from './composite.js';
import { backwardPass } from './engine.js';
import { formatShape } from './shape.js';
import { full } from './creation.js';
import type { Tensor } from './tensor.js';

/** A tensor as an explanation names it. */
export interface ExplainedTensor {
  /** Its `name`, or a label made up for it (L, matmul2, x1, ...; see `explainBackward`). */
  label: string;
  /** Its shape. */
  shape: readonly number[];
}

/** One rule of the backward pass, as it ran. */
export interface ExplainedStep {
  /** The name of the op whose rule ran. */
  op: string;
  /** The matrix identity the step applied. */
  identity: string;
  /** The composite ops (conv2d, layerNorm, ...) this step is part of, outermost first: their
   *  backward is the steps of their parts. */
  within: string[];
  /** The op's output (where the gradient arrived). */
  output: ExplainedTensor;
  /** The op's inputs, in order. */
  inputs: ExplainedTensor[];
  /** The gradient that arrived at the output, and the ones sent to each input (null: none needed). */
  dOutput: Tensor;
  /** The gradient sent to each input, in order; null for an input that needs none. */
  dInputs: (Tensor | null)[];
}

/** What `explainBackward` returns: the steps, printable as a table. */
export interface Explanation {
  /** The rules in the order they ran, from the loss back to the inputs. */
  steps: ExplainedStep[];
  /** The steps as a readable table. */
  toString(): string;
}

/** The backward pass from `loss`, step by step: which op's rule ran, on which shapes, with which
 *  identity. Runs its own sweep (the graph is kept, no `.grad` is touched). Tensors are
 *  labelled by their `name`; unnamed ones as L (the loss itself), by the op that made them
 *  (matmul, matmul2, ...) or, for inputs, x1, x2, ... in the order they are reached. */
export function explainBackward(loss: Tensor, options: { gradient?: Tensor } = {}): Explanation {
  if (!loss.requiresGrad) throw new Error(`explainBackward: the tensor (shape ${formatShape(loss.shape)}) does not depend on any tensor that requires grad`);
  if (options.gradient === undefined && loss.size !== 1) {
    throw new RangeError(`explainBackward: the output has shape ${formatShape(loss.shape)}; pass { gradient } for a non-scalar output`);
  }
  const describe = labeller(loss);
  const steps: ExplainedStep[] = [];
  const seed = options.gradient ?? full(loss.shape, 1, { dtype: loss.dtype });
  backwardPass([loss], [seed], {
    retainGraph: true,
    onStep: (step) =>
      steps.push({
        op: step.op.name,
        identity: step.op.identity,
        within: step.output.creator === null ? [] : compositeCallsOf(step.output.creator).map((c) => c.composite.name),
        output: describe(step.output),
        inputs: step.inputs.map(describe),
        dOutput: step.dOutput,
        dInputs: [...step.dInputs],
      }),
  });
  return { steps, toString: () => renderSteps(steps) };
}

function labeller(root: Tensor): (t: Tensor) => ExplainedTensor {
  const labels = new Map<Tensor, string>();
  const uses = new Map<string, number>();
  const fresh = (base: string, numberFirst: boolean): string => {
    const n = (uses.get(base) ?? 0) + 1;
    uses.set(base, n);
    return numberFirst || n > 1 ? `${base}${n}` : base;
  };
  return (t) => {
    if (!labels.has(t)) {
      const label = t.name ?? (t === root ? 'L' : t.creator === null ? fresh('x', true) : fresh(t.creator.op.name, false));
      labels.set(t, label);
    }
    return { label: labels.get(t)!, shape: t.shape };
  };
}

function renderSteps(steps: ExplainedStep[]): string {
  const show = (t: ExplainedTensor): string => `${t.label}${formatShape(t.shape)}`;
  return steps
    .map((s, i) => {
      const sent = s.inputs
        .map((input, k) => (s.dInputs[k] ? `d${input.label}${formatShape(s.dInputs[k]!.shape)}` : null))
        .filter((x) => x !== null)
        .join(', ');
      return [
        `${String(i + 1).padStart(2)}. ${s.op}${s.within.length === 0 ? '' : ` (in ${s.within.join(' › ')})`}: ${s.inputs.map(show).join(', ')} → ${show(s.output)}`,
        `    rule: ${s.identity}`,
        `    d${s.output.label}${formatShape(s.dOutput.shape)} → ${sent || '(no input needs a gradient)'}`,
      ].join('\n');
    })
    .join('\n');
}
