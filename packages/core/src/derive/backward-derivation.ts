import { full, type Tensor } from '../index.js';
import { evaluateExpr } from './evaluate.js';
import { nodes, type Expr } from './expr.js';
import { matrixLatex } from './matrix-latex.js';
import type { Mlp } from './mlp.js';
import type { MathName } from './names.js';
import { renderExpr, formatNumber, type Target } from './render.js';

/** What an equation's gradient is, in the notes' terms: an MLP layer's Δ, db, dW, dΦ (its input);
 *  outside those, the gradient of a leaf or of an intermediate tensor. */
export type EquationRole = 'delta' | 'bias' | 'weight' | 'input' | 'leaf' | 'intermediate';

/** One equation of a derived backward pass: a gradient's name = an expression of forward
 *  values and earlier gradients. */
export interface BackwardEquation {
  /** The gradient it defines: Δ⁽λ⁾, dW⁽λ⁾, … */
  name: MathName;
  /** How later equations and evaluations refer to that gradient. */
  key: string;
  /** The right-hand side, as an expression tree. */
  rhs: Expr;
  /** The tensor whose gradient this is. */
  tensor: Tensor;
  /** Tensors whose gradient is this one passed on unchanged (an add's output, a broadcast bias): folded here. */
  folded: Tensor[];
  /** What the gradient is in the notes' terms (an MLP layer's Δ, db, dW, dΦ, or a leaf's, an intermediate's). */
  role: EquationRole;
  /** The MLP layer it belongs to (1 … Λ), or null outside an MLP. */
  layer: number | null;
  /** The ops whose rules sent the gradient (more than one at a fan-out). */
  ops: string[];
  /** The gradient's shape (the tensor's). */
  shape: readonly number[];
}

/** Equations written together: one MLP layer's, or those outside any layer. */
export interface EquationGroup {
  /** A heading for the group, e.g. `layer 1 (relu)`. */
  title: string;
  /** The MLP layer (1 … Λ), or null for a group outside an MLP. */
  layer: number | null;
  /** The group's equations, in the order they are computed. */
  equations: BackwardEquation[];
}

/** A name the derivation made up for an unnamed intermediate tensor, with what it stands for. */
export interface MadeName {
  /** The name made up. */
  name: MathName;
  /** The op that computed the tensor. */
  op: string;
  /** The op's inputs, as expressions. */
  inputs: Expr[];
}

export interface DerivationParts {
  loss: Tensor;
  lossName: MathName;
  /** The upstream gradient given for a non-scalar output; null when the output is a scalar (seed 1). */
  seed: {
    /** How the upstream gradient is written (d + the output's name). */
    name: MathName;
    /** Its value. */
    value: Tensor;
  } | null;
  groups: EquationGroup[];
  mlp: Mlp | null;
  gradientOf: Map<Tensor, Expr>;
  made: MadeName[];
  constants: {
    /** How the constant is written. */
    name: MathName;
    /** The constant itself. */
    tensor: Tensor;
  }[];
}

/** The values of a derivation's equations (see `BackwardDerivation.evaluate`). */
export interface EvaluatedBackward {
  /** Each equation's value, computed from the forward values and the equations before it. */
  byEquation: Map<BackwardEquation, Tensor>;
  /** The gradient of any tensor the pass reaches (folded ones included), or undefined. */
  gradient(t: Tensor): Tensor | undefined;
}

const shapeText = (shape: readonly number[]) => `[${shape.join(',')}]`;

/** deriveBackward's result: the equations, grouped, with renderings and an evaluator. */
export class BackwardDerivation {
  /** The output the backward pass starts from. */
  readonly loss: Tensor;
  /** How the output is written (its name, or L). */
  readonly lossName: MathName;
  /** The upstream gradient given for a non-scalar output, with its name; null for a scalar (seed 1). */
  readonly seed: DerivationParts['seed'];
  /** The equations, grouped by MLP layer (or in one group outside an MLP), in computing order. */
  readonly groups: readonly EquationGroup[];
  /** The MLP recognized in the graph, or null. */
  readonly mlp: Mlp | null;
  /** Names made up for unnamed intermediate tensors the equations read. */
  readonly made: readonly MadeName[];
  /** Tensors that need no gradient (data, targets) but appear in equations, with their names. */
  readonly constants: DerivationParts['constants'];
  readonly #gradientOf: Map<Tensor, Expr>;

