import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deriveRule, derivationsMarkdown, gradients, randn, Rng, rules, ruleNames, tensor, type Tensor } from '../src/index.js';
import { ConstantNames, twinContext } from '../src/derive/backward.js';
import { evaluateExpr } from '../src/derive/evaluate.js';
import { build as E, type Expr } from '../src/derive/expr.js';
import { parseName } from '../src/derive/names.js';
import { COMPOSITES } from '../src/derive/rules/composites.js';
import { latexToText } from '../src/derive/rules/latex-text.js';
import { buildSpecimen, SPECIMENS } from '../src/derive/rules/specimens.js';
import { branchTwin, TWINS } from '../src/derive/twins.js';
import { relativeDifference } from './support/compare.js';

const FAN_OUT = 'branch (fan-out)';

const valueOf = (t: Tensor): Expr => E.value(parseName(t.name ?? 'x', t.shape.length), t);

/** A twin's expressions evaluated with dC bound to `dOut`. */
function evaluateTwin(results: readonly Expr[], dOut: Tensor): Tensor[] {
  return results.map((r) => {
    const v = evaluateExpr(r, { dtype: dOut.dtype, grad: () => dOut });
    if (typeof v === 'number') throw new Error('a twin gave a number where a gradient tensor was expected');
    return v;
  });
}

const tolerance = (t: Tensor) => (t.dtype === 'float32' ? 1e-6 : 1e-12);

describe("each rule's structured twin against the rule's code", () => {
  it('every op of rules() has a twin and a specimen graph (failing lists the ops without)', () => {
    const ops = rules().map((r) => r.op).filter((op) => op !== FAN_OUT);
    const missing = ops.filter((op) => TWINS[op] === undefined || SPECIMENS[op] === undefined);
    expect(missing, `ops without a structured twin (derive/twins.ts) or a specimen (derive/rules/specimens.ts): ${missing.join(', ')}`).toEqual([]);
  });

  it('for every op, the twin evaluated on its specimen equals the gradients its rule gives, for random upstream gradients', () => {
    const failures: string[] = [];
    for (const op of rules().map((r) => r.op).filter((name) => name !== FAN_OUT && TWINS[name] !== undefined)) {
      for (const seed of [1, 2, 3]) {
        const { inputs, output } = buildSpecimen(op, seed);
        // The op must have made the output directly from the leaves, or another rule would be checked.
        expect(output.creator?.op.name, op).toBe(op);
        output.creator!.inputs.forEach((input, k) => expect(input, `${op} input ${k}`).toBe(inputs[k]));
        const dOut = randn(output.shape, { seed: seed + 100, dtype: output.dtype });
        const fromRule = gradients(output, inputs, { gradient: dOut, retainGraph: true });
        const twin = TWINS[op]!(E.grad(parseName('dC', 2), 'dC'), twinContext(output, { value: valueOf }, new ConstantNames(), true));
        const fromTwin = evaluateTwin(twin, dOut);
        inputs.forEach((input, k) => {
          const difference = relativeDifference(fromTwin[k]!, fromRule[k]!);
          if (!(difference <= tolerance(input))) failures.push(`${op} (seed ${seed}), input ${k}: differs by ${difference}`);
        });
      }
    }
    expect(failures).toEqual([]);
  });

  it("the fan-out twin dA = dB + dC is the engine's sum of the gradients arriving along each use", () => {
    const rng = new Rng(4);
    const a = randn([3, 4], { rng, requiresGrad: true, name: 'A' });
    const p = randn([3, 4], { rng });
    const [dB, dC] = [randn([3, 4], { rng }), randn([3, 4], { rng })];
    const b = a.mul(p);
    const c = a.tanh();
    const alongB = gradients(b, [a], { gradient: dB, retainGraph: true })[0]!;
    const alongC = gradients(c, [a], { gradient: dC, retainGraph: true })[0]!;
    const both = gradients(b.mul(dB).sum().add(c.mul(dC).sum()), [a])[0]!;
    const keys: Record<string, Tensor> = { dB: alongB, dC: alongC };
    const twin = branchTwin([E.grad(parseName('dB', 2), 'dB'), E.grad(parseName('dC', 2), 'dC')]);
    const sum = evaluateExpr(twin, { dtype: 'float64', grad: (key) => keys[key]! }) as Tensor;
    expect(relativeDifference(sum, both)).toBeLessThan(1e-14);
  });

  it("the notes' composite rules (bias add, plain cross-entropy) equal backward() through the ops they are made of", () => {
    for (const [name, composite] of Object.entries(COMPOSITES)) {
      const specimen = composite.specimen(new Rng(9));
      const dOut = randn(specimen.output.shape, { seed: 10 });
      const fromOps = gradients(specimen.output, specimen.inputs, { gradient: dOut });
      const fromTwin = evaluateTwin(composite.twin(E.grad(parseName('dC', 2), 'dC'), valueOf, specimen), dOut);
      specimen.inputs.forEach((_, k) => expect(relativeDifference(fromTwin[k]!, fromOps[k]!), `${name} input ${k}`).toBeLessThan(1e-12));
    }
  });

  it("the identity text of rules() says what the twin says, where both use the same notation", () => {
    const squeeze = (s: string) => s.replace(/\s+/g, '');
    const identity = new Map(rules().map((r) => [r.op, squeeze(r.backward)]));
    // Ops whose identity text is written exactly as the twin renders (up to spaces and a trailing remark).
    for (const op of [FAN_OUT, 'add', 'sub', 'mul', 'div', 'neg', 'matmul', 'affine', 'exp', 'sigmoid', 'softmax']) {
      const matrix = deriveRule(op).inputs.map((input) => squeeze(input.matrix.text)).join(',');
      const expanded = op === 'sigmoid' ? matrix.replace('σ′(A)', 'B∘(1−B)') : matrix;
      expect(identity.get(op)!.startsWith(expanded), `${op}: identity '${rules().find((r) => r.op === op)!.backward}', twin '${matrix}'`).toBe(true);
    }
  });
});

