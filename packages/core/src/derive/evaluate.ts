import {
  add,
  cos,
  erf,
  broadcastTo,
  div,
  eq,
  exp,
  full,
  gt,
  log,
  logSoftmax,
  mul,
  noGrad,
  pow,
  relu,
  reshape,
  scatterAdd,
  sigmoid,
  sin,
  slice,
  softmax,
  sqrt,
  sub,
  sum,
  sumTo,
  take,
  tanh,
  tensor,
  transpose,
  unslice,
  where,
  type DType,
  type SliceSpec,
  type Tensor,
} from '../index.js';
import type { Expr, FunctionName, Gather, Window } from './expr.js';
import { applyLinearMap } from './linear-maps.js';
import { renderExpr } from './render.js';

/** What `evaluateExpr` needs besides the expression: the gradients it refers to, and a dtype. */
export interface EvaluationContext {
  /** The value of a gradient an earlier equation defined (or the seed), by its key. */
  grad(key: string): Tensor | number;
  /** The dtype numbers take when they must become tensors. */
  dtype: DType;
}

const FUNCTIONS: Record<FunctionName, (t: Tensor, axis?: number) => Tensor> = {
  exp,
  log,
  sqrt,
  relu,
  sigmoid,
  tanh,
  // Called through arrows: this module is reached while index.ts is still loading the ops.
  sin: (t) => sin(t),
  cos: (t) => cos(t),
  normalCdf: (t) => mul(add(erf(mul(t, Math.SQRT1_2)), 1), 0.5),
  normalPdf: (t) => mul(exp(mul(mul(t, t), -0.5)), 1 / Math.sqrt(2 * Math.PI)),
  softmax: (t, axis) => softmax(t, axis ?? -1),
  logSoftmax: (t, axis) => logSoftmax(t, axis ?? -1),
};

/** numpy ranges (start, stop, step per axis) that select a window. */
function windowRanges(window: Window): SliceSpec[] {
  return window.count.map((count, axis) => {
    const [start, step] = [window.start[axis]!, window.step[axis]!];
    return [start, count === 0 ? start : start + (count - 1) * step + 1, step] as const;
  });
}

function indexTensor(g: Gather): Tensor {
  return tensor(Float64Array.from(g.indices), { shape: g.indexShape });
}

/**
 * Computes an equation side from the graph's forward values and the gradients defined before
 * it, with the public tensor operations only (no backward rule is involved), without recording
 * a graph. A plain number stays a number until it meets a tensor, as numpy's scalars do.
 */
export function evaluateExpr(e: Expr, context: EvaluationContext): Tensor | number {
  return noGrad(() => evaluate(e, context));
}

function evaluate(e: Expr, context: EvaluationContext): Tensor | number {
  const go = (x: Expr) => evaluate(x, context);
  const asTensor = (v: Tensor | number, shape: readonly number[] = []): Tensor =>
    typeof v === 'number' ? full(shape, v, { dtype: context.dtype }) : v;
  const needTensor = (x: Expr): Tensor => {
    const v = go(x);
    if (typeof v === 'number') throw new TypeError(`evaluate: '${renderExpr(x, 'text')}' is a number where a tensor is needed`);
    return v;
  };
  switch (e.kind) {
    case 'value':
      return e.tensor.detach();
    case 'grad':
      return context.grad(e.key);
    case 'number':
      return e.value;
    case 'matmul':
      return needTensor(e.left).matmul(needTensor(e.right));
    case 'hadamard':
      return arithmetic(go(e.left), go(e.right), (a, b) => a * b, mul);
    case 'divide':
      return arithmetic(go(e.left), go(e.right), (a, b) => a / b, div);
    case 'add':
      return arithmetic(go(e.left), go(e.right), (a, b) => a + b, add);
    case 'subtract':
      return arithmetic(go(e.left), go(e.right), (a, b) => a - b, sub);
    case 'negate': {
      const v = go(e.arg);
      return typeof v === 'number' ? -v : v.neg();
    }
    case 'power': {
      const [base, exponent] = [go(e.arg), go(e.exponent)];
      if (typeof base === 'number' && typeof exponent === 'number') return base ** exponent;
      return pow(base, exponent);
    }
    case 'transpose': {
      const v = needTensor(e.arg);
      return e.perm === undefined ? v.mT : transpose(v, e.perm);
    }
    case 'call':
      return FUNCTIONS[e.fn](asTensor(go(e.arg)), e.axis);
    case 'derivative':
      return go(e.value);
    case 'indicator': {
      const [l, r] = [go(e.left), go(e.right)];
      if (typeof l === 'number' && typeof r === 'number') return Number(e.relation === '>' ? l > r : l === r);
      const [a, b] = typeof l === 'number' ? [asTensor(l), r] : [l, r];
      return e.relation === '>' ? gt(a, b) : eq(a, b);
    }
    case 'sumTo': {
      const v = go(e.arg);
      if (typeof v === 'number') return v * (size(e.from) / size(e.shape));
      return sumTo(v, e.shape);
    }
    case 'sumAxes':
      return sum(needTensor(e.arg), e.axes, true);
    case 'broadcast': {
      const v = go(e.arg);
      return typeof v === 'number' ? asTensor(v, e.shape) : broadcastTo(reshape(v, e.kept), e.shape);
    }
    case 'reshape':
      return reshape(asTensor(go(e.arg), e.shape), e.shape);
    case 'cast': {
      const v = go(e.arg);
      return typeof v === 'number' ? v : v.cast(e.dtype);
    }
    case 'slice':
      return slice(asTensor(go(e.arg), e.from), windowRanges(e.window));
    case 'unslice':
      return unslice(asTensor(go(e.arg), e.window.count), e.shape, windowRanges(e.window));
    case 'take':
      return take(asTensor(go(e.arg)), indexTensor(e.gather), e.gather.axis);
    case 'scatterAdd':
      return scatterAdd(asTensor(go(e.arg)), indexTensor(e.gather), e.gather.axis, e.gather.size);
    case 'select':
      return where(needTensor(e.mask), go(e.whenTrue), go(e.whenFalse));
    case 'linearMap':
      return applyLinearMap(e.map, needTensor(e.arg), needTensor);
  }
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function arithmetic(
  a: Tensor | number,
  b: Tensor | number,
  numbers: (a: number, b: number) => number,
  tensors: (a: Tensor | number, b: Tensor | number) => Tensor,
): Tensor | number {
  return typeof a === 'number' && typeof b === 'number' ? numbers(a, b) : tensors(a, b);
}
