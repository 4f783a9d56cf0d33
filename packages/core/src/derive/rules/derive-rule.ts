import { rules, Rng, type Tensor } from '../../index.js';
import { ConstantNames, twinContext } from '../backward.js';
import { build as E, type Expr } from '../expr.js';
import { escapeLatexText, gradientName, parseName } from '../names.js';
import { renderExpr } from '../render.js';
import { branchTwin, TWINS } from '../twins.js';
import { COMPOSITES } from './composites.js';
import { latexToText } from './latex-text.js';
import { buildSpecimen } from './specimens.js';
import { ALIASES, SOURCES, type StepKind } from './sources.js';

/** A piece of mathematics both ways. */
export interface Written {
  /** As Unicode text, e.g. `dA = dC·Bᵀ`. */
  text: string;
  /** As LaTeX. */
  latex: string;
}

/** One line of a derivation: what the derivative equals after this step, and why. */
export interface RuleStep {
  /** Which kind of step it is (the chain rule, the element form, the surviving terms, ...). */
  kind: StepKind;
  /** The right-hand side after `=`. */
  math: Written;
  /** Why the step holds (which terms survive, which rule applies); absent where it is plain algebra. */
  why?: Written;
}

/** The derivation of the gradient with respect to one input of the op. */
export interface InputDerivation {
  /** ∂L/∂a_ij: what every step equals. */
  lhs: Written;
  /** The steps from the chain rule to the element-wise result, in order. */
  steps: RuleStep[];
  /** The matrix identity the steps arrive at, rendered from the op's structured twin (`dA = dC·Bᵀ`). */
  matrix: Written;
}

/** What `deriveRule` returns: one rule's derivation, as data and rendered three ways. */
export interface RuleDerivation {
  /** The name asked for, resolved (`mul` for `hadamard`). */
  op: string;
  /** What the op is, in words (`matrix product`); the op's name where there is no more to say. */
  title: string;
  /** The forward computation as matrices, e.g. `C = A·B`. */
  forward: Written;
  /** The forward computation element by element, e.g. `c_ij = Σ_k a_ik·b_kj`. */
  element: Written;
  /** One derivation per input of the op, in input order. */
  inputs: InputDerivation[];
  /** A remark after the derivation (a convention, a special case), where there is one. */
  note?: Written;
  /** The derivation as plain text, one step a line with its reason. */
  toString(): string;
  /** The derivation as LaTeX (`aligned` blocks). */
  toLatex(): string;
  /** The derivation as a Markdown section, the math in ```math blocks (GitHub renders them). */
  toMarkdown(): string;
}

/** Prose with math between $…$, both ways. */
function prose(s: string): Written {
  const parts = s.split('$');
  return {
    text: parts.map((p, i) => (i % 2 === 1 ? latexToText(p) : p)).join(''),
    latex: parts.map((p, i) => (i % 2 === 1 ? p : p === '' ? '' : `\\text{${escapeLatexText(p)}}`)).join(''),
  };
}

const math = (latex: string): Written => ({ text: latexToText(latex), latex });

/** The notes derive these first, in this order; the other ops follow in the order of `rules()`. */
const NOTES_ORDER = ['branch (fan-out)', 'add', 'broadcast add', 'broadcastTo', 'matmul', 'mul', 'elementwise f', 'relu', 'sigmoid', 'tanh', 'softmax', 'cross-entropy', 'softmaxCrossEntropy', 'affine'];

/** Every name deriveRule takes: the ops of `rules()` and the notes' composite rules. */
export function ruleNames(): string[] {
  const ops = rules().map((r) => r.op);
  const extra = Object.keys(SOURCES).filter((name) => !ops.includes(name));
  const all = [...ops, ...extra];
  return [...NOTES_ORDER.filter((name) => all.includes(name)), ...all.filter((name) => !NOTES_ORDER.includes(name))];
}

/** `matmul: matrix product`, or just `add` where the title says no more than the name. */
export function ruleHeading(d: Pick<RuleDerivation, 'op' | 'title'>): string {
  return d.title === d.op ? d.op : `${d.op}: ${d.title}`;
}

/** The matrix identities that close a derivation, from the op's twin applied to its specimen graph. */
function matrixForms(op: string): Written[] {
  const written = (name: Written, rhs: Expr): Written => ({ text: `${name.text} = ${renderExpr(rhs, 'text')}`, latex: `${name.latex} = ${renderExpr(rhs, 'latex')}` });
  const symbol = (t: Tensor) => parseName(t.name!, t.shape.length);
  const value = (t: Tensor): Expr => E.value(symbol(t), t);
  if (op === 'branch (fan-out)') {
    const [dA, dB, dC] = ['A', 'B', 'C'].map((n) => gradientName(parseName(n, 2)));
    return [written(dA!, branchTwin([E.grad(dB!, 'dB'), E.grad(dC!, 'dC')]))];
  }
  if (op === 'elementwise f') return [{ text: 'dA = dB∘f′(A)', latex: "d\\mathbf{A} = d\\mathbf{B} \\circ f'\\left(\\mathbf{A}\\right)" }];
  const composite = COMPOSITES[op];
  if (composite !== undefined) {
    const specimen = composite.specimen(new Rng(1));
    const dOut = gradientName(symbol(specimen.output));
    const results = composite.twin(E.grad(dOut, dOut.text), value, specimen);
    return specimen.inputs.map((t, k) => written(gradientName(symbol(t)), results[k]!));
  }
  const twin = TWINS[op];
  if (twin === undefined) throw new Error(`deriveRule: op '${op}' has no structured twin`);
  const { inputs, output } = buildSpecimen(op);
  const dOut = gradientName(symbol(output));
  const results = twin(E.grad(dOut, dOut.text), twinContext(output, { value }, new ConstantNames(), true));
  return inputs.map((t, k) => written(gradientName(symbol(t)), results[k]!));
}

