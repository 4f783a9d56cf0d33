import type { DType, Tensor } from '../index.js';
import type { MathName } from './names.js';

/** Functions applied elementwise (or along rows, for the softmaxes) inside an equation. */
export type FunctionName =
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'sin'
  | 'cos'
  | 'normalCdf'
  | 'normalPdf'
  | 'softmax'
  | 'logSoftmax';

/** Functions whose derivative is written f′(A) in an equation and spelled out beside it. */
export type DerivativeName = 'relu' | 'sigmoid' | 'tanh' | 'gelu' | 'f';

/** A strided window of positions, per axis (what a slice picks). */
export interface Window {
  /** The first position, per axis. */
  start: readonly number[];
  /** The distance between positions, per axis. */
  step: readonly number[];
  /** How many positions, per axis. */
  count: readonly number[];
}

/** Positions along one axis (what take gathers and scatterAdd scatters to). */
export interface Gather {
  /** The axis indexed. */
  axis: number;
  /** The positions along it, flattened. */
  indices: readonly number[];
  /** The shape of the index array (it replaces the axis in the result). */
  indexShape: readonly number[];
  /** The length of the indexed axis (of take's input, of scatterAdd's output). */
  size: number;
}

/** How a patch op walks its windows over images [N, C, H, W] (what im2col and max pooling record). */
export interface PatchWalk {
  /** The window's size [height, width]. */
  kernel: readonly [number, number];
  stride: readonly [number, number];
  padding: readonly [number, number];
  dilation: readonly [number, number];
}

/**
 * The linear maps the patch ops and cumsum are adjoints of one another by, named as their rules
 * name them: col (im2col) and col⁻¹ (col2im, its adjoint); unpool, which sends each window's
 * entry to the window's largest entries of the pooled images (ties share it), and unpoolᵀ, its
 * adjoint; running sums along an axis, from its start or from its end (each the other's adjoint).
 */
export type LinearMap =
  | { name: 'col' | 'colAdjoint'; walk: PatchWalk; imageShape: readonly number[] }
  | { name: 'unpool' | 'unpoolAdjoint'; walk: PatchWalk; images: Expr }
  | { name: 'cumsum'; axis: number; reverse: boolean };

/**
 * One node of an equation's right-hand side. Leaves are forward values of the graph (`value`),
 * gradients defined by earlier equations (`grad`) and numbers; the rest are the matrix
 * operations the rules are written in. Shapes follow numpy broadcasting, as the ops do.
 */
