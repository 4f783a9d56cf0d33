/**
 * The index-notation derivations of the rules, in the notes' steps: the element form of the
 * forward, the chain rule summed over every output element, the terms that survive (and why),
 * and what is left, element by element. The matrix form that closes each derivation is not
 * written here: it is rendered from the op's structured twin, which a test checks against the
 * op's code. Math is LaTeX; `why` and `note` are prose with math between $…$.
 */

export type StepKind = 'chain rule' | 'element form' | 'surviving terms' | 'derivative' | 'element result';

export interface SourceStep {
  kind: StepKind;
  latex: string;
  why?: string;
}

export interface InputSource {
  /** The left side every step equals: ∂L/∂a_ij. */
  lhs: string;
  steps: SourceStep[];
}

export interface RuleSource {
  title: string;
  /** The forward in matrix form, and element by element. */
  forward: string;
  element: string;
  /** One derivation per input, in input order. */
  inputs: InputSource[];
  note?: string;
}

const dL = (x: string) => `\\frac{\\partial L}{\\partial ${x}}`;
const d = (y: string, x: string) => `\\frac{\\partial ${y}}{\\partial ${x}}`;
const sums = (...indices: string[]) => `${indices.map((i) => `\\sum_{${i}}`).join(' ')} `;
const el = (letter: string, indices: string) => `${letter}_{${indices}}`;

interface Pointwise {
  out: string;
  input: string;
  /** The output element at the given indices, as a function of the inputs' elements. */
  element: (ij: string) => string;
  /** ∂(element)/∂(input element) at ij, then any further simplifications. */
  results: string[];
  whyResults?: string[];
}

/** The derivation for an elementwise op: every output element depends on the input element at its own position only. */
function pointwise({ out, input, element, results, whyResults = [] }: Pointwise): InputSource {
  const x = el(input, 'ij');
  return {
    lhs: dL(x),
    steps: [
      { kind: 'chain rule', latex: `${sums('k', 'l')}${dL(el(out, 'kl'))}\\;${d(el(out, 'kl'), x)}` },
      { kind: 'element form', latex: `${sums('k', 'l')}${dL(el(out, 'kl'))}\\;${d(`\\left(${element('kl')}\\right)`, x)}` },
      {
        kind: 'surviving terms',
        latex: `${dL(el(out, 'ij'))}\\;${d(`\\left(${element('ij')}\\right)`, x)}`,
        why: `only $k = i, l = j$ survive: $${el(out, 'kl')}$ depends on $${x}$ only at its own position`,
      },
      ...results.map((latex, n): SourceStep => ({ kind: n === 0 ? 'derivative' : 'element result', latex, ...(whyResults[n] ? { why: whyResults[n] } : {}) })),
    ],
  };
}

const cij = dL(el('c', 'ij'));
const bij = dL(el('b', 'ij'));

function binary(title: string, forward: string, element: (ij: string) => string, resultA: string, resultB: string, note?: string): RuleSource {
  return {
    title,
    forward,
    element: `${el('c', 'ij')} = ${element('ij')}`,
    inputs: [pointwise({ out: 'c', input: 'a', element, results: [resultA] }), pointwise({ out: 'c', input: 'b', element, results: [resultB] })],
    ...(note === undefined ? {} : { note }),
  };
}

/** b_ij = f(a_ij): the generic elementwise derivation, then f′ for the particular f. */
function activation(title: string, forward: string, f: (x: string) => string, fPrime: string[], note?: string): RuleSource {
  return {
    title,
    forward,
    element: `${el('b', 'ij')} = ${f(el('a', 'ij'))}`,
    inputs: [
      pointwise({
        out: 'b',
        input: 'a',
        element: (ij) => f(el('a', ij)),
        results: fPrime.map((p) => `${bij}\\;${p}`),
      }),
    ],
    ...(note === undefined ? {} : { note }),
  };
}

const matmulA: InputSource = {
  lhs: dL(el('a', 'ij')),
  steps: [
    { kind: 'chain rule', latex: `${sums('k', 'l')}${dL(el('c', 'kl'))}\\;${d(el('c', 'kl'), el('a', 'ij'))}` },
    { kind: 'element form', latex: `${sums('k', 'l')}${dL(el('c', 'kl'))}\\;${sums('p')}${d(`\\left(a_{kp} b_{pl}\\right)`, el('a', 'ij'))}` },
    {
      kind: 'surviving terms',
      latex: `${sums('l')}${dL(el('c', 'il'))}\\;${d(`\\left(a_{ij} b_{jl}\\right)`, el('a', 'ij'))}`,
      why: `only $k = i, p = j$ survive: $a_{kp}$ is $a_{ij}$ there and another variable everywhere else`,
    },
    { kind: 'derivative', latex: `${sums('l')}${dL(el('c', 'il'))}\\;b_{jl}` },
    { kind: 'element result', latex: `${sums('l')}${dL(el('c', 'il'))}\\;b^{\\top}_{lj}`, why: `a sum over $l$ of row $i$ times column $j$: a matrix product` },
  ],
};

const matmulB: InputSource = {
  lhs: dL(el('b', 'ij')),
  steps: [
    { kind: 'chain rule', latex: `${sums('k', 'l')}${dL(el('c', 'kl'))}\\;${d(el('c', 'kl'), el('b', 'ij'))}` },
    { kind: 'element form', latex: `${sums('k', 'l')}${dL(el('c', 'kl'))}\\;${sums('p')}${d(`\\left(a_{kp} b_{pl}\\right)`, el('b', 'ij'))}` },
    {
      kind: 'surviving terms',
      latex: `${sums('k')}${dL(el('c', 'kj'))}\\;${d(`\\left(a_{ki} b_{ij}\\right)`, el('b', 'ij'))}`,
      why: `only $p = i, l = j$ survive`,
    },
    { kind: 'derivative', latex: `${sums('k')}${dL(el('c', 'kj'))}\\;a_{ki}` },
    { kind: 'element result', latex: `${sums('k')}a^{\\top}_{ik}\\;${dL(el('c', 'kj'))}`, why: `the transpose of $\\mathbf{A}$ comes first: mind the order of the factors` },
  ],
};