/**
 * The index-notation derivation of one rule, in the notes' steps: the forward element by
 * element, the chain rule summed over every output element, the terms that survive and why,
 * and the matrix identity they add up to (rendered from the op's structured twin, which the
 * tests check against the op's code). `opName` is an op of `rules()`, or one of `broadcast add`,
 * `cross-entropy`, `elementwise f` (aliases such as `hadamard`, `branch` work too).
 */
export function deriveRule(opName: string): RuleDerivation {
  if (typeof opName !== 'string') throw new TypeError(`deriveRule: opName must be a string, got ${typeof opName}`);
  const op = ALIASES[opName] ?? opName;
  const source = SOURCES[op];
  if (source === undefined) {
    const known = ruleNames();
    const registered = known.includes(op) ? ` ('${op}' is an op of rules(), but its derivation has not been written yet)` : '';
    throw new RangeError(`deriveRule: no derivation for '${opName}'${registered}; expected one of ${known.join(', ')}`);
  }
  const matrices = matrixForms(op);
  if (matrices.length !== source.inputs.length) {
    throw new Error(`deriveRule: '${op}' derives ${source.inputs.length} gradients but its twin gives ${matrices.length}`);
  }
  const inputs = source.inputs.map((input, k) => ({
    lhs: math(input.lhs),
    steps: input.steps.map((s) => ({ kind: s.kind, math: math(s.latex), ...(s.why === undefined ? {} : { why: prose(s.why) }) })),
    matrix: matrices[k]!,
  }));
  const derivation: Omit<RuleDerivation, 'toString' | 'toLatex' | 'toMarkdown'> = {
    op,
    title: source.title,
    forward: math(source.forward),
    element: math(source.element),
    inputs,
    ...(source.note === undefined ? {} : { note: prose(source.note) }),
  };
  return {
    ...derivation,
    toString: () => ruleText(derivation),
    toLatex: () => ruleLatex(derivation),
    toMarkdown: () => ruleMarkdown(derivation),
  };
}

type Parts = Omit<RuleDerivation, 'toString' | 'toLatex' | 'toMarkdown'>;

function ruleText(d: Parts): string {
  const lines = [ruleHeading(d), `  forward:  ${d.forward.text}`, `  elements: ${d.element.text}`];
  for (const input of d.inputs) {
    const indent = ' '.repeat(input.lhs.text.length);
    lines.push('');
    input.steps.forEach((s, i) => {
      const why = s.why === undefined ? s.kind : `${s.kind}: ${s.why.text}`;
      lines.push(`  ${i === 0 ? input.lhs.text : indent} = ${s.math.text}    (${why})`);
    });
    lines.push(`  matrix form: ${input.matrix.text}`);
  }
  if (d.note !== undefined) lines.push('', `  ${d.note.text}`);
  return lines.join('\n');
}

function alignedSteps(input: InputDerivation): string {
  const rows = input.steps.map((s, i) => {
    const why = s.why === undefined ? `\\text{${s.kind}}` : `\\text{${s.kind}: }${s.why.latex}`;
    return `${i === 0 ? input.lhs.latex : ''} &= ${s.math.latex} && ${why}`;
  });
  return `\\begin{aligned}\n${rows.join(' \\\\\n')}\n\\end{aligned}`;
}

function ruleLatex(d: Parts): string {
  const blocks = [`${d.forward.latex} \\qquad ${d.element.latex}`];
  for (const input of d.inputs) blocks.push(alignedSteps(input), `\\Rightarrow\\quad ${input.matrix.latex}`);
  return blocks.join('\n\\\\[1ex]\n');
}

function ruleMarkdown(d: Parts): string {
  const lines = [`## ${ruleHeading(d)}`, '', `Forward: \`${d.forward.text}\`, element by element \`${d.element.text}\`.`, ''];
  for (const input of d.inputs) {
    lines.push('```math', alignedSteps(input), '```', '', `Matrix form: \`${input.matrix.text}\``, '');
  }
  if (d.note !== undefined) lines.push(d.note.text, '');
  lines.push('<details><summary>As text</summary>', '', '```text', ruleText(d), '```', '', '</details>', '');
  return lines.join('\n');
}