  constructor(parts: DerivationParts) {
    this.loss = parts.loss;
    this.lossName = parts.lossName;
    this.seed = parts.seed;
    this.groups = parts.groups;
    this.mlp = parts.mlp;
    this.made = parts.made;
    this.constants = parts.constants;
    this.#gradientOf = parts.gradientOf;
  }

  /** Every equation, in the order they are written (and can be computed). */
  get equations(): BackwardEquation[] {
    return this.groups.flatMap((g) => g.equations);
  }

  /** The equation that gives `t`'s gradient, directly or as a step folded into it. */
  equationFor(t: Tensor): BackwardEquation | null {
    return this.equations.find((eq) => eq.tensor === t || eq.folded.includes(t)) ?? null;
  }

  /** The equations whose right-hand side reads `t`'s forward value. */
  equationsUsing(t: Tensor): BackwardEquation[] {
    return this.equations.filter((eq) => [...nodes(eq.rhs)].some((n) => n.kind === 'value' && n.tensor === t));
  }

  /** One equation rendered as text or LaTeX: `name = right-hand side`. */
  equation(eq: BackwardEquation, target: Target): string {
    return `${target === 'latex' ? eq.name.latex : eq.name.text} = ${renderExpr(eq.rhs, target)}`;
  }

  /** One line per title: an MLP's shape and activations, or just the output's name. */
  get title(): string {
    const L = this.lossName.text;
    if (this.mlp === null) return `Backward pass of ${L}`;
    const { layers } = this.mlp;
    const sizes = [layers[0]!.weight.shape[0]!, ...layers.map((l) => l.weight.shape[1]!)].join(' → ');
    const hidden = [...new Set(layers.slice(0, -1).map((l) => l.activation))];
    const activations = hidden.length === 0 ? '' : `${hidden.join(', ')} hidden, `;
    return `Backward pass of ${L}: an MLP of ${layers.length} layer${layers.length === 1 ? '' : 's'}, ${sizes} (${activations}softmax with cross-entropy)`;
  }

  /** The definitions the equations rely on: N, f′ spelled out, made-up names, masks, the seed. */
  where(target: Target): string[] {
    const lines: string[] = [];
    const seen = new Set<string>();
    const add = (line: string) => {
      if (!seen.has(line)) lines.push(line);
      seen.add(line);
    };
    const latex = target === 'latex';
    const text = (s: string) => (latex ? `\\text{${s}}` : s);
    if (this.seed !== null) add(`${latex ? this.seed.name.latex : this.seed.name.text} ${text('= the upstream gradient given')}`);
    for (const eq of this.equations) {
      for (const n of nodes(eq.rhs)) {
        if (n.kind === 'number' && n.name !== undefined) add(`${latex ? n.name.latex : n.name.text} = ${formatNumber(n.value, target)}`);
        if (n.kind === 'derivative') add(`${renderExpr(n, target)} = ${renderExpr(n.value, target)}`);
      }
    }
    for (const c of this.constants) add(`${latex ? c.name.latex : c.name.text} ${text('= the mask where() recorded (1 where its condition held)')}`);
    const mentioned = new Set(this.equations.flatMap((eq) => [eq.name.text, ...[...nodes(eq.rhs)].flatMap((n) => (n.kind === 'value' ? [n.name.text] : []))]));
    for (const m of this.made) {
      const inputs = m.inputs.map((x) => renderExpr(x, target)).join(', ');
      const name = latex ? m.name.latex : m.name.text;
      if (mentioned.has(m.name.text) || mentioned.has(`d${m.name.text}`)) add(`${name} = ${latex ? `\\operatorname{${m.op}}\\left(${inputs}\\right)` : `${m.op}(${inputs})`}`);
    }
    return lines;
  }

  /** Unicode text: a title, each group's equations aligned at `=` with their shapes, then `where`. */
  toString(): string {
    const width = Math.max(0, ...this.equations.map((eq) => eq.name.text.length));
    const rhsWidth = Math.max(0, ...this.equations.map((eq) => renderExpr(eq.rhs, 'text').length));
    const lines = [this.title];
    for (const g of this.groups) {
      if (this.groups.length > 1 || g.layer !== null) lines.push(g.title);
      for (const eq of g.equations) lines.push(`  ${eq.name.text.padEnd(width)} = ${renderExpr(eq.rhs, 'text').padEnd(rhsWidth)}  ${shapeText(eq.shape)}`);
    }
    const where = this.where('text');
    if (where.length > 0) lines.push('where', ...where.map((w) => `  ${w}`));
    return lines.join('\n');
  }