/** Column sums of a broadcast: c_kl = v_l for every row k, so ∂L/∂v_j collects column j. */
function columnSum(out: string, input: string, element: (kl: string) => string, elementAtJ: (k: string) => string): InputSource {
  const x = el(input, 'j');
  return {
    lhs: dL(x),
    steps: [
      { kind: 'chain rule', latex: `${sums('k', 'l')}${dL(el(out, 'kl'))}\\;${d(el(out, 'kl'), x)}` },
      { kind: 'element form', latex: `${sums('k', 'l')}${dL(el(out, 'kl'))}\\;${d(`\\left(${element('kl')}\\right)`, x)}` },
      {
        kind: 'surviving terms',
        latex: `${sums('k')}${dL(el(out, 'kj'))}\\;${d(`\\left(${elementAtJ('k')}\\right)`, x)}`,
        why: `only $l = j$ survives, but in every row $k$: the vector was repeated down the rows`,
      },
      { kind: 'derivative', latex: `${sums('k')}${dL(el(out, 'kj'))}` },
      { kind: 'element result', latex: `\\left[1, \\cdots, 1\\right]\\;${dL(`\\mathbf{${out.toUpperCase()}}`)}`, why: `a row of ones times the gradient sums its columns` },
    ],
  };
}

export const SOURCES: Readonly<Record<string, RuleSource>> = {
  'branch (fan-out)': {
    title: 'branch (fan-out)',
    forward: `\\mathbf{B} = \\mathbf{A},\\quad \\mathbf{C} = \\mathbf{A}`,
    element: `b_{ij} = a_{ij},\\quad c_{ij} = a_{ij}`,
    inputs: [
      {
        lhs: dL(el('a', 'ij')),
        steps: [
          {
            kind: 'chain rule',
            latex: `${sums('k', 'l')}${dL(el('b', 'kl'))}\\;${d(el('b', 'kl'), el('a', 'ij'))} + ${sums('p', 'q')}${dL(el('c', 'pq'))}\\;${d(el('c', 'pq'), el('a', 'ij'))}`,
            why: `$L$ depends on $\\mathbf{A}$ through both $\\mathbf{B}$ and $\\mathbf{C}$: one chain-rule sum for each`,
          },
          { kind: 'element form', latex: `${sums('k', 'l')}${dL(el('b', 'kl'))}\\;${d(el('a', 'kl'), el('a', 'ij'))} + ${sums('p', 'q')}${dL(el('c', 'pq'))}\\;${d(el('a', 'pq'), el('a', 'ij'))}` },
          {
            kind: 'surviving terms',
            latex: `${dL(el('b', 'ij'))}\\;${d(el('a', 'ij'), el('a', 'ij'))} + ${dL(el('c', 'ij'))}\\;${d(el('a', 'ij'), el('a', 'ij'))}`,
            why: `only $k = i, l = j$ and $p = i, q = j$ survive`,
          },
          { kind: 'derivative', latex: `${dL(el('b', 'ij'))} + ${dL(el('c', 'ij'))}` },
        ],
      },
    ],
    note: 'This rule belongs to the engine, not to an op: gradients meeting at a tensor used more than once are summed.',
  },
  add: binary('add', `\\mathbf{C} = \\mathbf{A} + \\mathbf{B}`, (ij) => `a_{${ij}} + b_{${ij}}`, cij, cij, 'In a forward add, the backward is a branch: the gradient passes to both inputs unchanged.'),
  'broadcast add': {
    title: 'broadcast add (a bias)',
    forward: `\\mathbf{C} = \\mathbf{A} + \\mathbf{b}`,
    element: `c_{ij} = a_{ij} + b_{j}`,
    inputs: [
      pointwise({ out: 'c', input: 'a', element: (kl) => `a_{${kl}} + b_{${kl[1]}}`, results: [cij] }),
      columnSum('c', 'b', (kl) => `a_{${kl}} + b_{${kl[1]}}`, (k) => `a_{${k}j} + b_{j}`),
    ],
    note: 'matgrad records this as two steps, broadcastTo (which repeats $\\mathbf{b}$ down the rows) and add; the derivation of the pair is this one.',
  },
  sub: binary('sub', `\\mathbf{C} = \\mathbf{A} - \\mathbf{B}`, (ij) => `a_{${ij}} - b_{${ij}}`, cij, `-${cij}`),
  mul: binary('Hadamard product (mul)', `\\mathbf{C} = \\mathbf{A} \\circ \\mathbf{B}`, (ij) => `a_{${ij}} b_{${ij}}`, `${cij}\\;b_{ij}`, `${cij}\\;a_{ij}`, 'The order of the factors does not matter: each input gets the gradient times the other input.'),
  div: binary('div', `\\mathbf{C} = \\mathbf{A} / \\mathbf{B}`, (ij) => `\\frac{a_{${ij}}}{b_{${ij}}}`, `\\frac{${cij}}{b_{ij}}`, `-${cij}\\;\\frac{a_{ij}}{b_{ij}^{2}}`),
  neg: {
    title: 'neg',
    forward: `\\mathbf{C} = -\\mathbf{A}`,
    element: `c_{ij} = -a_{ij}`,
    inputs: [pointwise({ out: 'c', input: 'a', element: (ij) => `-a_{${ij}}`, results: [`-${cij}`] })],
  },
  pow: {
    title: 'pow (a power by a number p)',
    forward: `\\mathbf{C} = \\mathbf{A}^{p}`,
    element: `c_{ij} = a_{ij}^{p}`,
    inputs: [pointwise({ out: 'c', input: 'a', element: (ij) => `a_{${ij}}^{p}`, results: [`${cij}\\;p\\,a_{ij}^{p-1}`] })],
  },
  'elementwise f': activation('elementwise function f', `\\mathbf{B} = f(\\mathbf{A})`, (x) => `f(${x})`, [`f'(a_{ij})`], 'Every elementwise function follows this pattern; only $f\'$ differs (exp, log, sqrt, relu, sigmoid, tanh, sin, cos, log1p, expm1, erf, softplus, gelu below).'),
  exp: activation('exp', `\\mathbf{B} = \\exp(\\mathbf{A})`, (x) => `e^{${x}}`, [`e^{a_{ij}}`, `b_{ij}`], "exp is its own derivative, so the rule reuses the forward's output."),
  log: activation('log', `\\mathbf{B} = \\log(\\mathbf{A})`, (x) => `\\log ${x}`, [`\\frac{1}{a_{ij}}`]),
  sqrt: activation('sqrt', `\\mathbf{B} = \\sqrt{\\mathbf{A}}`, (x) => `\\sqrt{${x}}`, [`\\frac{1}{2\\sqrt{a_{ij}}}`, `\\frac{1}{2 b_{ij}}`]),
  relu: activation('relu', `\\mathbf{B} = \\max(\\mathbf{A}, 0)`, (x) => `\\max(${x}, 0)`, [`\\left[a_{ij} > 0\\right]`], 'At $a_{ij} = 0$ the derivative is taken as 0, as in PyTorch.'),
  sigmoid: activation('sigmoid', `\\mathbf{B} = \\sigma(\\mathbf{A}) = \\frac{1}{1 + e^{-\\mathbf{A}}}`, (x) => `\\sigma(${x})`, [`\\sigma(a_{ij})\\left(1 - \\sigma(a_{ij})\\right)`, `b_{ij}\\left(1 - b_{ij}\\right)`], "σ′ is written with σ itself, so the rule reuses the forward's output."),
  tanh: activation('tanh', `\\mathbf{B} = \\tanh(\\mathbf{A})`, (x) => `\\tanh ${x}`, [`\\left(1 - \\tanh^{2} a_{ij}\\right)`, `\\left(1 - b_{ij}^{2}\\right)`]),
  matmul: {
    title: 'matrix product (matmul)',
    forward: `\\mathbf{C} = \\mathbf{A}\\;\\mathbf{B}`,
    element: `c_{ij} = \\sum_{k} a_{ik} b_{kj}`,
    inputs: [matmulA, matmulB],
    note: 'For batches of matrices the same holds matrix by matrix; broadcast batch axes are then summed by broadcastTo\'s rule.',
  },
  affine: {
    title: 'affine layer',
    forward: `\\mathbf{Z} = \\boldsymbol{\\Phi}\\;\\mathbf{W} + \\mathbf{b}`,
    element: `z_{ij} = \\sum_{k} \\phi_{ik} w_{kj} + b_{j}`,
    inputs: [
      {
        lhs: dL(el('\\phi', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `${sums('k', 'l')}${dL(el('z', 'kl'))}\\;${d(el('z', 'kl'), el('\\phi', 'ij'))}` },
          { kind: 'element form', latex: `${sums('k', 'l')}${dL(el('z', 'kl'))}\\;${d(`\\left(\\sum_{p} \\phi_{kp} w_{pl} + b_{l}\\right)`, el('\\phi', 'ij'))}` },
          { kind: 'surviving terms', latex: `${sums('l')}${dL(el('z', 'il'))}\\;${d(`\\left(\\phi_{ij} w_{jl}\\right)`, el('\\phi', 'ij'))}`, why: `only $k = i, p = j$ survive; the bias does not depend on $\\boldsymbol{\\Phi}$` },
          { kind: 'derivative', latex: `${sums('l')}${dL(el('z', 'il'))}\\;w^{\\top}_{lj}` },
        ],
      },
      {
        lhs: dL(el('w', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `${sums('k', 'l')}${dL(el('z', 'kl'))}\\;${d(el('z', 'kl'), el('w', 'ij'))}` },
          { kind: 'element form', latex: `${sums('k', 'l')}${dL(el('z', 'kl'))}\\;${d(`\\left(\\sum_{p} \\phi_{kp} w_{pl} + b_{l}\\right)`, el('w', 'ij'))}` },
          { kind: 'surviving terms', latex: `${sums('k')}${dL(el('z', 'kj'))}\\;${d(`\\left(\\phi_{ki} w_{ij}\\right)`, el('w', 'ij'))}`, why: `only $p = i, l = j$ survive` },
          { kind: 'derivative', latex: `${sums('k')}\\phi^{\\top}_{ik}\\;${dL(el('z', 'kj'))}` },
        ],
      },
      columnSum('z', 'b', (kl) => `\\sum_{p} \\phi_{${kl[0]}p} w_{p${kl[1]}} + b_{${kl[1]}}`, (k) => `\\sum_{p} \\phi_{${k}p} w_{pj} + b_{j}`),
    ],
    note: "The notes' layer in one op: the matrix product's two rules and the bias's column sum.",
  },
  sum: {
    title: 'sum over an axis (here the rows)',
    forward: `\\mathbf{c} = \\mathbf{1}^{\\top}\\mathbf{A}`,
    element: `c_{j} = \\sum_{i} a_{ij}`,
    inputs: [
      {
        lhs: dL(el('a', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `${sums('l')}${dL(el('c', 'l'))}\\;${d(el('c', 'l'), el('a', 'ij'))}` },
          { kind: 'element form', latex: `${sums('l')}${dL(el('c', 'l'))}\\;${d(`\\left(\\sum_{k} a_{kl}\\right)`, el('a', 'ij'))}` },
          { kind: 'surviving terms', latex: `${dL(el('c', 'j'))}\\;${d(el('a', 'ij'), el('a', 'ij'))}`, why: `only $l = j, k = i$ survive` },
          { kind: 'derivative', latex: dL(el('c', 'j')), why: `the same for every row $i$: the gradient is broadcast back over the summed axis` },
        ],
      },
    ],
  },
  mean: {
    title: 'mean over an axis (here the rows)',
    forward: `\\mathbf{c} = \\frac{1}{n}\\;\\mathbf{1}^{\\top}\\mathbf{A}`,
    element: `c_{j} = \\frac{1}{n} \\sum_{i} a_{ij}`,
    inputs: [
      {
        lhs: dL(el('a', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `${sums('l')}${dL(el('c', 'l'))}\\;${d(el('c', 'l'), el('a', 'ij'))}` },
          { kind: 'element form', latex: `${sums('l')}${dL(el('c', 'l'))}\\;${d(`\\left(\\frac{1}{n} \\sum_{k} a_{kl}\\right)`, el('a', 'ij'))}` },
          { kind: 'surviving terms', latex: `${dL(el('c', 'j'))}\\;${d(`\\left(\\frac{1}{n} a_{ij}\\right)`, el('a', 'ij'))}`, why: `only $l = j, k = i$ survive` },
          { kind: 'derivative', latex: `\\frac{1}{n}\\;${dL(el('c', 'j'))}`, why: `broadcast back over the averaged axis and divided by its length $n$` },
        ],
      },
    ],
  },
  max: {
    title: 'max over an axis (here along each row)',
    forward: `\\mathbf{c} = \\max_{\\text{rows}} \\mathbf{A}`,
    element: `c_{i} = \\max_{j} a_{ij}`,
    inputs: [
      {
        lhs: dL(el('a', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `${sums('k')}${dL(el('c', 'k'))}\\;${d(el('c', 'k'), el('a', 'ij'))}` },
          {
            kind: 'element form',
            latex: `${sums('k')}${dL(el('c', 'k'))}\\;\\delta_{ki}\\;\\frac{\\left[a_{ij} = c_{i}\\right]}{t_{i}}`,
            why: `$c_k$ moves with $a_{ij}$ only in row $k = i$, and only if $a_{ij}$ is a largest entry; $t_i = \\sum_{l} [a_{il} = c_i]$ entries tie for it and share the change`,
          },
          { kind: 'surviving terms', latex: `${dL(el('c', 'i'))}\\;\\frac{\\left[a_{ij} = c_{i}\\right]}{t_{i}}`, why: `only $k = i$ survives` },
        ],
      },
    ],
    note: 'Where entries tie, max is not differentiable; splitting the gradient evenly among them is the choice matgrad makes (min is −max(−A), so it shares it).',
  },
  reshape: {
    title: 'reshape',
    forward: `\\mathbf{C} = \\operatorname{reshape}(\\mathbf{A})`,
    element: `c_{q} = a_{q} \\quad \\text{(flat positions in row-major order)}`,
    inputs: [
      {
        lhs: dL(el('a', 'p')),
        steps: [
          { kind: 'chain rule', latex: `${sums('q')}${dL(el('c', 'q'))}\\;${d(el('c', 'q'), el('a', 'p'))}` },
          { kind: 'element form', latex: `${sums('q')}${dL(el('c', 'q'))}\\;${d(el('a', 'q'), el('a', 'p'))}` },
          { kind: 'surviving terms', latex: dL(el('c', 'p')), why: `only $q = p$ survives: reshape moves no element, it only regroups the axes` },
        ],
      },
    ],
  },
  transpose: {
    title: 'transpose',
    forward: `\\mathbf{C} = \\mathbf{A}^{\\top}`,
    element: `c_{ij} = a_{ji}`,
    inputs: [
      {
        lhs: dL(el('a', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `${sums('k', 'l')}${dL(el('c', 'kl'))}\\;${d(el('c', 'kl'), el('a', 'ij'))}` },
          { kind: 'element form', latex: `${sums('k', 'l')}${dL(el('c', 'kl'))}\\;${d(el('a', 'lk'), el('a', 'ij'))}` },
          { kind: 'surviving terms', latex: dL(el('c', 'ji')), why: `only $l = i, k = j$ survive` },
        ],
      },
    ],
    note: 'For more axes, the inverse permutation takes the place of the transpose.',
  },
  broadcastTo: {
    title: 'broadcast (a vector repeated down the rows)',
    forward: `\\mathbf{C} = \\mathbf{1}\\;\\mathbf{a}^{\\top}`,
    element: `c_{ij} = a_{j}`,
    inputs: [columnSum('c', 'a', (kl) => `a_{${kl[1]}}`, () => `a_{j}`)],
    note: 'In general the gradient is summed over every axis the broadcast added or stretched (sumTo).',
  },
  sumTo: {
    title: 'sumTo (the adjoint of a broadcast; here over the rows)',
    forward: `\\mathbf{c} = \\mathbf{1}^{\\top}\\mathbf{A}`,
    element: `c_{j} = \\sum_{i} a_{ij}`,
    inputs: [
      {
        lhs: dL(el('a', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `${sums('l')}${dL(el('c', 'l'))}\\;${d(el('c', 'l'), el('a', 'ij'))}` },
          { kind: 'element form', latex: `${sums('l')}${dL(el('c', 'l'))}\\;${d(`\\left(\\sum_{k} a_{kl}\\right)`, el('a', 'ij'))}` },
          { kind: 'surviving terms', latex: dL(el('c', 'j')), why: `only $l = j, k = i$ survive: the gradient is broadcast back to the shape of $\\mathbf{A}$` },
        ],
      },
    ],
  },
  cast: {
    title: 'cast (another dtype)',
    forward: `\\mathbf{C} = \\mathbf{A} \\quad \\text{(stored in another dtype)}`,
    element: `c_{ij} = a_{ij}`,
    inputs: [pointwise({ out: 'c', input: 'a', element: (ij) => `a_{${ij}}`, results: [cij], whyResults: ['rounded back to the dtype of $\\mathbf{A}$'] })],
  },
  clone: {
    title: 'clone (a copy)',
    forward: `\\mathbf{C} = \\mathbf{A} \\quad \\text{(in a buffer of its own)}`,
    element: `c_{ij} = a_{ij}`,
    inputs: [pointwise({ out: 'c', input: 'a', element: (ij) => `a_{${ij}}`, results: [cij] })],
  },
  softmax: {
    title: 'softmax (along each row)',
    forward: `\\mathbf{B} = e^{\\mathbf{A}} / \\left(e^{\\mathbf{A}}\\;\\mathbf{1}\\right)`,
    element: `b_{ij} = \\frac{e^{a_{ij}}}{\\sum_{p} e^{a_{ip}}}`,
    inputs: [
      {
        lhs: dL(el('a', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `${sums('k', 'l')}${dL(el('b', 'kl'))}\\;${d(el('b', 'kl'), el('a', 'ij'))}` },
          { kind: 'element form', latex: `${sums('k', 'l')}${dL(el('b', 'kl'))}\\;${d(`\\left(\\frac{e^{a_{kl}}}{\\sum_{p} e^{a_{kp}}}\\right)`, el('a', 'ij'))}` },
          {
            kind: 'surviving terms',
            latex: `${sums('l')}${dL(el('b', 'il'))}\\;${d(`\\left(\\frac{e^{a_{il}}}{\\sum_{p} e^{a_{ip}}}\\right)`, el('a', 'ij'))}`,
            why: `only $k = i$ survives: row $k$ of $\\mathbf{B}$ depends on row $k$ of $\\mathbf{A}$ only, but on all of it, so the sum over $l$ stays`,
          },
          { kind: 'derivative', latex: `${sums('l')}${dL(el('b', 'il'))}\\;b_{ij}\\left(\\delta_{jl} - b_{il}\\right)`, why: `the quotient rule; $\\delta_{jl}$ is 1 where $j = l$, else 0` },
          { kind: 'element result', latex: `b_{ij}\\left(${dL(el('b', 'ij'))} - ${sums('l')}${dL(el('b', 'il'))}\\;b_{il}\\right)`, why: `the sum is the diagonal of $\\frac{\\partial L}{\\partial \\mathbf{B}}\\;\\mathbf{B}^{\\top}$: each row's $\\sum_{l}$ of the gradient times $\\mathbf{B}$` },
        ],
      },
    ],
  },
  logSoftmax: {
    title: 'log-softmax (along each row)',
    forward: `\\mathbf{B} = \\mathbf{A} - \\log\\left(e^{\\mathbf{A}}\\;\\mathbf{1}\\right)`,
    element: `b_{ij} = a_{ij} - \\log \\sum_{p} e^{a_{ip}}`,
    inputs: [
      {
        lhs: dL(el('a', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `${sums('k', 'l')}${dL(el('b', 'kl'))}\\;${d(el('b', 'kl'), el('a', 'ij'))}` },
          { kind: 'element form', latex: `${sums('k', 'l')}${dL(el('b', 'kl'))}\\;${d(`\\left(a_{kl} - \\log \\sum_{p} e^{a_{kp}}\\right)`, el('a', 'ij'))}` },
          { kind: 'surviving terms', latex: `${sums('l')}${dL(el('b', 'il'))}\\;\\left(\\delta_{lj} - s_{ij}\\right)`, why: `only $k = i$ survives; $s_{ij} = e^{a_{ij}} / \\sum_{p} e^{a_{ip}}$ is the softmax` },
          { kind: 'element result', latex: `${dL(el('b', 'ij'))} - s_{ij}\\;${sums('l')}${dL(el('b', 'il'))}` },
        ],
      },
    ],
  },
  'cross-entropy': {
    title: 'cross-entropy',
    forward: `L = -\\mathbf{1}^{\\top}\\left(\\mathbf{Y} \\circ \\log \\mathbf{B}\\right)\\mathbf{1}`,
    element: `L = -\\sum_{k} \\sum_{l} y_{kl} \\log b_{kl}`,
    inputs: [
      {
        lhs: dL(el('b', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `-${sums('k', 'l')}y_{kl}\\;${d(`\\log b_{kl}`, el('b', 'ij'))}`, why: `$L$ itself is written with the elements of $\\mathbf{B}$` },
          { kind: 'surviving terms', latex: `-y_{ij}\\;${d(`\\log b_{ij}`, el('b', 'ij'))}`, why: `only $k = i, l = j$ survive` },
          { kind: 'derivative', latex: `-\\frac{y_{ij}}{b_{ij}}` },
        ],
      },
    ],
    note: 'matgrad has no separate cross-entropy op: it is composed from log, mul and sum, or fused with softmax (below), which avoids dividing by $\\mathbf{B}$ where a probability underflows to 0.',
  },
  softmaxCrossEntropy: {
    title: 'softmax with cross-entropy, averaged over the batch',
    forward: `L = -\\frac{1}{N}\\;\\mathbf{1}^{\\top}\\left(\\mathbf{Y} \\circ \\log \\operatorname{softmax}(\\mathbf{A})\\right)\\mathbf{1}`,
    element: `L = -\\frac{1}{N} \\sum_{k} \\sum_{l} y_{kl} \\log s_{kl}, \\quad s_{kl} = \\frac{e^{a_{kl}}}{\\sum_{p} e^{a_{kp}}}`,
    inputs: [
      {
        lhs: dL(el('a', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `-\\frac{1}{N} ${sums('k', 'l')}y_{kl}\\;${d(`\\log s_{kl}`, el('a', 'ij'))}` },
          { kind: 'element form', latex: `-\\frac{1}{N} ${sums('k', 'l')}y_{kl}\\;${d(`\\left(a_{kl} - \\log \\sum_{p} e^{a_{kp}}\\right)`, el('a', 'ij'))}` },
          { kind: 'surviving terms', latex: `-\\frac{1}{N} ${sums('l')}y_{il}\\left(\\delta_{lj} - s_{ij}\\right)`, why: `only $k = i$ survives (the row of $a_{ij}$)` },
          { kind: 'derivative', latex: `-\\frac{1}{N}\\left(y_{ij} - s_{ij} ${sums('l')}y_{il}\\right)` },
          {
            kind: 'element result',
            latex: `\\frac{1}{N}\\left(s_{ij} ${sums('l')}y_{il} - y_{ij}\\right)`,
            why: `exact for any targets (label smoothing, rows that do not sum to 1); when each row of $\\mathbf{Y}$ sums to 1 (one-hot or probabilities) it is $\\frac{1}{N}(s_{ij} - y_{ij})$: the notes' diagonal of $(\\mathbf{Y}/\\mathbf{B})\\mathbf{B}^{\\top}$ being all ones`,
          },
        ],
      },
      {
        lhs: dL(el('y', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `-\\frac{1}{N} ${sums('k', 'l')}${d(`\\left(y_{kl} \\log s_{kl}\\right)`, el('y', 'ij'))}` },
          { kind: 'surviving terms', latex: `-\\frac{1}{N} \\log s_{ij}`, why: `only $k = i, l = j$ survive` },
        ],
      },
    ],
    note: 'Inside a larger graph both gradients are multiplied by the upstream $dL$. The fused rule never divides by a probability, so it stays finite where softmax underflows.',
  },
  slice: {
    title: 'slice (a strided window; one axis shown)',
    forward: `\\mathbf{c} = \\mathbf{a}[s : e : t]`,
    element: `c_{p} = a_{s + p t}`,
    inputs: [
      {
        lhs: dL(el('a', 'i')),
        steps: [
          { kind: 'chain rule', latex: `${sums('p')}${dL(el('c', 'p'))}\\;${d(el('c', 'p'), el('a', 'i'))}` },
          { kind: 'element form', latex: `${sums('p')}${dL(el('c', 'p'))}\\;${d(el('a', 's + p t'), el('a', 'i'))}` },
          { kind: 'surviving terms', latex: `${dL(el('c', '(i - s)/t'))}\\;\\left[i \\text{ is picked}\\right]`, why: `at most the one $p$ with $s + p t = i$ survives; positions the slice skipped get 0` },
        ],
      },
    ],
  },
  unslice: {
    title: 'unslice (a window placed in zeros; one axis shown)',
    forward: `\\mathbf{c} = \\operatorname{unslice}(\\mathbf{a})`,
    element: `c_{i} = \\sum_{p} a_{p} \\left[i = s + p t\\right]`,
    inputs: [
      {
        lhs: dL(el('a', 'p')),
        steps: [
          { kind: 'chain rule', latex: `${sums('i')}${dL(el('c', 'i'))}\\;${d(el('c', 'i'), el('a', 'p'))}` },
          { kind: 'element form', latex: `${sums('i')}${dL(el('c', 'i'))}\\;\\left[i = s + p t\\right]` },
          { kind: 'surviving terms', latex: dL(el('c', 's + p t')), why: `only $i = s + p t$ survives: the gradient is read back at the window` },
        ],
      },
    ],
  },
  concat: {
    title: 'concat (along the rows; input k starts at row o_k)',
    forward: `\\mathbf{C} = \\left[\\mathbf{A}_{1} ; \\mathbf{A}_{2}\\right] \\text{ (stacked along the rows)}`,
    element: `c_{o_{k} + i,\\, j} = (a_{k})_{ij}`,
    inputs: [1, 2].map((k) => ({
      lhs: dL(`(a_{${k}})_{ij}`),
      steps: [
        { kind: 'chain rule' as const, latex: `${sums('p', 'q')}${dL(el('c', 'pq'))}\\;${d(el('c', 'pq'), `(a_{${k}})_{ij}`)}` },
        { kind: 'surviving terms' as const, latex: dL(el('c', `o_{${k}} + i,\\, j`)), why: `only $p = o_{${k}} + i, q = j$ survive: input ${k} fills rows $o_{${k}}$ to $o_{${k + 1}} - 1$` },
      ],
    })),
  },
  take: {
    title: 'take (rows by index m; a row may be taken twice)',
    forward: `\\mathbf{C} = \\mathbf{A}[\\mathbf{m}]`,
    element: `c_{kj} = a_{m_{k} j}`,
    inputs: [
      {
        lhs: dL(el('a', 'pj')),
        steps: [
          { kind: 'chain rule', latex: `${sums('k', 'l')}${dL(el('c', 'kl'))}\\;${d(el('c', 'kl'), el('a', 'pj'))}` },
          { kind: 'element form', latex: `${sums('k', 'l')}${dL(el('c', 'kl'))}\\;${d(`a_{m_{k} l}`, el('a', 'pj'))}` },
          { kind: 'surviving terms', latex: `${sums('k')}${dL(el('c', 'kj'))}\\;\\left[m_{k} = p\\right]`, why: `$l = j$, and every $k$ that took row $p$: a row taken twice gets both gradients, the fan-out rule` },
        ],
      },
    ],
  },
  scatterAdd: {
    title: 'scatterAdd (rows added at index m; the adjoint of take)',
    forward: `\\mathbf{C} = \\operatorname{scatterAdd}(\\mathbf{A}, \\mathbf{m})`,
    element: `c_{pj} = \\sum_{k} \\left[m_{k} = p\\right] a_{kj}`,
    inputs: [
      {
        lhs: dL(el('a', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `${sums('p', 'l')}${dL(el('c', 'pl'))}\\;${d(el('c', 'pl'), el('a', 'ij'))}` },
          { kind: 'element form', latex: `${sums('p', 'l')}${dL(el('c', 'pl'))}\\;${sums('k')}\\left[m_{k} = p\\right]\\;${d(el('a', 'kl'), el('a', 'ij'))}` },
          { kind: 'surviving terms', latex: dL(el('c', 'm_{i} j')), why: `only $k = i, l = j, p = m_i$ survive: the gradient is gathered from where row $i$ went` },
        ],
      },
    ],
  },
  powTensor: binary(
    'powTensor (a power by a tensor)',
    `\\mathbf{C} = \\mathbf{A}^{\\mathbf{B}}`,
    (ij) => `a_{${ij}}^{b_{${ij}}}`,
    `${cij}\\;b_{ij}\\,a_{ij}^{b_{ij} - 1}`,
    `${cij}\\;a_{ij}^{b_{ij}} \\log a_{ij} = ${cij}\\;c_{ij} \\log a_{ij}`,
    'At $a_{ij} = 0$ the rule follows PyTorch: $\\log a_{ij}$ is read as $\\log 1$ (so $\\partial L/\\partial b_{ij} = 0$ there), and where $b_{ij} = 0$ too the exponent $b_{ij} - 1$ is raised by 1, so that $\\partial L/\\partial a_{ij}$ is 0 rather than $0 \\cdot \\infty$: the brackets $[A = 0]$, $[B = 0]$ of the matrix forms.',
  ),
  sin: activation('sin', `\\mathbf{B} = \\sin(\\mathbf{A})`, (x) => `\\sin ${x}`, [`\\cos a_{ij}`]),
  cos: activation('cos', `\\mathbf{B} = \\cos(\\mathbf{A})`, (x) => `\\cos ${x}`, [`\\left(-\\sin a_{ij}\\right)`]),
  log1p: activation('log1p', `\\mathbf{B} = \\log(1 + \\mathbf{A})`, (x) => `\\log(1 + ${x})`, [`\\frac{1}{1 + a_{ij}}`], 'The forward is computed without forming $1 + a_{ij}$, which would round away a tiny $a_{ij}$; the derivative has no such loss.'),
  expm1: activation('expm1', `\\mathbf{B} = e^{\\mathbf{A}} - 1`, (x) => `e^{${x}} - 1`, [`e^{a_{ij}}`, `\\left(b_{ij} + 1\\right)`], "The derivative $e^{a_{ij}}$ is $b_{ij} + 1$, so the rule reuses the forward's output."),
  erf: activation(
    'erf (the error function)',
    `\\mathbf{B} = \\operatorname{erf}(\\mathbf{A})`,
    (x) => `\\frac{2}{\\sqrt{\\pi}} \\int_{0}^{${x}} e^{-t^{2}}\\,dt`,
    [`\\frac{2}{\\sqrt{\\pi}}\\,e^{-a_{ij}^{2}}`],
    'The derivative of an integral by its upper bound is the integrand there.',
  ),
  softplus: activation(
    'softplus',
    `\\mathbf{B} = \\log\\left(1 + e^{\\mathbf{A}}\\right)`,
    (x) => `\\log\\left(1 + e^{${x}}\\right)`,
    [`\\frac{e^{a_{ij}}}{1 + e^{a_{ij}}}`, `\\sigma(a_{ij})`],
    'softplus′ is the logistic σ. The forward is computed as $a + \\log(1 + e^{-a})$ for $a > 0$, so it does not overflow.',
  ),
  gelu: activation(
    'gelu (the Gaussian error linear unit)',
    `\\mathbf{B} = \\mathbf{A} \\circ \\Phi(\\mathbf{A})`,
    (x) => `${x}\\,\\Phi(${x})`,
    [`\\left(\\Phi(a_{ij}) + a_{ij}\\,\\phi(a_{ij})\\right)`],
    "$\\Phi$ is the standard normal distribution function and $\\phi = \\Phi'$ its density $e^{-x^{2}/2}/\\sqrt{2 \\pi}$ (the product rule). With the tanh approximation, $\\Phi(x)$ is replaced by $\\sigma(2u)$, $u = \\sqrt{2/\\pi}\\,(x + 0.044715\\,x^{3})$, and gelu′ follows by the chain rule. The rule clamps $a$ to ±30, where gelu′ is 0 or 1 to double precision.",
  ),
  cumsum: {
    title: 'cumsum (running sums; one axis shown)',
    forward: `\\mathbf{c} = \\operatorname{cumsum}(\\mathbf{a})`,
    element: `c_{k} = \\sum_{p \\le k} a_{p}`,
    inputs: [
      {
        lhs: dL(el('a', 'i')),
        steps: [
          { kind: 'chain rule', latex: `${sums('k')}${dL(el('c', 'k'))}\\;${d(el('c', 'k'), el('a', 'i'))}` },
          { kind: 'element form', latex: `${sums('k')}${dL(el('c', 'k'))}\\;${sums('p \\le k')}${d(el('a', 'p'), el('a', 'i'))}` },
          {
            kind: 'surviving terms',
            latex: `${sums('k \\ge i')}${dL(el('c', 'k'))}`,
            why: `only $p = i$ survives, and only in the sums that reach it, $k \\ge i$: a running sum of the gradient taken from the end of the axis`,
          },
        ],
      },
    ],
    note: 'As matrices $\\mathbf{c} = \\mathbf{L}\\,\\mathbf{a}$ with $\\mathbf{L}$ lower-triangular ones, so the gradient is $\\mathbf{L}^{\\top}$ times it: revcumsum, the running sum from the end. The specimen sums along axis 1 (each row).',
  },
  im2col: {
    title: 'im2col (patches as columns; one image and channel shown, stride s)',
    forward: `\\mathbf{C} = \\operatorname{col}(\\mathbf{A})`,
    element: `c_{pq,\\,yx} = a_{ys + p,\\, xs + q}`,
    inputs: [
      {
        lhs: dL(el('a', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `${sums('pq', 'yx')}${dL(el('c', 'pq,\\,yx'))}\\;${d(el('c', 'pq,\\,yx'), el('a', 'ij'))}` },
          { kind: 'element form', latex: `${sums('pq', 'yx')}${dL(el('c', 'pq,\\,yx'))}\\;${d(el('a', 'ys + p,\\, xs + q'), el('a', 'ij'))}` },
          {
            kind: 'surviving terms',
            latex: `${sums('ys + p = i')}${sums('xs + q = j')}${dL(el('c', 'pq,\\,yx'))}`,
            why: `only the entries copied from pixel $(i, j)$ survive, one for each patch that covers it: their gradients are added back at the pixel`,
          },
        ],
      },
    ],
    note: 'Row $pq$ of $\\mathbf{C}$ is the offset in the kernel, column $yx$ the output pixel. Summing each entry back at its pixel is col2im, written $\\operatorname{col}^{-1}$ (it is the adjoint of col, not its inverse: a pixel in several patches gets their sum). Padding and dilation change only which pixel an entry reads; padding reads no pixel and passes nothing back.',
  },
  col2im: {
    title: 'col2im (columns summed back into images; the adjoint of im2col)',
    forward: `\\mathbf{C} = \\operatorname{col}^{-1}(\\mathbf{A})`,
    element: `c_{ij} = ${sums('ys + p = i')}${sums('xs + q = j')}a_{pq,\\,yx}`,
    inputs: [
      {
        lhs: dL(el('a', 'pq,\\,yx')),
        steps: [
          { kind: 'chain rule', latex: `${sums('i', 'j')}${dL(el('c', 'ij'))}\\;${d(el('c', 'ij'), el('a', 'pq,\\,yx'))}` },
          {
            kind: 'surviving terms',
            latex: dL(el('c', 'ys + p,\\, xs + q')),
            why: `only the pixel $(i, j) = (ys + p, xs + q)$ the entry was added to survives: the gradient is read back as patches, im2col's map`,
          },
        ],
      },
    ],
  },
  maxPool2d: {
    title: 'maxPool2d (the largest entry of each window; one image and channel shown)',
    forward: `\\mathbf{Y} = \\operatorname{maxpool}(\\mathbf{X})`,
    element: `y_{uv} = \\max_{(i,j) \\in w_{uv}} x_{ij}`,
    inputs: [
      {
        lhs: dL(el('x', 'ij')),
        steps: [
          { kind: 'chain rule', latex: `${sums('u', 'v')}${dL(el('y', 'uv'))}\\;${d(el('y', 'uv'), el('x', 'ij'))}` },
          {
            kind: 'element form',
            latex: `${sums('u', 'v')}${dL(el('y', 'uv'))}\\;\\left[(i,j) \\in w_{uv}\\right]\\frac{\\left[x_{ij} = y_{uv}\\right]}{t_{uv}}`,
            why: `as for max: $y_{uv}$ moves with $x_{ij}$ only if $x_{ij}$ is in its window $w_{uv}$ and is a largest entry there; the $t_{uv}$ entries that tie share the change`,
          },
          {
            kind: 'surviving terms',
            latex: `${sums('w_{uv} \\ni (i,j)')}${dL(el('y', 'uv'))}\\;\\frac{\\left[x_{ij} = y_{uv}\\right]}{t_{uv}}`,
            why: `only the windows that cover $(i, j)$ survive: where windows overlap, a pixel that wins in several collects all their gradients`,
          },
        ],
      },
    ],
    note: 'Sending each window\'s gradient to its largest entries is the unpool map at $\\mathbf{X}$ (the maxUnpool2d op). Padding never wins a window.',
  },
  maxUnpool2d: {
    title: "maxUnpool2d (each entry sent to its window's largest entries of X; one image and channel shown)",
    forward: `\\mathbf{C} = \\operatorname{unpool}(\\mathbf{A},\\ \\mathbf{X})`,
    element: `c_{ij} = ${sums('w_{uv} \\ni (i,j)')}a_{uv}\\;\\frac{\\left[x_{ij} = m_{uv}\\right]}{t_{uv}}`,
    inputs: [
      {
        lhs: dL(el('a', 'uv')),
        steps: [
          { kind: 'chain rule', latex: `${sums('i', 'j')}${dL(el('c', 'ij'))}\\;${d(el('c', 'ij'), el('a', 'uv'))}` },
          {
            kind: 'surviving terms',
            latex: `${sums('(i,j) \\in w_{uv}')}${dL(el('c', 'ij'))}\\;\\frac{\\left[x_{ij} = m_{uv}\\right]}{t_{uv}}`,
            why: `only the pixels of window $w_{uv}$ survive, each with its share: the window's largest entries, $m_{uv}$ its maximum and $t_{uv}$ how many tie for it`,
          },
        ],
      },
    ],
    note: 'maxUnpool2d is the rule of maxPool2d made an op, so that second derivatives run; $\\mathbf{X}$, the pooled images, is a constant of it. Its gradient is the adjoint map $\\operatorname{unpool}^{\\top}$.',
  },
  where: binary(
    'where (a constant mask M picks A or B)',
    `\\mathbf{C} = \\mathbf{M} \\circ \\mathbf{A} + (1 - \\mathbf{M}) \\circ \\mathbf{B}`,
    (ij) => `m_{${ij}} a_{${ij}} + (1 - m_{${ij}}) b_{${ij}}`,
    `${cij}\\;m_{ij}`,
    `${cij}\\;(1 - m_{ij})`,
    'The mask comes from a comparison (gt, eq, …): a constant, so no gradient flows to it. maximum, minimum, abs and clamp are built on where.',
  ),
};

/** Other names people use for a rule. */
export const ALIASES: Readonly<Record<string, string>> = {
  branch: 'branch (fan-out)',
  'fan-out': 'branch (fan-out)',
  hadamard: 'mul',
  Hadamard: 'mul',
  'elementwise': 'elementwise f',
  f: 'elementwise f',
  bias: 'broadcast add',
  crossEntropy: 'cross-entropy',
  'softmax + cross-entropy': 'softmaxCrossEntropy',
  'softmax-with-loss': 'softmaxCrossEntropy',
};
