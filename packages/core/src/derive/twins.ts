import { tensor, type DType, type Tensor } from '../index.js';
import { AttrReader } from './attrs.js';
import { build as E, type Expr, type Gather, type LinearMap, type Window } from './expr.js';

/** What a twin sees of one node of the graph: its operands as expressions, shapes and attributes. */
export interface TwinContext {
  op: string;
  inputs: readonly Expr[];
  output: Expr;
  inputShapes: readonly (readonly number[])[];
  outputShape: readonly number[];
  inputDtypes: readonly DType[];
  attrs: AttrReader;
  /** A constant the rule needs that is no tensor of the graph (where's mask), as a value. */
  constant(base: string, t: Tensor): Expr;
  /** When deriving a rule, constants are written as letters (p, n); in a graph, as numbers. */
  symbolic: boolean;
}

/**
 * A structured twin of an op's backward rule: the matrix identity of its `identity` text as an
 * expression per input, given the upstream gradient `dOut`. deriveBackward writes equations
 * with these; a test evaluates each against the op's own rule, so the text a person reads and
 * the code that runs cannot drift apart.
 */
export type Twin = (dOut: Expr, ctx: TwinContext) => Expr[];

/** A constant written as a letter in a rule (p, n, N), standing for its value. */
const letter = (text: string, value: number, latex = text): Expr => E.number(value, { text, latex, simple: true });

/** The size-1 shape that broadcasts back over reduced axes (what keepDims would give). */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Rows of a batch are the last axis: written rowsum, softmax without an axis. */
function rowAxis(axis: number, rank: number): number {
  return axis === rank - 1 ? -1 : axis;
}

function windowOf(a: AttrReader): Window {
  return { start: a.integers('start'), step: a.integers('step'), count: a.integers('count') };
}

function gatherOf(a: AttrReader): Gather {
  return { axis: a.integer('axis'), indices: a.integers('indices'), indexShape: a.integers('indexShape'), size: a.integer('size') };
}

function inversePermutation(perm: readonly number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return inverse;
}

const isMatrixTranspose = (perm: readonly number[]): boolean =>
  perm.length >= 2 && perm.every((p, i) => (i < perm.length - 2 ? p === i : p === (i === perm.length - 1 ? perm.length - 2 : perm.length - 1)));

function reductionTwin(divideByCount: boolean): Twin {
  return (d, { inputShapes: [shape], attrs, symbolic }) => {
    const axes = attrs.integers('axes');
    const back = E.broadcast(d, keptShape(shape!, axes), shape!);
    if (!divideByCount) return [back];
    const count = axes.reduce((n, i) => n * shape![i]!, 1);
    return [E.divide(back, symbolic ? letter('n', count) : E.number(count))];
  };
}

/** The patch op's walk and images shape, as im2col and col2im record them. */
function patchMap(name: 'col' | 'colAdjoint', a: AttrReader): LinearMap {
  return { name, walk: a.walk('geometry'), imageShape: a.integers('imageShape') };
}

/** gelu′(A) = Φ(A) + A∘φ(A); for the tanh form, σ(2u) + 2A∘σ(2u)∘(1 − σ(2u))∘u′ with u = √(2/π)·(A + 0.044715·A³). */
function geluDerivative(a: Expr, form: string): Expr {
  if (form === 'erf') return E.add(E.call('normalCdf', a), E.hadamard(a, E.call('normalPdf', a)));
  const [scale, cubic] = [Math.sqrt(2 / Math.PI), 0.044715];
  const u = E.hadamard(E.number(scale), E.add(a, E.hadamard(E.number(cubic), E.power(a, E.number(3)))));
  const du = E.hadamard(E.number(scale), E.add(E.number(1), E.hadamard(E.number(3 * cubic), E.power(a, E.number(2)))));
  const s = E.call('sigmoid', E.hadamard(E.number(2), u));
  return E.add(s, E.hadamard(E.hadamard(E.hadamard(E.hadamard(E.number(2), a), s), E.subtract(E.number(1), s)), du));
}

const TWO_OVER_SQRT_PI = E.number(2 / Math.sqrt(Math.PI), { text: '(2/√π)', latex: '\\frac{2}{\\sqrt{\\pi}}', simple: true });

