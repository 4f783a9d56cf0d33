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
 *  The inputs are copied to float64 first; `f` runs twice per input element. Synchronous, so for
 *  inputs on the CPU backends; `gradCheckAsync` takes any backend.
 *
 *  @example
 *  ```ts
 *  const result = gradCheck((a, b) => a.matmul(b).tanh(), [randn([2, 3], { seed: 1 }), randn([3, 2], { seed: 2 })]);
 *  if (!result.ok) throw new Error(result.report);
 *  ```
 */
export function gradCheck(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradCheckOptions = {}): GradCheckResult {
  const copy = (x: Tensor, values: Float64Array) => tensor(values, { shape: x.shape, dtype: 'float64', requiresGrad: true });
  const steps = checkSteps(f, inputs, options, copy);
  let step = steps.next();
  while (step.done !== true) step = steps.next(Float64Array.from(step.value.values()));
  return step.value;
}

/**
 * `gradCheck` for inputs on any backend, a GPU's included: values are read with await. The
 * check runs on the inputs' backend, in float64 where it holds float64; on a float32-only
 * backend (webgpu) it runs in float32, where the default step and tolerances are wider
 * (eps 1e-3, atol 1e-3, rtol 1e-2: a float32 difference quotient is good to about 1e-4).
 */
export async function gradCheckAsync(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradCheckOptions = {}): Promise<GradCheckResult> {
  const backend = inputs[0]?.storage.backend;
  const dtype = backend?.dtypes === undefined || backend.dtypes.includes('float64') ? 'float64' : 'float32';
  const defaults = dtype === 'float64' ? {} : { eps: 1e-3, atol: 1e-3, rtol: 1e-2 };
  const copy = (x: Tensor, values: Float64Array) => tensor(values, { shape: x.shape, dtype, requiresGrad: true, backend: x.backend });
  const steps = checkSteps(f, inputs, { ...defaults, ...options }, copy);
  let step = steps.next();
  while (step.done !== true) step = steps.next(Float64Array.from(await step.value.data()));
  return step.value;
}

/** The check as a sequence of reads: it yields each tensor whose values it needs and is
 *  resumed with them, so one body serves the synchronous and the asynchronous check. */
function* checkSteps(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradCheckOptions,
  copy: (x: Tensor, values: Float64Array) => Tensor,
): Generator<Tensor, GradCheckResult, Float64Array> {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3 } = options;
  const xs: Tensor[] = [];
  for (const x of inputs) xs.push(copy(x, yield x));
  const output = f(...xs);
  const outShape = output.shape;
  const analytic = yield* analyticJacobian(output, xs);
  const numeric: Float64Array[] = [];
  for (const x of xs) numeric.push(yield* numericJacobian(f, xs, x, outShape, eps));

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
function* analyticJacobian(output: Tensor, xs: Tensor[]): Generator<Tensor, Float64Array[], Float64Array> {
  const jacobians = xs.map((x) => new Float64Array(output.size * x.size));
  if (!output.requiresGrad) return jacobians;
  for (let o = 0; o < output.size; o++) {
    const seed = new Float64Array(output.size);
    seed[o] = 1;
    const gs = gradients(output, xs, { gradient: tensor(seed, { shape: output.shape, dtype: output.dtype, backend: output.backend }), retainGraph: true });
    for (let i = 0; i < gs.length; i++) jacobians[i]!.set(yield gs[i]!, o * xs[i]!.size);
  }
  return jacobians;
}

function* numericJacobian(f: (...inputs: Tensor[]) => Tensor, xs: Tensor[], x: Tensor, outShape: Shape, eps: number): Generator<Tensor, Float64Array, Float64Array> {
  const values = yield x;
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const jacobian = new Float64Array(outSize * x.size);
  // Evaluated with recording on: f may itself take gradients (gradGradCheck).
  const evaluate = (): Tensor => enableGrad(() => f(...xs));
  const flat = x.storage.reshaped([x.size]);
  // xs are gradCheck's own float64 copies, so nudging one element in place is safe.
  const setElement = (p: number, v: number): void => {
    flat.backend.write(flat.window([p], [1], [1]), [v]);
    flat.ref.version++;
  };
  for (let p = 0; p < x.size; p++) {
    const original = values[p]!;
    setElement(p, original + eps);
    const plus = yield evaluate();
    setElement(p, original - eps);
    const minus = yield evaluate();
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
