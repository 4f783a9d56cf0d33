import type { Expr, FunctionName, DerivativeName, Window, Gather, LinearMap } from './expr.js';
import { superscript } from './names.js';

/** What an equation is rendered as: Unicode text or LaTeX. */
export type Target = 'text' | 'latex';

/** Options of `renderExpr`. */
export interface RenderOptions {
  /** Writes a leaf (a forward value or a gradient) some other way, e.g. as its matrix of numbers. */
  leaf?: (e: Extract<Expr, { kind: 'value' | 'grad' }>) => string | undefined;
}

/** Binding strength, loosest first: a child binding looser than its place needs parentheses. */
const SUM = 1;
const UNARY = 2;
const PRODUCT = 3;
const POSTFIX = 4;
const ATOM = 5;

interface Rendered {
  s: string;
  prec: number;
  /** For products: which kind, so that a matrix product next to an elementwise one is parenthesized. */
  product?: 'matmul' | 'elementwise';
}

const FUNCTIONS: Record<FunctionName, { text: string; latex: string }> = {
  exp: { text: 'exp', latex: '\\exp' },
  log: { text: 'log', latex: '\\log' },
  sqrt: { text: '√', latex: '\\sqrt' },
  relu: { text: 'relu', latex: '\\operatorname{relu}' },
  sigmoid: { text: 'σ', latex: '\\sigma' },
  tanh: { text: 'tanh', latex: '\\tanh' },
  sin: { text: 'sin', latex: '\\sin' },
  cos: { text: 'cos', latex: '\\cos' },
  normalCdf: { text: 'Φ', latex: '\\Phi' },
  normalPdf: { text: 'φ', latex: '\\phi' },
  softmax: { text: 'softmax', latex: '\\operatorname{softmax}' },
  logSoftmax: { text: 'log softmax', latex: '\\log\\operatorname{softmax}' },
};

const DERIVATIVES: Record<DerivativeName, { text: string; latex: string }> = {
  relu: { text: 'relu′', latex: "\\operatorname{relu}'" },
  sigmoid: { text: 'σ′', latex: "\\sigma'" },
  tanh: { text: 'tanh′', latex: "\\tanh'" },
  gelu: { text: 'gelu′', latex: "\\operatorname{gelu}'" },
  f: { text: 'f′', latex: "f'" },
};

export function formatNumber(value: number, target: Target): string {
  const s = Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  return target === 'text' ? s.replace('-', '−') : s;
}