export const TWINS: Readonly<Record<string, Twin>> = {
  add: (d) => [d, d],
  sub: (d) => [d, E.negate(d)],
  mul: (d, { inputs: [a, b] }) => [E.hadamard(d, b!), E.hadamard(d, a!)],
  div: (d, { inputs: [a, b] }) => [E.divide(d, b!), E.negate(E.divide(E.hadamard(d, a!), E.power(b!, E.number(2))))],
  neg: (d) => [E.negate(d)],
  pow: (d, { inputs: [a], attrs, symbolic }) => {
    const p = attrs.number('exponent');
    const [factor, exponent] = symbolic ? [letter('p', p), letter('p−1', p - 1, 'p-1')] : [E.number(p), E.number(p - 1)];
    return [E.hadamard(d, E.hadamard(factor, E.power(a!, exponent)))];
  },
  // Where A = B = 0 the rule raises the exponent by 1 (B∘A⁰ = 0, not 0·∞) and takes log(1) for
  // log(0); the brackets say so.
  powTensor: (d, { inputs: [a, b], output }) => {
    const [aIsZero, bIsZero] = [E.indicator(a!, '=', E.number(0)), E.indicator(b!, '=', E.number(0))];
    return [
      E.hadamard(d, E.hadamard(b!, E.power(a!, E.add(E.subtract(b!, E.number(1)), E.hadamard(aIsZero, bIsZero))))),
      E.hadamard(d, E.hadamard(output, E.call('log', E.add(a!, aIsZero)))),
    ];
  },
  exp: (d, { output }) => [E.hadamard(d, output)],
  sin: (d, { inputs: [a] }) => [E.hadamard(d, E.call('cos', a!))],
  cos: (d, { inputs: [a] }) => [E.negate(E.hadamard(d, E.call('sin', a!)))],
  log1p: (d, { inputs: [a] }) => [E.divide(d, E.add(E.number(1), a!))],
  expm1: (d, { output }) => [E.hadamard(d, E.add(output, E.number(1)))],
  erf: (d, { inputs: [a] }) => [E.hadamard(d, E.hadamard(TWO_OVER_SQRT_PI, E.call('exp', E.negate(E.power(a!, E.number(2))))))],
  softplus: (d, { inputs: [a] }) => [E.hadamard(d, E.call('sigmoid', a!))],
  gelu: (d, { inputs: [a], attrs }) => [E.hadamard(d, E.derivative('gelu', a!, geluDerivative(a!, attrs.string('approximate'))))],
  cumsum: (d, { attrs }) => [E.linearMap({ name: 'cumsum', axis: attrs.integer('axis'), reverse: !attrs.boolean('reverse') }, d)],
  im2col: (d, { attrs }) => [E.linearMap(patchMap('colAdjoint', attrs), d)],
  col2im: (d, { attrs }) => [E.linearMap(patchMap('col', attrs), d)],
  maxPool2d: (d, { inputs: [x], attrs }) => [E.linearMap({ name: 'unpool', walk: attrs.walk('geometry'), images: x! }, d)],
  maxUnpool2d: (d, { attrs, constant }) => [E.linearMap({ name: 'unpoolAdjoint', walk: attrs.walk('geometry'), images: constant('X', attrs.tensor('images')) }, d)],
  log: (d, { inputs: [a] }) => [E.divide(d, a!)],
  sqrt: (d, { output }) => [E.divide(d, E.hadamard(E.number(2), output))],
  relu: (d, { inputs: [a] }) => [E.hadamard(d, E.derivative('relu', a!, E.indicator(a!, '>', E.number(0))))],
  sigmoid: (d, { inputs: [a], output }) => [E.hadamard(d, E.derivative('sigmoid', a!, E.hadamard(output, E.subtract(E.number(1), output))))],
  tanh: (d, { inputs: [a], output }) => [E.hadamard(d, E.derivative('tanh', a!, E.subtract(E.number(1), E.power(output, E.number(2)))))],
  matmul: (d, { inputs: [a, b] }) => [E.matmul(d, E.transpose(b!)), E.matmul(E.transpose(a!), d)],
  affine: (d, { inputs: [x, w], outputShape, inputShapes }) => [
    E.matmul(d, E.transpose(w!)),
    E.matmul(E.transpose(x!), d),
    E.sumTo(d, inputShapes[2]!, outputShape),
  ],
  sum: reductionTwin(false),
  mean: reductionTwin(true),
  max: (d, { inputs: [a], output, inputShapes: [shape], attrs }) => {
    const axes = attrs.integers('axes');
    const kept = keptShape(shape!, axes);
    const winners = E.indicator(a!, '=', E.broadcast(output, kept, shape!));
    return [E.hadamard(E.broadcast(d, kept, shape!), E.divide(winners, E.sumAxes(winners, axes)))];
  },
  reshape: (d, { inputShapes: [shape] }) => [E.reshape(d, shape!)],
  transpose: (d, { attrs }) => {
    const inverse = inversePermutation(attrs.integers('perm'));
    return [isMatrixTranspose(inverse) ? E.transpose(d) : E.transpose(d, inverse)];
  },
  broadcastTo: (d, { inputShapes: [shape], outputShape }) => [E.sumTo(d, shape!, outputShape)],
  sumTo: (d, { inputShapes: [shape], outputShape }) => [E.broadcast(d, outputShape, shape!)],
  cast: (d, { inputDtypes: [dtype] }) => [E.cast(d, dtype!)],
  clone: (d) => [d],
  softmax: (d, { output, inputShapes: [shape], attrs }) => {
    const axis = rowAxis(attrs.integer('axis'), shape!.length);
    return [E.hadamard(output, E.subtract(d, E.sumAxes(E.hadamard(d, output), [axis])))];
  },
  logSoftmax: (d, { inputs: [a], inputShapes: [shape], attrs }) => {
    const axis = rowAxis(attrs.integer('axis'), shape!.length);
    return [E.subtract(d, E.hadamard(E.call('softmax', a!, axis === -1 ? undefined : axis), E.sumAxes(d, [axis])))];
  },
  softmaxCrossEntropy: (d, { inputs: [a, y], inputShapes: [shape], attrs }) => {
    const n = letter('N', shape![0]!);
    // The general rule is (B∘rowsum(Y) − Y)/N; with class indices every row of Y sums to 1 and it is (B − Y)/N.
    const probabilities = attrs.boolean('rowsSumToOne') ? E.call('softmax', a!) : E.hadamard(E.call('softmax', a!), E.sumAxes(y!, [-1]));
    return [
      E.hadamard(d, E.divide(E.subtract(probabilities, y!), n)),
      E.negate(E.hadamard(d, E.divide(E.call('logSoftmax', a!), n))),
    ];
  },
  slice: (d, { inputShapes: [shape], attrs }) => [E.unslice(d, windowOf(attrs), shape!)],
  unslice: (d, { outputShape, attrs }) => [E.slice(d, windowOf(attrs), outputShape)],
  concat: (d, { inputs, outputShape, attrs }) => {
    const axis = attrs.integer('axis');
    const offsets = attrs.integers('offsets');
    return inputs.map((_, k) => {
      const window: Window = {
        start: outputShape.map((_, i) => (i === axis ? offsets[k]! : 0)),
        step: outputShape.map(() => 1),
        count: outputShape.map((n, i) => (i === axis ? offsets[k + 1]! - offsets[k]! : n)),
      };
      return E.slice(d, window, outputShape);
    });
  },
  take: (d, { attrs }) => [E.scatterAdd(d, gatherOf(attrs))],
  scatterAdd: (d, { attrs }) => [E.take(d, gatherOf(attrs))],
  where: (d, { outputShape, inputDtypes: [dtype], attrs, constant }) => {
    const mask = constant('M', tensor(Float64Array.from(attrs.flags('mask')), { shape: outputShape, dtype: dtype! }));
    return [E.select(mask, d, E.number(0)), E.select(mask, E.number(0), d)];
  },
};

/** The engine's own rule: gradients meeting at a tensor used more than once are summed. */
export function branchTwin(contributions: readonly Expr[]): Expr {
  return contributions.reduce((sum, c) => E.add(sum, c));
}
