import {
  affine,
  col2im,
  cos,
  cumsum,
  erf,
  expm1,
  gelu,
  gradients,
  im2col,
  log1p,
  maxPool2d,
  sin,
  softplus,
  broadcastTo,
  cast,
  clone,
  concat,
  gt,
  logSoftmax,
  max,
  mean,
  Rng,
  rand,
  randn,
  reshape,
  scatterAdd,
  slice,
  softmax,
  softmaxCrossEntropy,
  sum,
  sumTo,
  take,
  tensor,
  transpose,
  unslice,
  where,
  type Tensor,
} from '../../index.js';

/** A small graph for one op: its output, made by that op directly from `inputs` (leaves that
 *  require grad, named with the letters of the op's rule). */
export interface Specimen {
  inputs: Tensor[];
  output: Tensor;
}

type Build = (rng: Rng) => Specimen;

const variable = (name: string, shape: number[], rng: Rng, low = -1, high = 1): Tensor =>
  rand(shape, { rng, low, high, requiresGrad: true, name });

const unary = (outputName: string, op: (a: Tensor) => Tensor, low = -1, high = 1): Build => (rng) => {
  const a = variable('A', [3, 4], rng, low, high);
  return { inputs: [a], output: op(a).named(outputName) };
};

const binary = (op: (a: Tensor, b: Tensor) => Tensor, low = -1, high = 1): Build => (rng) => {
  const [a, b] = [variable('A', [3, 4], rng), variable('B', [3, 4], rng, low, high)];
  return { inputs: [a, b], output: op(a, b).named('C') };
};

/** One specimen per registered op, with shapes and attributes that match its derivation
 *  (sum over the rows, max along each row, a slice with a step, an index taken twice). */