function shapeList(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** numpy's start:stop:step per axis, `:` for a whole axis. */
function windowText(window: Window, from: readonly number[] | undefined, target: Target): string {
  const colon = target === 'latex' ? '{:}' : ':';
  const parts = window.count.map((count, axis) => {
    const [start, step] = [window.start[axis]!, window.step[axis]!];
    if (from !== undefined && start === 0 && step === 1 && count === from[axis]) return colon;
    const stop = count === 0 ? start : start + (count - 1) * step + 1;
    return `${start}${colon}${stop}${step === 1 ? '' : `${colon}${step}`}`;
  });
  return `[${parts.join(target === 'latex' ? ',\\,' : ', ')}]`;
}

function gatherText(g: Gather): string {
  return g.indices.length <= 8 ? `[${g.indices.join(',')}]` : `idx (${g.indices.length} positions)`;
}

/** One equation side as Unicode text (`Δ2·W2ᵀ`) or LaTeX (`\boldsymbol{\Delta}_{2}\,{\mathbf{W}_{2}}^{\top}`). */
export function renderExpr(e: Expr, target: Target, options: RenderOptions = {}): string {
  return renderNode(e, target, options).s;
}

function renderNode(e: Expr, target: Target, options: RenderOptions): Rendered {
  const latex = target === 'latex';
  const go = (x: Expr) => renderNode(x, target, options);
  const paren = (s: string) => (latex ? `\\left(${s}\\right)` : `(${s})`);
  const wrap = (r: Rendered, min: number) => (r.prec < min ? paren(r.s) : r.s);
  const op = (name: string) => (latex ? `\\operatorname{${name}}` : name);
  const call = (head: string, args: string) => ({ s: `${head}${latex ? `\\left(${args}\\right)` : `(${args})`}`, prec: ATOM });

  switch (e.kind) {
    case 'value':
    case 'grad': {
      const custom = options.leaf?.(e);
      if (custom !== undefined) return { s: custom, prec: ATOM };
      // A name with spaces (apple count) is parenthesized inside a product, as a sum would be.
      return { s: latex ? e.name.latex : e.name.text, prec: e.name.simple ? ATOM : SUM };
    }
    case 'number':
      if (e.name !== undefined) return { s: latex ? e.name.latex : e.name.text, prec: ATOM };
      return { s: formatNumber(e.value, target), prec: e.value < 0 ? UNARY : ATOM };
    case 'add':
      return { s: `${wrap(go(e.left), SUM)} + ${wrap(go(e.right), SUM)}`, prec: SUM };
    case 'subtract':
      return { s: `${wrap(go(e.left), SUM)} ${latex ? '-' : '−'} ${wrap(go(e.right), PRODUCT)}`, prec: SUM };
    case 'negate':
      return { s: `${latex ? '-' : '−'}${wrap(go(e.arg), PRODUCT)}`, prec: UNARY };
    case 'matmul':
    case 'hadamard':
      return product(e, go, target, paren);
    case 'divide': {
      const [l, r] = [go(e.left), go(e.right)];
      if (latex) return { s: `\\frac{${l.s}}{${r.s}}`, prec: ATOM };
      const left = l.prec < PRODUCT || l.product === 'matmul' ? paren(l.s) : l.s;
      return { s: `${left}/${wrap(r, POSTFIX)}`, prec: PRODUCT, product: 'elementwise' };
    }
    case 'power': {
      const arg = go(e.arg);
      // Φ⁽¹⁾² would read as one superscript: (Φ⁽¹⁾)².
      const base = arg.prec < ATOM || (!latex && arg.s.endsWith('⁾')) ? paren(arg.s) : arg.s;
      const x = e.exponent;
      if (x.kind === 'number' && x.name === undefined && Number.isInteger(x.value)) {
        const raised = `${x.value < 0 ? '⁻' : ''}${superscript(String(Math.abs(x.value)))}`;
        return { s: latex ? `{${base}}^{${x.value}}` : `${base}${raised}`, prec: POSTFIX };
      }
      return { s: latex ? `{${base}}^{${go(x).s}}` : `${base}^${paren(go(x).s)}`, prec: POSTFIX };
    }
    case 'transpose': {
      if (e.perm !== undefined) {
        const perm = `[${e.perm.join(',')}]`;
        return latex ? call(`\\operatorname{transpose}_{${perm}}`, go(e.arg).s) : call('transpose', `${go(e.arg).s}, ${perm}`);
      }
      const base = wrap(go(e.arg), ATOM);
      return { s: latex ? `{${base}}^{\\top}` : `${base}ᵀ`, prec: POSTFIX };
    }
    case 'call': {
      const f = FUNCTIONS[e.fn];
      const arg = go(e.arg);
      const head = e.axis !== undefined && e.axis >= 0 ? (latex ? `${f.latex}_{${e.axis}}` : `${f.text}₍axis ${e.axis}₎`) : latex ? f.latex : f.text;
      if (e.fn === 'sqrt') return { s: latex ? `\\sqrt{${arg.s}}` : `√${wrap(arg, ATOM)}`, prec: ATOM };
      return call(head, arg.s);
    }
    case 'derivative': {
      const f = DERIVATIVES[e.fn];
      return call(latex ? f.latex : f.text, go(e.at).s);
    }
    case 'indicator': {
      const body = `${go(e.left).s} ${e.relation} ${go(e.right).s}`;
      return { s: latex ? `\\left[${body}\\right]` : `[${body}]`, prec: ATOM };
    }
    case 'sumTo': {
      const arg = go(e.arg);
      const size = e.shape.reduce((a, b) => a * b, 1);
      const columnSums = e.from.length === 2 && (e.shape.length === 1 || (e.shape.length === 2 && e.shape[0] === 1)) && e.shape[e.shape.length - 1] === e.from[1];
      if (columnSums) {
        const right = arg.prec < POSTFIX || arg.product !== undefined ? paren(arg.s) : arg.s;
        return { s: latex ? `\\mathbf{1}^{\\top}${right}` : `1ᵀ·${right}`, prec: PRODUCT, product: 'matmul' };
      }
      if (size === 1 && e.from.length > 0) return call(op('sum'), arg.s);
      return latex ? call(`\\operatorname{sum}_{\\to${shapeList(e.shape)}}`, arg.s) : call('sumTo', `${arg.s}, ${shapeList(e.shape)}`);
    }
    case 'sumAxes': {
      const arg = go(e.arg).s;
      if (e.axes.length === 1 && e.axes[0] === -1) return call(op('rowsum'), arg);
      const axes = e.axes.join(',');
      return latex ? call(`\\operatorname{sum}_{${axes}}`, arg) : call('sum', `${arg}, axis ${axes}`);
    }
    case 'broadcast':
      return call(op('broadcast'), go(e.arg).s);
    case 'reshape':
      return latex ? call(`\\operatorname{reshape}_{${shapeList(e.shape)}}`, go(e.arg).s) : call('reshape', `${go(e.arg).s}, ${shapeList(e.shape)}`);
    case 'cast':
      // A change of dtype does not change the mathematics.
      return go(e.arg);
    case 'slice': {
      const base = wrap(go(e.arg), ATOM);
      return { s: `${base}${windowText(e.window, e.from, target)}`, prec: POSTFIX };
    }
    case 'unslice': {
      const at = windowText(e.window, e.shape, target);
      return latex ? call(`\\operatorname{unslice}_{${at}}`, go(e.arg).s) : call('unslice', `${go(e.arg).s}, ${at}`);
    }
    case 'take':
    case 'scatterAdd': {
      const where = `${gatherText(e.gather)}, axis ${e.gather.axis}`;
      return latex ? call(op(e.kind), `${go(e.arg).s},\\ \\text{${where}}`) : call(e.kind, `${go(e.arg).s}, ${where}`);
    }
    case 'select':
      return call(op('where'), [e.mask, e.whenTrue, e.whenFalse].map((x) => go(x).s).join(', '));
    case 'linearMap':
      return linearMap(e.map, go(e.arg).s, go, target, call);
  }
}

/** col(X), col⁻¹(dC), unpool(dY, X), unpoolᵀ(dC, X), cumsum(dC, axis 1), revcumsum(dC, axis 1). */
function linearMap(map: LinearMap, arg: string, go: (x: Expr) => Rendered, target: Target, call: (head: string, args: string) => Rendered): Rendered {
  const latex = target === 'latex';
  switch (map.name) {
    case 'col':
      return call(latex ? '\\operatorname{col}' : 'col', arg);
    case 'colAdjoint':
      return call(latex ? '\\operatorname{col}^{-1}' : 'col⁻¹', arg);
    case 'unpool':
    case 'unpoolAdjoint': {
      const head = map.name === 'unpool' ? (latex ? '\\operatorname{unpool}' : 'unpool') : latex ? '\\operatorname{unpool}^{\\top}' : 'unpoolᵀ';
      return call(head, `${arg},${latex ? '\\ ' : ' '}${go(map.images).s}`);
    }
    case 'cumsum': {
      const name = map.reverse ? 'revcumsum' : 'cumsum';
      return latex ? call(`\\operatorname{${name}}_{${map.axis}}`, arg) : call(name, `${arg}, axis ${map.axis}`);
    }
  }
}

/** A·B and A∘B: products of one kind chain without parentheses, a matrix product inside an
 *  elementwise one (or the reverse) is parenthesized; a number factor is a plain scalar multiple. */
function product(
  e: Extract<Expr, { kind: 'matmul' | 'hadamard' }>,
  go: (x: Expr) => Rendered,
  target: Target,
  paren: (s: string) => string,
): Rendered {
  const latex = target === 'latex';
  const kind = e.kind === 'matmul' ? 'matmul' : 'elementwise';
  const scalar = e.kind === 'hadamard' && (e.left.kind === 'number' || e.right.kind === 'number');
  const side = (r: Rendered, right: boolean) => {
    if (r.prec < PRODUCT) return paren(r.s);
    if (r.prec === PRODUCT && !scalar && r.product !== kind) return paren(r.s);
    // A·(B·C) = (A·B)·C and A∘(B∘C) = (A∘B)∘C; A∘(B/C) = (A∘B)/C, but A/(B∘C) is not (A/B)∘C.
    if (r.prec === PRODUCT && right && kind === 'matmul' && r.product !== 'matmul') return paren(r.s);
    return r.s;
  };
  const [l, r] = [side(go(e.left), false), side(go(e.right), true)];
  let symbol: string;
  if (scalar || kind === 'matmul') symbol = latex ? '\\,' : '·';
  else symbol = latex ? ' \\circ ' : '∘';
  return { s: `${l}${symbol}${r}`, prec: PRODUCT, product: scalar ? 'elementwise' : kind };
}
