import type { DType, Tensor } from '../index.js';
import type { MathName } from './names.js';

/** Functions applied elementwise (or along rows, for the softmaxes) inside an equation. */
export type FunctionName = 'exp' | 'log' | 'sqrt' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'logSoftmax';

/** Functions whose derivative is written f′(A) in an equation and spelled out beside it. */
export type DerivativeName = 'relu' | 'sigmoid' | 'tanh' | 'f';

/** A strided window of positions, per axis (what a slice picks). */
export interface Window {
  start: readonly number[];
  step: readonly number[];
  count: readonly number[];
}

/** Positions along one axis (what take gathers and scatterAdd scatters to). */
export interface Gather {
  axis: number;
  indices: readonly number[];
  indexShape: readonly number[];
  /** The length of the indexed axis (of take's input, of scatterAdd's output). */
  size: number;
}

/**
 * One node of an equation's right-hand side. Leaves are forward values of the graph (`value`),
 * gradients defined by earlier equations (`grad`) and numbers; the rest are the matrix
 * operations the rules are written in. Shapes follow numpy broadcasting, as the ops do.
 */
export type Expr =
  | { kind: 'value'; name: MathName; tensor: Tensor }
  | { kind: 'grad'; name: MathName; key: string }
  | { kind: 'number'; value: number; name?: MathName }
  | { kind: 'matmul'; left: Expr; right: Expr }
  | { kind: 'hadamard'; left: Expr; right: Expr }
  | { kind: 'divide'; left: Expr; right: Expr }
  | { kind: 'add'; left: Expr; right: Expr }
  | { kind: 'subtract'; left: Expr; right: Expr }
  | { kind: 'negate'; arg: Expr }
  | { kind: 'power'; arg: Expr; exponent: Expr }
  /** `perm` absent: the matrix transpose (the last two axes swapped), written Aᵀ. */
  | { kind: 'transpose'; arg: Expr; perm?: readonly number[] }
  | { kind: 'call'; fn: FunctionName; arg: Expr; axis?: number }
  /** f′(at), evaluated as `value` (which may use the function's output, as the rules do). */
  | { kind: 'derivative'; fn: DerivativeName; at: Expr; value: Expr }
  /** Iverson bracket: 1 where the relation holds, else 0. */
  | { kind: 'indicator'; left: Expr; relation: '>' | '='; right: Expr }
  /** Summed down to `shape` over the axes it was broadcast along (1ᵀ·X for a bias). */
  | { kind: 'sumTo'; arg: Expr; shape: readonly number[]; from: readonly number[] }
  /** Summed over `axes`, kept as size-1 axes so it broadcasts back (rowsum). */
  | { kind: 'sumAxes'; arg: Expr; axes: readonly number[] }
  /** Reshaped to `kept`, then repeated to `shape`. */
  | { kind: 'broadcast'; arg: Expr; kept: readonly number[]; shape: readonly number[] }
  | { kind: 'reshape'; arg: Expr; shape: readonly number[] }
  | { kind: 'cast'; arg: Expr; dtype: DType }
  | { kind: 'slice'; arg: Expr; window: Window; from: readonly number[] }
  /** Zeros of `shape` with `arg` placed at the window's positions. */
  | { kind: 'unslice'; arg: Expr; window: Window; shape: readonly number[] }
  | { kind: 'take'; arg: Expr; gather: Gather }
  | { kind: 'scatterAdd'; arg: Expr; gather: Gather }
  | { kind: 'select'; mask: Expr; whenTrue: Expr; whenFalse: Expr };

export type ExprKind = Expr['kind'];

type NumberExpr = Extract<Expr, { kind: 'number' }>;
/** A number written as itself (not a letter such as N): one the builders may fold. */
const isPlainNumber = (e: Expr): e is NumberExpr => e.kind === 'number' && e.name === undefined;
const isPlain = (e: Expr, value: number): boolean => isPlainNumber(e) && e.value === value;

/** Builders that drop the factors an upstream gradient of 1 leaves behind (1∘X, X/1, −(−X)),
 *  so a derivation reads as the notes write it. Named numbers (N, p) are kept as they are. */