export const SPECIMENS: Readonly<Record<string, Build>> = {
  add: binary((a, b) => a.add(b)),
  sub: binary((a, b) => a.sub(b)),
  mul: binary((a, b) => a.mul(b)),
  div: binary((a, b) => a.div(b), 0.5, 2),
  neg: unary('C', (a) => a.neg()),
  pow: unary('C', (a) => a.pow(3), 0.2, 2),
  // Two zero bases, one with a zero exponent: the cases the rule (and the twin's brackets) treat apart.
  powTensor: (rng) => {
    const [base, exponent] = [rand([3, 4], { rng, low: 0.2, high: 2 }).values(), rand([3, 4], { rng, low: -1.5, high: 1.5 }).values()];
    [base[0], exponent[0], base[1], exponent[1]] = [0, 0, 0, 1.5];
    const a = tensor(base, { shape: [3, 4], requiresGrad: true, name: 'A' });
    const b = tensor(exponent, { shape: [3, 4], requiresGrad: true, name: 'B' });
    return { inputs: [a, b], output: a.pow(b).named('C') };
  },
  exp: unary('B', (a) => a.exp()),
  log: unary('B', (a) => a.log(), 0.2, 2),
  sqrt: unary('B', (a) => a.sqrt(), 0.2, 2),
  relu: unary('B', (a) => a.relu()),
  sigmoid: unary('B', (a) => a.sigmoid(), -3, 3),
  tanh: unary('B', (a) => a.tanh(), -2, 2),
  sin: unary('B', (a) => sin(a), -3, 3),
  cos: unary('B', (a) => cos(a), -3, 3),
  log1p: unary('B', (a) => log1p(a), -0.5, 2),
  expm1: unary('B', (a) => expm1(a)),
  erf: unary('B', (a) => erf(a), -2, 2),
  softplus: unary('B', (a) => softplus(a), -3, 3),
  gelu: unary('B', (a) => gelu(a), -3, 3),
  cumsum: unary('C', (a) => cumsum(a, 1)),
  matmul: (rng) => {
    const [a, b] = [variable('A', [3, 2], rng), variable('B', [2, 4], rng)];
    return { inputs: [a, b], output: a.matmul(b).named('C') };
  },
  affine: (rng) => {
    const [x, w, b] = [variable('Φ', [3, 2], rng), variable('W', [2, 4], rng), variable('b', [4], rng)];
    return { inputs: [x, w, b], output: affine(x, w, b).named('Z') };
  },
  sum: unary('C', (a) => sum(a, 0)),
  mean: unary('C', (a) => mean(a, 0)),
  max: () => {
    // Row 1 has a tie: its gradient is shared by the two largest entries.
    const a = tensor([[0.5, -1, 2, 0.25], [1.5, 1.5, -0.5, 0], [-2, -0.75, -1, -3]], { requiresGrad: true, name: 'A' });
    return { inputs: [a], output: max(a, 1).named('C') };
  },
  reshape: unary('C', (a) => reshape(a, [2, 6])),
  transpose: unary('C', (a) => transpose(a)),
  broadcastTo: (rng) => {
    const a = variable('A', [4], rng);
    return { inputs: [a], output: broadcastTo(a, [3, 4]).named('C') };
  },
  sumTo: unary('C', (a) => sumTo(a, [4])),
  cast: unary('C', (a) => cast(a, 'float32')),
  clone: unary('C', (a) => clone(a)),
  softmax: unary('B', (a) => softmax(a), -2, 2),
  logSoftmax: unary('B', (a) => logSoftmax(a), -2, 2),
  softmaxCrossEntropy: (rng) => {
    const a = variable('A', [3, 4], rng, -2, 2);
    const y = tensor([[0, 1, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]], { requiresGrad: true, name: 'Y' });
    return { inputs: [a, y], output: softmaxCrossEntropy(a, y).named('L') };
  },
  slice: (rng) => {
    const a = variable('A', [4, 5], rng);
    return { inputs: [a], output: slice(a, [[1, 3], [0, null, 2]]).named('C') };
  },
  unslice: (rng) => {
    const a = variable('A', [2, 3], rng);
    return { inputs: [a], output: unslice(a, [4, 5], [[1, 3], [0, null, 2]]).named('C') };
  },
  concat: (rng) => {
    const [a1, a2] = [variable('A1', [2, 3], rng), variable('A2', [1, 3], rng)];
    return { inputs: [a1, a2], output: concat([a1, a2], 0).named('C') };
  },
  take: (rng) => {
    const a = variable('A', [4, 3], rng);
    return { inputs: [a], output: take(a, [2, 0, 2], 0).named('C') };
  },
  scatterAdd: (rng) => {
    const a = variable('A', [3, 3], rng);
    return { inputs: [a], output: scatterAdd(a, [2, 0, 2], 0, 4).named('C') };
  },
  // Two images of one channel, 2×2 patches that overlap (a pixel is in up to four of them).
  im2col: (rng) => {
    const a = variable('A', [2, 1, 4, 4], rng);
    return { inputs: [a], output: im2col(a, 2).named('C') };
  },
  col2im: (rng) => {
    const a = variable('A', [4, 18], rng);
    return { inputs: [a], output: col2im(a, [2, 1, 4, 4], 2).named('C') };
  },
  maxPool2d: (rng) => {
    const x = tiedImages(rng);
    return { inputs: [x], output: maxPool2d(x, 2, { stride: 1 }).named('Y') };
  },
  // maxUnpool2d is made only by maxPool2d's rule: its graph is that rule run with createGraph.
  maxUnpool2d: (rng) => {
    const x = tiedImages(rng);
    const y = maxPool2d(x, 2, { stride: 1 });
    const a = variable('A', [...y.shape], rng);
    const [output] = gradients(y, [x], { gradient: a, createGraph: true });
    return { inputs: [a], output: output!.named('C') };
  },
  where: (rng) => {
    const mask = gt(randn([3, 4], { rng }), 0);
    const [a, b] = [variable('A', [3, 4], rng), variable('B', [3, 4], rng)];
    return { inputs: [a, b], output: where(mask, a, b).named('C') };
  },
};

/** Images [1, 2, 4, 4] whose first two pixels tie for the largest value: the window over both shares its gradient. */
function tiedImages(rng: Rng): Tensor {
  const values = rand([1, 2, 4, 4], { rng, low: -1, high: 1 }).values();
  values[0] = values[1] = 2;
  return tensor(values, { shape: [1, 2, 4, 4], requiresGrad: true, name: 'X' });
}

export function buildSpecimen(op: string, seed = 1): Specimen {
  const build = SPECIMENS[op];
  if (build === undefined) throw new Error(`specimen: no specimen graph for op '${op}'; ops with one: ${Object.keys(SPECIMENS).join(', ')}`);
  return build(new Rng(seed));
}
