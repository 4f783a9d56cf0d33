import { rules, tensor, type Tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { describeNode, formatTensor, operandLetters } from '../web/src/graphs/describe.js';
import { evaluate, initialValues, parseField, SCENARIOS, type Scenario } from '../web/src/graphs/scenarios.js';

function scenario(id: string): Scenario {
  const found = SCENARIOS.find((s) => s.id === id);
  if (found === undefined) throw new Error(`no scenario ${id}`);
  return found;
}

/** Every leaf of the graph of `root` that has a name, by name. */
function leaves(root: Tensor): Map<string, Tensor> {
  const found = new Map<string, Tensor>();
  const stack = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t.creator === null) found.set(t.name ?? '', t);
    else stack.push(...t.creator.inputs);
  }
  return found;
}

describe('playground graphs', () => {
  it('computes the apples numbers of the design', () => {
    const root = evaluate(scenario('apples'), initialValues(scenario('apples')));
    expect(root.item()).toBeCloseTo(220, 12);
    const g = leaves(root);
    expect(g.get('apple')!.grad!.item()).toBeCloseTo(2.2, 12);
    expect(g.get('count')!.grad!.item()).toBeCloseTo(110, 12);
    expect(g.get('tax')!.grad!.item()).toBeCloseTo(200, 12);
  });

  it('computes the apples-and-oranges numbers of the design', () => {
    const root = evaluate(scenario('apples-oranges'), initialValues(scenario('apples-oranges')));
    expect(root.item()).toBeCloseTo(715, 10);
    const grads = Object.fromEntries([...leaves(root)].map(([name, t]) => [name, Number(t.grad!.item().toPrecision(12))]));
    expect(grads).toEqual({ apple: 2.2, 'apple count': 110, orange: 3.3, 'orange count': 165, tax: 650 });
  });

  it('builds the two-layer net with the layer rule dW = Φᵀ·Δ, db = 1ᵀ·Δ', () => {
    const values = initialValues(scenario('two-layer'));
    const loss = evaluate(scenario('two-layer'), { ...values, activation: 'relu' });
    const g = leaves(loss);
    expect([...g.keys()].sort()).toEqual(['W1', 'W2', 'X', 'Y', 'b1', 'b2']);
    expect(g.get('X')!.grad).toBeNull();
    // A = H·W2 + b2 feeds softmax-with-loss, so Δ = (softmax(A) − Y)/N, dW2 = Hᵀ·Δ, db2 = 1ᵀ·Δ.
    const A = loss.creator!.inputs[0]!;
    const H = A.creator!.inputs[0]!.creator!.inputs[0]!;
    const delta = A.softmax(1).sub(g.get('Y')!).div(2);
    expect([...g.get('W2')!.grad!.values()]).toEqual([...H.T.matmul(delta).values()].map((v) => expect.closeTo(v, 12)));
    expect([...g.get('b2')!.grad!.values()]).toEqual([...delta.sum(0).values()].map((v) => expect.closeTo(v, 12)));
    expect(H.creator!.op.name).toBe('relu');
  });

  it('checks edited inputs and names the field in errors', () => {
    const [apple] = scenario('apples').fields;
    expect(parseField(apple!, ' 120 ')).toBe(120);
    expect(() => parseField(apple!, 'abc')).toThrow("apple price: 'abc' is not a number");
    expect(() => parseField(apple!, '')).toThrow("apple price: '' is not a number");
    const target = scenario('two-layer').fields.find((f) => f.key === 'y0')!;
    expect(() => parseField(target, '3')).toThrow('class of row 0: 3 must lie in 0..2');
    expect(() => parseField(target, '1.5')).toThrow('class of row 0: 1.5 must be a whole number');
    const activation = scenario('two-layer').fields.find((f) => f.key === 'activation')!;
    expect(() => parseField(activation, 'gelu')).toThrow("activation f: 'gelu' is not one of sigmoid, relu");
  });

  it('names the operands of an op with the letters of its rule', () => {
    const rule = (name: string) => {
      const r = rules().find((x) => x.op === name);
      if (r === undefined) throw new Error(`no rule ${name}`);
      return { forward: r.forward, identity: r.backward };
    };
    expect(operandLetters(rule('matmul'), 2)).toEqual({ output: 'C', inputs: ['A', 'B'] });
    expect(operandLetters(rule('affine'), 3)).toEqual({ output: 'Z', inputs: ['Φ', 'W', 'b'] });
    expect(operandLetters(rule('softmaxCrossEntropy'), 2)).toEqual({ output: 'L', inputs: ['A', 'Y'] });
    expect(operandLetters(rule('relu'), 1)).toEqual({ output: 'B', inputs: ['A'] });
    expect(operandLetters(rule('pow'), 1)).toEqual({ output: 'C', inputs: ['A'] });
    expect(operandLetters({ forward: 'f(x, y)', identity: 'see the paper' }, 2)).toEqual({ output: 'output', inputs: ['input 1', 'input 2'] });
  });

  it('describes a node with its rule and operand shapes, and a leaf with its gradient', () => {
    const W = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true, name: 'W' });
    const x = tensor([[1], [0], [-1]], { name: 'x' });
    const y = W.matmul(x).named('y');
    y.sum().backward({ retainGrads: true });
    const card = describeNode(y);
    expect(card.identity).toBe('dA = dC·Bᵀ, dB = Aᵀ·dC');
    expect(card.operands.map((o) => [o.role, o.name, o.shape, o.gradient])).toEqual([
      ['A', 'W', '2×3', '[1, 0, -1]\n[1, 0, -1]'],
      ['B', 'x', '3×1', null],
      ['C', 'y', '2×1', '[1]\n[1]'],
    ]);
    expect(describeNode(W).title).toContain('W — input (leaf)');
    expect(formatTensor(tensor(Array.from({ length: 8 }, (_, i) => Array(8).fill(i / 3))))).toBe(
      [...Array.from({ length: 6 }, (_, i) => `[${Array(6).fill(Number((i / 3).toPrecision(4))).join(', ')}, …]`), '… (2 more rows)'].join('\n'),
    );
  });
});
