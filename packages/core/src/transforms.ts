import { enableGrad, insideTransform, recordsNestedBackward } from './engine.js';
import { zeros } from './creation.js';
import { describe, grad, gradients } from './functional.js';
import { stack } from './ops/join.js';
import { formatShape, sameShape } from './shape.js';
import { Tensor } from './tensor.js';

/** A function of one tensor, as jacobian, hessian, jvp, vjp and hvp take it. */
export type TensorFunction = (x: Tensor) => Tensor;
type Fn = TensorFunction;

function checkFn(where: string, f: unknown): asserts f is Fn {
  if (typeof f !== 'function') throw new TypeError(`${where}: f must be a function of one tensor, got ${describe(f)}`);
}

function checkTensor(where: string, name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${where}: ${name} must be a Tensor, got ${describe(x)}`);
}

/** x as an independent variable: itself when an outer transform already follows it. */
function variable(x: Tensor): Tensor {
  return x.requiresGrad ? x : x.detach().requireGrad();
}

/** f(x) and its vector–Jacobian product v ↦ vᵀ·∂f/∂x (reverse mode, one backward pass per call). */
export function vjp(f: Fn, x: Tensor): [Tensor, (v: Tensor) => Tensor] {
  checkFn('vjp', f);
  checkTensor('vjp', 'x', x);
  const nested = recordsNestedBackward();
  const xv = variable(x);
  const y = insideTransform(() => enableGrad(() => f(xv)));
  checkTensor('vjp', 'f(x)', y);
  const pullback = (v: Tensor): Tensor => {
    checkTensor('vjp', 'v', v);
    if (!sameShape(v.shape, y.shape)) throw new RangeError(`vjp: v has shape ${formatShape(v.shape)}, expected the output's ${formatShape(y.shape)}`);
    if (!y.requiresGrad) return zeros(x.shape, { dtype: x.dtype, backend: x.backend });
    return insideTransform(() => gradients(y, [xv], { gradient: v, retainGraph: true, createGraph: nested })[0]!);
  };
  return [nested ? y : y.detach(), pullback];
}

/** ∂f/∂x as a tensor of shape [...f(x).shape, ...x.shape], one backward pass per output element.
 *
 *  @example
 *  ```ts
 *  jacobian((x) => x.mul(x))(tensor([1, 2])).toArray(); // [[2, 0], [0, 4]]
 *  ```
 */
export function jacobian(f: Fn): (x: Tensor) => Tensor {
  checkFn('jacobian', f);
  return (x: Tensor) => {
    checkTensor('jacobian', 'x', x);
    const [y, pullback] = vjp(f, x);
    const rows = Array.from({ length: y.size }, (_, o) => {
      const seed = new Float64Array(y.size);
      seed[o] = 1;
      return pullback(new Tensor(y.storage.backend.upload(seed, y.dtype, y.shape), { requiresGrad: false, creator: null }));
    });
    if (rows.length === 0) return zeros([...y.shape, ...x.shape], { dtype: x.dtype, backend: x.backend });
    return stack(rows).reshape([...y.shape, ...x.shape]);
  };
}

/** The second derivatives of a scalar f, shape [...x.shape, ...x.shape]: the Jacobian of its gradient. */
export function hessian(f: Fn): (x: Tensor) => Tensor {
  checkFn('hessian', f);
  return jacobian(grad(f));
}

/** f(x) and the Jacobian–vector product ∂f/∂x · v, by two reverse passes (the pullback is linear
 *  in its argument u, and the product is its gradient with respect to u, applied to v). */
export function jvp(f: Fn, x: Tensor, v: Tensor): [Tensor, Tensor] {
  checkFn('jvp', f);
  checkTensor('jvp', 'x', x);
  checkTensor('jvp', 'v', v);
  if (!sameShape(v.shape, x.shape)) throw new RangeError(`jvp: v has shape ${formatShape(v.shape)}, expected x's ${formatShape(x.shape)}`);
  const nested = recordsNestedBackward();
  const xv = variable(x);
  return insideTransform(() => {
    const y = enableGrad(() => f(xv));
    checkTensor('jvp', 'f(x)', y);
    if (!y.requiresGrad) return [y, zeros(y.shape, { dtype: y.dtype, backend: y.backend })];
    const u = zeros(y.shape, { dtype: y.dtype, backend: y.backend, requiresGrad: true });
    const [ju] = gradients(y, [xv], { gradient: u, retainGraph: true, createGraph: true });
    if (!ju!.requiresGrad) return [nested ? y : y.detach(), zeros(y.shape, { dtype: y.dtype, backend: y.backend })];
    const [jv] = gradients(ju!, [u], { gradient: v.cast(ju!.dtype), createGraph: nested });
    return [nested ? y : y.detach(), jv!];
  });
}

/** The Hessian–vector product ∂²f/∂x² · v of a scalar f, without forming the Hessian. */
export function hvp(f: Fn, x: Tensor, v: Tensor): Tensor {
  checkFn('hvp', f);
  checkTensor('hvp', 'x', x);
  checkTensor('hvp', 'v', v);
  if (!sameShape(v.shape, x.shape)) throw new RangeError(`hvp: v has shape ${formatShape(v.shape)}, expected x's ${formatShape(x.shape)}`);
  return grad((z: Tensor) => grad(f)(z).mul(v).sum())(x);
}
