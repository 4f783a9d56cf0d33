import { deriveBackward, deriveRule, ruleNames } from '@matgrad/core';
import katex from 'katex';
import { describe, expect, it } from 'vitest';
import { evaluate, initialValues, SCENARIOS } from '../web/src/graphs/scenarios.js';
import { deriveNet, formatNetDerivation, initTwoLayerParams, noteExampleNet, twoLayerForward } from '../src/worked/index.js';

/** KaTeX's own parser: throws on LaTeX it cannot typeset (what the playground and docs show). */
function typesets(latex: string): void {
  katex.renderToString(latex, { displayMode: true, throwOnError: true, strict: 'error' });
}

describe('the derivations typeset with KaTeX', () => {
  it("every rule's derivation", () => {
    for (const name of ruleNames()) expect(() => typesets(deriveRule(name).toLatex()), name).not.toThrow();
  });

  it("every playground graph's equations, their numbers and their definitions", () => {
    for (const scenario of SCENARIOS) {
      for (const activation of ['sigmoid', 'relu']) {
        const root = evaluate(scenario, { ...initialValues(scenario), activation });
        const derivation = deriveBackward(root);
        const evaluated = derivation.evaluate();
        expect(() => typesets(derivation.toLatex()), scenario.id).not.toThrow();
        for (const eq of derivation.equations) {
          expect(() => typesets(derivation.equation(eq, 'latex')), `${scenario.id}: ${eq.name.text}`).not.toThrow();
          expect(() => typesets(derivation.numbersLatex(eq, evaluated)), `${scenario.id}: numbers of ${eq.name.text}`).not.toThrow();
        }
        for (const line of derivation.where('latex')) expect(() => typesets(line), line).not.toThrow();
      }
    }
  });

  it("the playground's two-layer net reads as the notes' layer equations, and its numbers are the engine's gradients", () => {
    const scenario = SCENARIOS.find((s) => s.id === 'two-layer')!;
    const root = evaluate(scenario, initialValues(scenario));
    const derivation = deriveBackward(root);
    expect(derivation.equations.map((e) => derivation.equation(e, 'text'))).toEqual([
      'Δ2 = (softmax(A) − Y)/N',
      'db2 = 1ᵀ·Δ2',
      'dW2 = Hᵀ·Δ2',
      'dH = Δ2·W2ᵀ',
      'Δ1 = dH∘σ′(Z1)',
      'db1 = 1ᵀ·Δ1',
      'dW1 = Xᵀ·Δ1',
    ]);
    const evaluated = derivation.evaluate();
    const dW1 = derivation.equations.at(-1)!;
    // evaluate() ran backward with retainGrads: W1.grad is the engine's answer.
    expect(Array.from(evaluated.byEquation.get(dW1)!.values())).toEqual(Array.from(dW1.tensor.grad!.values()).map((v) => expect.closeTo(v, 14)));
    const numbers = derivation.numbersLatex(dW1, evaluated);
    expect(numbers.startsWith('d\\mathbf{W}_{1} = {\\begin{bmatrix}')).toBe(true);
    expect(numbers.split('\\begin{bmatrix}')).toHaveLength(4); // Xᵀ, Δ1 and the result
  });
});

describe('the examples command prints the two-layer net as equations', () => {
  it('checked against the engine, for both activations', () => {
    for (const activation of ['relu', 'sigmoid'] as const) {
      const params = initTwoLayerParams({ inputs: 3, hidden: 5, classes: 3, seed: 4 });
      const net = twoLayerForward(noteExampleNet().X.detach(), [0, 2, 1, 2], params, activation);
      const { derivation, worst } = deriveNet(net);
      expect(worst).toBeLessThan(1e-15);
      expect(derivation.equations).toHaveLength(7);
    }
    const text = formatNetDerivation(deriveNet(noteExampleNet()));
    for (const line of [/Δ2 += \(softmax\(Z2\) − Y\)\/N +\[4,3\]/, /db2 += 1ᵀ·Δ2 +\[3\]/, /dW2 += Phi1ᵀ·Δ2 +\[4,3\]/, /dPhi1 = Δ2·W2ᵀ +\[4,4\]/, /Δ1 += dPhi1∘relu′\(Z1\) +\[4,4\]/, /dW1 += Xᵀ·Δ1 +\[3,4\]/]) {
      expect(text).toMatch(line);
    }
    expect(text).toContain('relu′(Z1) = [Z1 > 0]');
    expect(text).toContain('max |difference| = 0');
  });
});
