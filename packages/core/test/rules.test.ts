import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explainBackward, rules, rulesMarkdown, softmaxCrossEntropy, tensor } from '../src/index.js';

describe('the rules table', () => {
  it('lists every op with its identity, the fan-out rule first', () => {
    const table = rules();
    expect(table[0]!.backward).toMatch(/dA = dB \+ dC/);
    const byOp = new Map(table.map((r) => [r.op, r.backward]));
    expect(byOp.get('matmul')).toBe('dA = dC·Bᵀ, dB = Aᵀ·dC');
    expect(byOp.get('broadcastTo')).toMatch(/db = 1ᵀ·dC/);
    expect(byOp.get('mul')).toBe('dA = dC∘B, dB = dC∘A');
    for (const op of ['add', 'sub', 'mul', 'div', 'neg', 'pow', 'matmul', 'exp', 'log', 'sqrt', 'relu', 'sigmoid', 'tanh', 'softmax', 'logSoftmax', 'sum', 'mean', 'max', 'transpose', 'reshape', 'broadcastTo', 'sumTo', 'cast', 'softmaxCrossEntropy', 'slice', 'unslice', 'concat', 'take', 'scatterAdd', 'where']) {
      expect(byOp.has(op), op).toBe(true);
    }
  });

  it('docs/rules.md is generated from the code and up to date (run `pnpm docs:rules` to refresh it)', () => {
    const onDisk = readFileSync(new URL('../../../docs/rules.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(rulesMarkdown());
  });
});

describe('explainBackward', () => {
  it('walks one MLP layer with its identities and shapes, without touching .grad', () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]], { name: 'Φ' });
    const w = tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], { requiresGrad: true, name: 'W' });
    const b = tensor([0.01, 0.02, 0.03], { requiresGrad: true, name: 'b' });
    const loss = softmaxCrossEntropy(x.matmul(w).add(b).named('Z').relu(), [0, 1, 2]).named('L');
    const explanation = explainBackward(loss);
    expect(explanation.steps.map((s) => s.op)).toEqual(['softmaxCrossEntropy', 'relu', 'add', 'broadcastTo', 'matmul']);
    const matmulStep = explanation.steps[4]!;
    expect(matmulStep.identity).toBe('dA = dC·Bᵀ, dB = Aᵀ·dC');
    expect(matmulStep.inputs.map((t) => [t.label, t.shape])).toEqual([['Φ', [3, 2]], ['W', [2, 3]]]);
    expect(matmulStep.dInputs[0]).toBeNull();
    expect(matmulStep.dInputs[1]!.shape).toEqual([2, 3]);
    expect(explanation.steps[3]!.identity).toMatch(/db = 1ᵀ·dC/);
    expect(String(explanation)).toContain('matmul: Φ[3,2], W[2,3] → ');
    expect(w.grad).toBeNull();
    loss.backward();
    expect(w.grad!.shape).toEqual([2, 3]);
  });
});