export const build = {
  value: (name: MathName, tensor: Tensor): Expr => ({ kind: 'value', name, tensor }),
  grad: (name: MathName, key: string): Expr => ({ kind: 'grad', name, key }),
  number: (value: number, name?: MathName): Expr => (name === undefined ? { kind: 'number', value } : { kind: 'number', value, name }),
  matmul: (left: Expr, right: Expr): Expr => ({ kind: 'matmul', left, right }),
  hadamard(left: Expr, right: Expr): Expr {
    if (isPlain(left, 1)) return right;
    if (isPlain(right, 1)) return left;
    if (isPlainNumber(left) && isPlainNumber(right)) return { kind: 'number', value: left.value * right.value };
    // A scalar factor is written first: 2·A, not A·2.
    if (right.kind === 'number' && left.kind !== 'number') return { kind: 'hadamard', left: right, right: left };
    return { kind: 'hadamard', left, right };
  },
  divide(left: Expr, right: Expr): Expr {
    if (isPlain(right, 1)) return left;
    return { kind: 'divide', left, right };
  },
  add: (left: Expr, right: Expr): Expr => ({ kind: 'add', left, right }),
  subtract: (left: Expr, right: Expr): Expr => ({ kind: 'subtract', left, right }),
  negate(arg: Expr): Expr {
    if (arg.kind === 'negate') return arg.arg;
    if (isPlainNumber(arg)) return { kind: 'number', value: -arg.value };
    return { kind: 'negate', arg };
  },
  power: (arg: Expr, exponent: Expr): Expr => (isPlain(exponent, 1) ? arg : { kind: 'power', arg, exponent }),
  transpose: (arg: Expr, perm?: readonly number[]): Expr => (perm === undefined ? { kind: 'transpose', arg } : { kind: 'transpose', arg, perm }),
  call: (fn: FunctionName, arg: Expr, axis?: number): Expr => (axis === undefined ? { kind: 'call', fn, arg } : { kind: 'call', fn, arg, axis }),
  derivative: (fn: DerivativeName, at: Expr, value: Expr): Expr => ({ kind: 'derivative', fn, at, value }),
  indicator: (left: Expr, relation: '>' | '=', right: Expr): Expr => ({ kind: 'indicator', left, relation, right }),
  sumTo: (arg: Expr, shape: readonly number[], from: readonly number[]): Expr => ({ kind: 'sumTo', arg, shape, from }),
  sumAxes: (arg: Expr, axes: readonly number[]): Expr => ({ kind: 'sumAxes', arg, axes }),
  broadcast: (arg: Expr, kept: readonly number[], shape: readonly number[]): Expr => ({ kind: 'broadcast', arg, kept, shape }),
  reshape: (arg: Expr, shape: readonly number[]): Expr => ({ kind: 'reshape', arg, shape }),
  cast: (arg: Expr, dtype: DType): Expr => ({ kind: 'cast', arg, dtype }),
  slice: (arg: Expr, window: Window, from: readonly number[]): Expr => ({ kind: 'slice', arg, window, from }),
  unslice: (arg: Expr, window: Window, shape: readonly number[]): Expr => ({ kind: 'unslice', arg, window, shape }),
  take: (arg: Expr, gather: Gather): Expr => ({ kind: 'take', arg, gather }),
  scatterAdd: (arg: Expr, gather: Gather): Expr => ({ kind: 'scatterAdd', arg, gather }),
  select: (mask: Expr, whenTrue: Expr, whenFalse: Expr): Expr => ({ kind: 'select', mask, whenTrue, whenFalse }),
};

/** The direct sub-expressions of `e`, in reading order. */
function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'value':
    case 'grad':
    case 'number':
      return [];
    case 'matmul':
    case 'hadamard':
    case 'divide':
    case 'add':
    case 'subtract':
      return [e.left, e.right];
    case 'indicator':
      return [e.left, e.right];
    case 'power':
      return [e.arg, e.exponent];
    case 'derivative':
      return [e.at];
    case 'select':
      return [e.mask, e.whenTrue, e.whenFalse];
    default:
      return [e.arg];
  }
}

/** Every node of `e` (depth first, `e` itself first), including a derivative's spelled-out value. */
export function* nodes(e: Expr): Generator<Expr> {
  yield e;
  for (const c of children(e)) yield* nodes(c);
  if (e.kind === 'derivative') yield* nodes(e.value);
}