  /** Markdown: a table of the equations (as Unicode text) per group, then the definitions. */
  toMarkdown(): string {
    const cell = (s: string) => `\`${s.replace(/\|/g, '\\|')}\``;
    const lines = [`**${this.title}**`, '', '| | equation | shape |', '|---|---|---|'];
    for (const g of this.groups) {
      g.equations.forEach((eq, i) => lines.push(`| ${i === 0 && g.layer !== null ? g.title : ''} | ${cell(this.equation(eq, 'text'))} | ${shapeText(eq.shape)} |`));
    }
    const where = this.where('text');
    if (where.length > 0) lines.push('', `where ${where.map(cell).join(', ')}`);
    return `${lines.join('\n')}\n`;
  }

  /** LaTeX: one aligned block (KaTeX renders it), groups as text rows. */
  toLatex(): string {
    const rows: string[] = [];
    for (const g of this.groups) {
      if (this.groups.length > 1 || g.layer !== null) rows.push(`&\\text{${g.title}}`);
      for (const eq of g.equations) rows.push(`${eq.name.latex} &= ${renderExpr(eq.rhs, 'latex')}`);
    }
    const where = this.where('latex');
    if (where.length > 0) rows.push(`&\\text{where } ${where.join(',\\quad ')}`);
    return `\\begin{aligned}\n${rows.join(' \\\\\n')}\n\\end{aligned}`;
  }

  /**
   * Runs the equations, in order, on the graph's own forward values (public tensor operations
   * only, no backward rule): what a test compares with `backward()`.
   */
  evaluate(): EvaluatedBackward {
    const byKey = new Map<string, Tensor | number>();
    if (this.seed !== null) byKey.set(this.seed.name.text, this.seed.value);
    const context = {
      dtype: this.loss.dtype,
      grad: (key: string) => {
        const v = byKey.get(key);
        if (v === undefined) throw new Error(`evaluate: the gradient ${key} is used before an equation defines it`);
        return v;
      },
    };
    const byEquation = new Map<BackwardEquation, Tensor>();
    for (const eq of this.equations) {
      const value = fitted(evaluateExpr(eq.rhs, context), eq.shape, this.loss.dtype, eq.name.text);
      byKey.set(eq.key, value);
      byEquation.set(eq, value);
    }
    const seedValue = this.seed?.value ?? full(this.loss.shape, 1, { dtype: this.loss.dtype });
    return {
      byEquation,
      gradient: (t) => {
        if (t === this.loss) return seedValue;
        const g = this.#gradientOf.get(t);
        return g === undefined ? undefined : fitted(evaluateExpr(g, context), t.shape, this.loss.dtype, `the gradient of ${t.name ?? 'a tensor'}`);
      },
    };
  }

  /** An equation with every symbol replaced by its numbers, and its value: `dW = [..]ᵀ[..] = [..]`. */
  numbersLatex(eq: BackwardEquation, evaluated: EvaluatedBackward): string {
    const byKey = new Map([...evaluated.byEquation].map(([e, v]) => [e.key, v]));
    const seedValue = this.seed?.value;
    const rhs = renderExpr(eq.rhs, 'latex', {
      leaf: (leaf) => {
        if (leaf.kind === 'value') return matrixLatex(leaf.tensor);
        const value = byKey.get(leaf.key) ?? (leaf.key === this.seed?.name.text ? seedValue : undefined);
        return value === undefined ? undefined : matrixLatex(value);
      },
    });
    const value = evaluated.byEquation.get(eq);
    return `${eq.name.latex} = ${rhs}${value === undefined ? '' : ` = ${matrixLatex(value)}`}`;
  }
}

/** An equation's value in the tensor's own shape: a plain number (the seed 1 passed on) is
 *  spread over it; a tensor of any other shape is a wrong equation and is reported. */
function fitted(v: Tensor | number, shape: readonly number[], dtype: Tensor['dtype'], what: string): Tensor {
  if (typeof v === 'number') return full(shape, v, { dtype });
  if (v.shape.join() !== shape.join()) throw new Error(`evaluate: ${what} came out with shape ${shapeText(v.shape)}, expected ${shapeText(shape)}`);
  return v;
}