describe('deriveRule', () => {
  it('derives every rule: element form, chain-rule sum, surviving terms with a reason, and the matrix form', () => {
    const names = ruleNames();
    expect(names).toEqual(expect.arrayContaining([...rules().map((r) => r.op), 'broadcast add', 'cross-entropy', 'elementwise f']));
    for (const name of names) {
      const d = deriveRule(name);
      expect(d.inputs.length, name).toBeGreaterThan(0);
      for (const input of d.inputs) {
        const kinds = input.steps.map((s) => s.kind);
        expect(kinds[0], name).toBe('chain rule');
        expect(kinds, name).toContain('surviving terms');
        expect(input.steps.find((s) => s.kind === 'surviving terms')!.why, `${name}: the surviving terms say why`).toBeDefined();
        expect(input.matrix.text, name).toMatch(/^d\S+ = \S/);
      }
      const text = d.toString();
      expect(text, `${name}: no LaTeX left in the text`).not.toMatch(/[\\{}]/);
      const latex = d.toLatex();
      expect([...latex].filter((c) => c === '{').length, `${name}: braces balance`).toBe([...latex].filter((c) => c === '}').length);
    }
  });

  it("reads like the notes for the matrix product", () => {
    const d = deriveRule('matmul');
    expect(d.element.text).toBe('c_ij = Σ_k a_ik b_kj');
    const [a, b] = d.inputs;
    expect(a!.lhs.text).toBe('∂L/∂a_ij');
    expect(a!.steps.map((s) => s.math.text)).toEqual([
      'Σ_k Σ_l ∂L/∂c_kl · ∂c_kl/∂a_ij',
      'Σ_k Σ_l ∂L/∂c_kl · Σ_p ∂(a_kp b_pl)/∂a_ij',
      'Σ_l ∂L/∂c_il · ∂(a_ij b_jl)/∂a_ij',
      'Σ_l ∂L/∂c_il · b_jl',
      'Σ_l ∂L/∂c_il · bᵀ_lj',
    ]);
    expect(a!.steps[2]!.why!.text).toMatch(/^only k = i, p = j survive/);
    expect(a!.matrix.text).toBe('dA = dC·Bᵀ');
    expect(b!.matrix.text).toBe('dB = Aᵀ·dC');
    expect(a!.matrix.latex).toBe('d\\mathbf{A} = d\\mathbf{C}\\,{\\mathbf{B}}^{\\top}');
  });

  it('the fused softmax cross-entropy arrives at (S∘rowsum(Y) − Y)/N, (S − Y)/N for one-hot rows; the bias at 1ᵀ·dC, a branch at a sum', () => {
    expect(deriveRule('softmax + cross-entropy').inputs[0]!.matrix.text).toBe('dA = dL∘(softmax(A)∘rowsum(Y) − Y)/N');
    expect(deriveRule('softmaxCrossEntropy').inputs[0]!.steps.at(-1)!.math.text).toMatch(/^1\/N\(s_ij Σ_l y_il − y_ij\)/);
    expect(deriveRule('broadcast add').inputs.map((i) => i.matrix.text)).toEqual(['dA = dC', 'db = 1ᵀ·dC']);
    expect(deriveRule('branch').inputs[0]!.matrix.text).toBe('dA = dB + dC');
    expect(deriveRule('hadamard').op).toBe('mul');
    expect(deriveRule('cross-entropy').inputs[0]!.matrix.text).toBe('dB = −dL∘Y/B');
    expect(deriveRule('relu').inputs[0]!.steps.at(-1)!.math.text).toBe('∂L/∂b_ij · [a_ij > 0]');
  });

  it('refuses an unknown name, listing the known ones', () => {
    expect(() => deriveRule('conv2d')).toThrow(/deriveRule: no derivation for 'conv2d'; expected one of branch \(fan-out\), add, /);
    expect(() => deriveRule(3 as unknown as string)).toThrow(/deriveRule: opName must be a string, got number/);
  });

  it('docs/derivations.md is generated from the code and up to date (run `pnpm docs:derivations` to refresh it)', () => {
    const onDisk = readFileSync(new URL('../../../docs/derivations.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(derivationsMarkdown());
  });
});

describe('latexToText', () => {
  it('writes the derivations’ LaTeX as text', () => {
    expect(latexToText('\\frac{\\partial L}{\\partial c_{kl}}\\;\\frac{\\partial c_{kl}}{\\partial a_{ij}}')).toBe('∂L/∂c_kl · ∂c_kl/∂a_ij');
    expect(latexToText('\\frac{1}{2\\sqrt{a_{ij}}}')).toBe('1/(2√a_ij)');
    expect(latexToText('\\mathbf{A}^{\\top} \\circ \\mathbf{B}^{2} - x^{p-1}')).toBe('Aᵀ ∘ B² − x^(p−1)');
    expect(latexToText('-\\left(\\tanh^{2} a_{ij}\\right)')).toBe('−(tanh² a_ij)');
  });

  it('refuses a command it does not know, so no LaTeX leaks into text', () => {
    expect(() => latexToText('\\mathcal{L}')).toThrow(/latexToText: unknown command \\mathcal/);
    expect(() => latexToText('{a')).toThrow(/missing '}'/);
  });
});

it('tensor names become LaTeX symbols: bold matrices, Greek letters, indices', () => {
  expect(parseName('W1', 2).latex).toBe('\\mathbf{W}_{1}');
  expect(parseName('Phi1', 2).latex).toBe('\\boldsymbol{\\Phi}_{1}');
  expect(parseName('Z⁽²⁾', 2).latex).toBe('\\mathbf{Z}^{(2)}');
  expect(parseName('apple count', 0)).toEqual({ text: 'apple count', latex: '\\text{apple count}', simple: false });
  expect(parseName('L', 0).latex).toBe('L');
  expect(tensor(1).name).toBeUndefined();
});
