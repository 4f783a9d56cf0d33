import { enableGrad } from './engine.js';
import { gradients } from './functional.js';
import { Rng } from './random.js';
import { formatShape, type Shape } from './shape.js';
import { tensor } from './creation.js';
import type { Tensor } from './tensor.js';

/** Options of `gradCheck` and `gradGradCheck`. */
export interface GradCheckOptions {
  /** Step of the central difference (f(x + eps) − f(x − eps)) / 2eps; default 1e-6. */
  eps?: number;
  /** Absolute tolerance; default 1e-5. An element passes when |analytic − numeric| ≤ atol + rtol·|numeric|. */
  atol?: number;
  /** Relative tolerance, times |numeric|; default 1e-3. */
  rtol?: number;
}

/** One element of a Jacobian, as the backward pass and the finite differences give it. */
export interface GradCheckMismatch {
  /** Which input (its position in the `inputs` array). */
  input: number;
  /** Index of the input element that was perturbed, and of the output element. */
  inputIndex: number[];
  /** Index of the output element (`[]` for a scalar output). */
  outputIndex: number[];
  /** ∂output/∂input at that element, from the backward pass. */
  analytic: number;
  /** The same derivative from central finite differences. */
  numeric: number;
}

/** What `gradCheck` found. */
export interface GradCheckResult {
  /** True when every element of every input's Jacobian is within tolerance (NaN never is). */
  ok: boolean;
  /** Per input, the largest |analytic − numeric| over the Jacobian. */
  maxAbsError: number[];
  /** The element that came closest to (or furthest past) its tolerance. */
  worst: GradCheckMismatch | null;
  /** A few lines for a test failure message: the tolerances, each input's largest error, the worst element. */
  report: string;
}

/** Compares the backward pass with central finite differences in float64, element by element
 *  of the Jacobian, passing where |analytic − numeric| ≤ atol + rtol·|numeric| (PyTorch's rule).
 *  The inputs are copied to float64 first; `f` runs twice per input element.
 *
 *  @example
 *  ```ts
 *  const result = gradCheck((a, b) => a.matmul(b).tanh(), [randn([2, 3], { seed: 1 }), randn([3, 2], { seed: 2 })]);
 *  if (!result.ok) throw new Error(result.report);
 *  ```
 */
export function gradCheck(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradCheckOptions = {}): GradCheckResult {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3 } = options;
  const xs = inputs.map((x) => tensor(x.values(), { shape: x.shape, dtype: 'float64', requiresGrad: true }));
  const output = f(...xs);
  const outShape = output.shape;
  const analytic = analyticJacobian(output, xs);
  const numeric = xs.map((x) => numericJacobian(f, xs, x, outShape, eps));

  const maxAbsError = xs.map(() => 0);
  let worst: GradCheckMismatch | null = null;
  let worstRatio = -1;
  xs.forEach((x, i) => {
    const n = x.size;
    for (let o = 0; o < output.size; o++) {
      for (let p = 0; p < n; p++) {
        const a = analytic[i]![o * n + p]!;
        const d = numeric[i]![o * n + p]!;
        const err = Math.abs(a - d);
        const ratio = Number.isNaN(err) ? Infinity : err / (atol + rtol * Math.abs(d));
        maxAbsError[i] = Math.max(maxAbsError[i]!, Number.isNaN(err) ? Infinity : err);
        if (ratio > worstRatio) {
          worstRatio = ratio;
          worst = { input: i, inputIndex: unravel(p, x.shape), outputIndex: unravel(o, outShape), analytic: a, numeric: d };
        }
      }
    }
  });
  const ok = worstRatio <= 1;
  return { ok, maxAbsError, worst, report: describe(ok, xs, maxAbsError, worst, { atol, rtol }) };
}

/** Row o of input i's Jacobian: the backward pass seeded with the one-hot upstream gradient e_o. */
function analyticJacobian(output: Tensor, xs: Tensor[]): Float64Array[] {
  const jacobians = xs.map((x) => new Float64Array(output.size * x.size));
  if (!output.requiresGrad) return jacobians;
  for (let o = 0; o < output.size; o++) {
    const seed = new Float64Array(output.size);
    seed[o] = 1;
    const gs = gradients(output, xs, { gradient: tensor(seed, { shape: output.shape, dtype: output.dtype }), retainGraph: true });
    gs.forEach((g, i) => jacobians[i]!.set(g.cast('float64').values(), o * xs[i]!.size));
  }
  return jacobians;
}

function numericJacobian(f: (...inputs: Tensor[]) => Tensor, xs: Tensor[], x: Tensor, outShape: Shape, eps: number): Float64Array {
  const values = x.values();
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const jacobian = new Float64Array(outSize * x.size);
  // Evaluated with recording on: f may itself take gradients (gradGradCheck).
  const evaluate = (): Float64Array => Float64Array.from(enableGrad(() => f(...xs)).cast('float64').values());
  const flat = x.storage.reshaped([x.size]);
  // xs are gradCheck's own float64 copies, so nudging one element in place is safe.
  const setElement = (p: number, v: number): void => {
    flat.backend.write(flat.window([p], [1], [1]), [v]);
    flat.ref.version++;
  };
  for (let p = 0; p < x.size; p++) {
    const original = values[p]!;
    setElement(p, original + eps);
    const plus = evaluate();
    setElement(p, original - eps);
    const minus = evaluate();
    setElement(p, original);
    for (let o = 0; o < outSize; o++) jacobian[o * x.size + p] = (plus[o]! - minus[o]!) / (2 * eps);
  }
  return jacobian;
}

function unravel(flat: number, shape: Shape): number[] {
  const index = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    index[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return index;
}

function describe(ok: boolean, xs: Tensor[], maxAbsError: number[], worst: GradCheckMismatch | null, tol: { atol: number; rtol: number }): string {
  const lines = [`gradCheck ${ok ? 'passed' : 'FAILED'} (atol ${tol.atol}, rtol ${tol.rtol})`];
  xs.forEach((x, i) => lines.push(`  input ${i} ${formatShape(x.shape)}: max |analytic − numeric| = ${maxAbsError[i]!.toExponential(2)}`));
  if (worst !== null) {
    const allowed = tol.atol + tol.rtol * Math.abs(worst.numeric);
    lines.push(
      `  worst element: input ${worst.input} at [${worst.inputIndex.join(',')}], output at [${worst.outputIndex.join(',')}]: ` +
        `analytic ${worst.analytic}, numeric ${worst.numeric}, |diff| ${Math.abs(worst.analytic - worst.numeric).toExponential(2)} ` +
        `${ok ? '≤' : '>'} atol + rtol·|numeric| = ${allowed.toExponential(2)}`,
    );
  }
  return lines.join('\n');
}

/** Checks the second derivatives: the gradient of f (itself built with createGraph) is
 *  checked against finite differences. A non-scalar f is first reduced with fixed random weights. */
export function gradGradCheck(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradCheckOptions = {}): GradCheckResult[] {
  let weights: Tensor | null = null;
  const scalarF = (...xs: Tensor[]): Tensor => {
    const out = f(...xs);
    if (out.size === 1) return out.sum();
    weights ??= tensor(Array.from({ length: out.size }, (_, i) => new Rng(i + 1).uniform() + 0.5), { shape: out.shape });
    return out.mul(weights).sum();
  };
  return inputs.map((_, k) =>
    gradCheck((...xs) => gradients(scalarF(...xs), xs, { createGraph: true })[k]!, inputs, options),
  );
}
