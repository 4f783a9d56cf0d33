import { backwardPass, materialize } from './engine.js';
import { formatShape, sameShape } from './shape.js';
import { full } from './creation.js';
import { Tensor } from './tensor.js';

export interface GradientsOptions {
  /** dL/d(output); required when the output is not a scalar. */
  gradient?: Tensor;
  retainGraph?: boolean;
  /** Record the backward pass so the returned gradients can be differentiated again. */
  createGraph?: boolean;
}

/** ∂output/∂input for each input, without touching any `.grad` (PyTorch's autograd.grad).
 *  An input the output does not depend on gets zeros. */
export function gradients(output: Tensor, inputs: readonly Tensor[], options: GradientsOptions = {}): Tensor[] {
  if (!output.requiresGrad) {
    throw new Error(`gradients: the output (shape ${formatShape(output.shape)}) does not depend on any tensor that requires grad`);
  }
  let seed = options.gradient;
  if (seed === undefined) {
    if (output.size !== 1) throw new RangeError(`gradients: the output has shape ${formatShape(output.shape)}; pass { gradient } for a non-scalar output`);
    seed = full(output.shape, 1, { dtype: output.dtype });
  } else if (!sameShape(seed.shape, output.shape)) {
    throw new RangeError(`gradients: the upstream gradient has shape ${formatShape(seed.shape)}, expected ${formatShape(output.shape)}`);
  } else {
    seed = seed.cast(output.dtype);
  }
  const createGraph = options.createGraph === true;
  const grads = backwardPass([output], [seed], {
    retainGraph: options.retainGraph ?? createGraph,
    createGraph,
    stopAt: new Set(inputs),
  });
  return inputs.map((x) => {
    const g = grads.get(x);
    if (g === undefined) return full(x.shape, 0, { dtype: x.dtype });
    return createGraph ? g : materialize(g);
  });
}

export interface GradOptions {
  createGraph?: boolean;
}

type Grads<Args extends Tensor[]> = Args extends [Tensor] ? Tensor : { [K in keyof Args]: Tensor };

/** Turns f(x₁, …, xₙ) → scalar into a function returning its gradient (one tensor for one
 *  argument, an array for several). Arguments are taken as independent variables. */
export function grad<Args extends Tensor[]>(f: (...args: Args) => Tensor, options: GradOptions = {}): (...args: Args) => Grads<Args> {
  const run = valueAndGrad(f, options);
  return (...args: Args) => run(...args)[1];
}

/** Like `grad`, and also returns f's value: `[value, gradient(s)]`. */
export function valueAndGrad<Args extends Tensor[]>(
  f: (...args: Args) => Tensor,
  options: GradOptions = {},
): (...args: Args) => [Tensor, Grads<Args>] {
  return (...args: Args) => {
    args.forEach((a, i) => {
      if (!(a instanceof Tensor)) throw new TypeError(`grad: argument ${i} must be a Tensor, got ${typeof a}`);
    });
    // A tensor that already requires grad is used as it is, so that an outer grad can see
    // through this one (gradients of gradients); any other becomes a fresh variable.
    const variables = args.map((a) => (a.requiresGrad ? a : a.detach().requireGrad())) as Args;
    const value = f(...variables);
    if (!(value instanceof Tensor) || value.size !== 1) {
      throw new RangeError(`grad: f must return a scalar tensor, got ${value instanceof Tensor ? `shape ${formatShape(value.shape)}` : typeof value}`);
    }
    const gs = value.requiresGrad
      ? gradients(value, variables, { createGraph: options.createGraph === true })
      : variables.map((v) => full(v.shape, 0, { dtype: v.dtype }));
    const result = (args.length === 1 ? gs[0] : gs) as Grads<Args>;
    return [options.createGraph === true ? value : value.detach(), result];
  };
}