export type Expr =
  | {
      /** A forward value of the graph. */
      kind: 'value';
      /** How it is written. */
      name: MathName;
      /** The tensor whose value it is. */
      tensor: Tensor;
    }
  | {
      /** A gradient an earlier equation defined (or the seed). */
      kind: 'grad';
      /** How it is written, e.g. dW⁽¹⁾. */
      name: MathName;
      /** The equation key it is looked up by (see `EvaluationContext.grad`). */
      key: string;
    }
  | {
      /** A number. */
      kind: 'number';
      /** Its value. */
      value: number;
      /** A letter it is written as (N, p), where it has one; else the number is written. */
      name?: MathName;
    }
  | {
      /** The matrix product left·right. */
      kind: 'matmul';
      /** The left factor. */
      left: Expr;
      /** The right factor. */
      right: Expr;
    }
  | {
      /** The elementwise product left∘right. */
      kind: 'hadamard';
      /** The left factor. */
      left: Expr;
      /** The right factor. */
      right: Expr;
    }
  | {
      /** Elementwise division left / right. */
      kind: 'divide';
      /** The numerator. */
      left: Expr;
      /** The denominator. */
      right: Expr;
    }
  | {
      /** The sum left + right. */
      kind: 'add';
      /** The first term. */
      left: Expr;
      /** The second term. */
      right: Expr;
    }
  | {
      /** The difference left − right. */
      kind: 'subtract';
      /** The term subtracted from. */
      left: Expr;
      /** The term subtracted. */
      right: Expr;
    }
  | {
      /** −arg. */
      kind: 'negate';
      /** The negated expression. */
      arg: Expr;
    }
  | {
      /** arg raised elementwise to exponent. */
      kind: 'power';
      /** The base. */
      arg: Expr;
      /** The exponent. */
      exponent: Expr;
    }
  | {
      /** A transpose; `perm` absent: the matrix transpose (the last two axes swapped), written Aᵀ. */
      kind: 'transpose';
      /** The transposed expression. */
      arg: Expr;
      /** The axes in their new order, for a general permutation. */
      perm?: readonly number[];
    }
  | {
      /** A function applied elementwise (or along an axis, for the softmaxes). */
      kind: 'call';
      /** Which function. */
      fn: FunctionName;
      /** Its argument. */
      arg: Expr;
      /** The axis of a softmax or log softmax. */
      axis?: number;
    }
  | {
      /** f′(at), evaluated as `value` (which may use the function's output, as the rules do). */
      kind: 'derivative';
      /** The function differentiated. */
      fn: DerivativeName;
      /** Where the derivative is taken, as written. */
      at: Expr;
      /** What it is computed as. */
      value: Expr;
    }
  | {
      /** Iverson bracket: 1 where the relation holds, else 0. */
      kind: 'indicator';
      /** The left side of the relation. */
      left: Expr;
      /** The relation. */
      relation: '>' | '=';
      /** The right side of the relation. */
      right: Expr;
    }
  | {
      /** Summed down to `shape` over the axes it was broadcast along (1ᵀ·X for a bias). */
      kind: 'sumTo';
      /** The expression summed. */
      arg: Expr;
      /** The shape summed down to. */
      shape: readonly number[];
      /** The shape of `arg`. */
      from: readonly number[];
    }
  | {
      /** Summed over `axes`, kept as size-1 axes so it broadcasts back (rowsum). */
      kind: 'sumAxes';
      /** The expression summed. */
      arg: Expr;
      /** The axes summed over. */
      axes: readonly number[];
    }
  | {
      /** Reshaped to `kept`, then repeated to `shape`. */
      kind: 'broadcast';
      /** The expression repeated. */
      arg: Expr;
      /** Its shape with the repeated axes as 1s. */
      kept: readonly number[];
      /** The shape repeated to. */
      shape: readonly number[];
    }
  | {
      /** The same elements in another shape. */
      kind: 'reshape';
      /** The expression reshaped. */
      arg: Expr;
      /** The new shape. */
      shape: readonly number[];
    }
  | {
      /** The same values in another dtype. */
      kind: 'cast';
      /** The expression cast. */
      arg: Expr;
      /** The dtype cast to. */
      dtype: DType;
    }
  | {
      /** The positions of `window` picked out of `arg`. */
      kind: 'slice';
      /** The expression sliced. */
      arg: Expr;
      /** The positions picked. */
      window: Window;
      /** The shape of `arg`. */
      from: readonly number[];
    }
  | {
      /** Zeros of `shape` with `arg` placed at the window's positions. */
      kind: 'unslice';
      /** The values placed. */
      arg: Expr;
      /** Where they are placed. */
      window: Window;
      /** The shape of the result. */
      shape: readonly number[];
    }
  | {
      /** The entries of `arg` at the gather's indices along its axis. */
      kind: 'take';
      /** The expression gathered from. */
      arg: Expr;
      /** The axis and indices. */
      gather: Gather;
    }
  | {
      /** Zeros with `arg`'s slices added at the gather's indices (the adjoint of take). */
      kind: 'scatterAdd';
      /** The slices added. */
      arg: Expr;
      /** The axis, indices and output size. */
      gather: Gather;
    }
  | {
      /** One of the named linear maps of the patch ops and cumsum, applied to `arg`. */
      kind: 'linearMap';
      /** Which map, with what it is parameterized by. */
      map: LinearMap;
      /** The expression mapped. */
      arg: Expr;
    }
  | {
      /** whenTrue where mask is non-zero, whenFalse elsewhere. */
      kind: 'select';
      /** The mask. */
      mask: Expr;
      /** The values where the mask is non-zero. */
      whenTrue: Expr;
      /** The values where it is zero. */
      whenFalse: Expr;
    };

/** The name of each kind of node. */
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
  linearMap: (map: LinearMap, arg: Expr): Expr => ({ kind: 'linearMap', map, arg }),
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
    case 'linearMap':
      return 'images' in e.map ? [e.arg, e.map.images] : [e.arg];
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
