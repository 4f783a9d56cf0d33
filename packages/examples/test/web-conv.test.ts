import { topologicalOrder, type Tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { describeNode } from '../web/src/graphs/describe.js';
import { evaluate, initialValues, SCENARIOS } from '../web/src/graphs/scenarios.js';

const conv = SCENARIOS.find((s) => s.id === 'conv')!;

describe('playground: the tiny convolution', () => {
  const loss = evaluate(conv, initialValues(conv));
  const graph = topologicalOrder([loss], { constants: true });
  const node = (op: string): Tensor => graph.find((t) => t.creator?.op.name === op)!;

  it('lays the nine 2×2 patches of the 4×4 image out as columns, and the dot card shows the three identities with numbers', () => {
    const col = describeNode(node('im2col'), graph);
    expect(col.operands.map((o) => [o.role, o.name, o.shape])).toEqual([
      ['A', 'X', '1×1×4×4'],
      ['C', 'im2col output', '4×9'],
    ]);
    // Column 0 is the top-left patch [1, 2; 0, 1] read row by row.
    expect(col.operands[1]!.value.split('\n').map((row) => row.split(', ')[0]!.replace('[', ''))).toEqual(['1', '2', '0', '1']);
    const rows = describeNode(node('matmul'), graph).layer!;
    expect(rows.map((r) => r.identity)).toEqual(['col(X), the patches as columns', 'dY', 'dW = dY·col(X)ᵀ', 'db = dY·1', 'dX = col⁻¹(Wᵀ·dY)']);
    // L = Σ relu(Y): dY is 1 where Y > 0. Y = W·col(X) + 0.1 is negative only at (2, 1):
    // 0 − 1 + 0.5·1 + 2·0 + 0.1 = −0.4.
    expect(rows[1]!.value).toBe('[1, 1, 1]\n[1, 1, 1]\n[1, 0, 1]');
    expect(rows[3]!.value).toBe('[8]');
    // dW = dY·col(X)ᵀ: each filter tap summed over the eight patches that pass relu.
    expect(rows[2]!.value).toBe('[10, 8]\n[8, 9]');
    // dX = col⁻¹(Wᵀ·dY): W added at each passing patch's pixels.
    expect(rows[4]!.value).toBe('[1, 0, 0, -1]\n[1.5, 2.5, 2.5, 1]\n[1.5, 1.5, 3.5, 1]\n[0.5, 2, 0.5, 2]');
  });

  it('adds no layer rows to nodes outside the conv2d call', () => {
    expect(describeNode(node('relu'), graph).layer).toBeUndefined();
  });
});
