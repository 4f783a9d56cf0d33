import { backwardPass, enableGrad, insideTransform, materialize, recordsNestedBackward } from './engine.js';
import { formatShape, sameShape } from './shape.js';
import { full, zeros } from './creation.js';
import { Tensor } from './tensor.js';

/** Options of `gradients`. */
export interface GradientsOptions {
  /** dL/d(output); required when the output is not a scalar. */
  gradient?: Tensor;
  /** Keep the graph so it can be run backward again; default: on when `createGraph` is. */
  retainGraph?: boolean;
  /** Record the backward pass so the returned gradients can be differentiated again. Default:
   *  on inside another transform (grad, jacobian, ...), so that gradients compose; else off. */
  createGraph?: boolean;
}

/** ∂output/∂input for each input, without touching any `.grad` (PyTorch's autograd.grad).
 *  An input the output does not depend on gets zeros. */
export function gradients(output: Tensor, inputs: readonly Tensor[], options: GradientsOptions = {}): Tensor[] {
  if (!(output instanceof Tensor)) throw new TypeError(`gradients: output must be a Tensor, got ${describe(output)}`);
  if (!Array.isArray(inputs)) throw new TypeError(`gradients: inputs must be an array of Tensors, got ${describe(inputs)}`);
  const bad = inputs.findIndex((x) => !(x instanceof Tensor));
  if (bad >= 0) throw new TypeError(`gradients: inputs[${bad}] must be a Tensor, got ${describe(inputs[bad])}`);
  if (!output.requiresGrad) {
    throw new Error(`gradients: the output (shape ${formatShape(output.shape)}) does not depend on any tensor that requires grad`);
  }
  let seed = options.gradient;
  if (seed === undefined) {
    if (output.size !== 1) throw new RangeError(`gradients: the output has shape ${formatShape(output.shape)}; pass { gradient } for a non-scalar output`);
    seed = full(output.shape, 1, { dtype: output.dtype, backend: output.backend });
  } else if (!(seed instanceof Tensor)) {
    throw new TypeError(`gradients: options.gradient must be a Tensor of shape ${formatShape(output.shape)}, got ${describe(seed)}`);
  } else if (!sameShape(seed.shape, output.shape)) {
    throw new RangeError(`gradients: the upstream gradient has shape ${formatShape(seed.shape)}, expected ${formatShape(output.shape)}`);
  } else {
    seed = seed.cast(output.dtype);
  }
  const createGraph = options.createGraph ?? recordsNestedBackward();
  const grads = backwardPass([output], [seed], {
    retainGraph: options.retainGraph ?? createGraph,
    createGraph,
    stopAt: new Set(inputs),
  });
  return inputs.map((x) => {
    const g = grads.get(x);
    if (g === undefined) return full(x.shape, 0, { dtype: x.dtype, backend: x.backend });
    return createGraph ? g : materialize(g);
  });
}

/** Options of `grad` and `valueAndGrad`. */
export interface GradOptions {
  /** Record the backward pass (default: only inside another transform). */
  createGraph?: boolean;
}

type Grads<Args extends Tensor[]> = Args extends [Tensor] ? Tensor : { [K in keyof Args]: Tensor };

/** Turns f(x₁, …, xₙ) → scalar into a function returning its gradient (one tensor for one
 *  argument, an array for several). Arguments are taken as independent variables. Nested
 *  transforms compose: grad(x => grad(f)(x).sum())(x) is the gradient of the gradient's sum.
 *  No `.grad` is touched.
 *
 *  @throws RangeError when f does not return a scalar tensor (arguments it does not depend on get zeros).
 *  @example
 *  ```ts
 *  const f = (x: Tensor) => x.pow(3).sum();
 *  grad(f)(tensor([1, 2])).toArray();                              // [3, 12]: 3x²
 *  grad((x: Tensor) => grad(f)(x).sum())(tensor([1, 2])).toArray(); // [6, 12]: 6x
 *  ```
 */
export function grad<Args extends Tensor[]>(f: (...args: Args) => Tensor, options: GradOptions = {}): (...args: Args) => Grads<Args> {
  const run = valueAndGrad(f, options);
  return (...args: Args) => run(...args)[1];
}

/** Like `grad`, and also returns f's value: `[value, gradient(s)]`.
 *
 *  @example
 *  ```ts
 *  const [loss, dW] = valueAndGrad((W: Tensor) => x.matmul(W).relu().sum())(W);
 *  ```
 */
export function valueAndGrad<Args extends Tensor[]>(
  f: (...args: Args) => Tensor,
  options: GradOptions = {},
): (...args: Args) => [Tensor, Grads<Args>] {
  if (typeof f !== 'function') throw new TypeError(`grad: f must be a function, got ${describe(f)}`);
  return (...args: Args) => {
    args.forEach((a, i) => {
      if (!(a instanceof Tensor)) throw new TypeError(`grad: argument ${i} must be a Tensor, got ${describe(a)}`);
    });
    // Recording is on when this call sits inside another transform, so the outer one sees
    // through it; asked for explicitly, it is on regardless.
    const createGraph = options.createGraph ?? recordsNestedBackward();
    // A tensor that already requires grad is used as it is, so that an outer transform can
    // see through this one; any other becomes a fresh variable.
    const variables = args.map((a) => (a.requiresGrad ? a : a.detach().requireGrad())) as Args;
    return insideTransform(() => {
      const value = enableGrad(() => f(...variables));
      if (!(value instanceof Tensor) || value.size !== 1) {
        throw new RangeError(`grad: f must return a scalar tensor, got ${value instanceof Tensor ? `shape ${formatShape(value.shape)}` : describe(value)}`);
      }
      const gs = value.requiresGrad
        ? gradients(value, variables, { createGraph })
        : variables.map((v) => zeros(v.shape, { dtype: v.dtype, backend: v.backend }));
      const result = (args.length === 1 ? gs[0] : gs) as Grads<Args>;
      return [createGraph ? value : value.detach(), result];
    });
  };
}

/** What a bad argument was, for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value instanceof Tensor) return `a tensor of shape ${formatShape(value.shape)}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value;
}
