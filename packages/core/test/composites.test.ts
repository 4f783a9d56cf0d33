import { describe, expect, it } from 'vitest';
import { composites, conv2d, explainBackward, eye, linspace, maxPool2d, rulesMarkdown, std, tensor, toDot } from '../src/index.js';

function tinyConvNet() {
  const x = tensor([[[[1, 2, 0, 1], [0, 1, 3, 1], [2, 0, 1, 0], [1, 1, 0, 2]]]], { name: 'X' });
  const w = tensor([[[[1, -1], [0.5, 2]]]], { requiresGrad: true, name: 'W' });
  const b = tensor([0.1], { requiresGrad: true, name: 'b' });
  const y = conv2d(x, w, b).named('Y');
  return { x, w, b, loss: maxPool2d(y, 2).sum().named('L') };
}

describe('composite ops show their composition', () => {
  it('explainBackward marks every step of a conv2d call with its composite', () => {
    const { loss } = tinyConvNet();
    const steps = explainBackward(loss).steps;
    const within = (op: string) => steps.find((s) => s.op === op)!.within;
    expect(within('matmul')).toEqual(['conv2d']);
    expect(within('transpose')).toEqual(['conv2d']);
    // maxPool2d is an op of its own (with kernels), not a composite.
    expect(within('maxPool2d')).toEqual([]);
    expect(within('sum')).toEqual([]);
    expect(String(explainBackward(loss))).toMatch(/matmul \(in conv2d\): reshape\d*\[1,4\], x1\[4,9\] → matmul\[1,9\]/);
  });

  it('nested calls are listed outermost first (std is sqrt of var)', () => {
    const a = tensor([1, 2, 4], { requiresGrad: true });
    const steps = explainBackward(std(a)).steps;
    expect(steps.find((s) => s.op === 'sqrt')!.within).toEqual(['std']);
    expect(steps.find((s) => s.op === 'sum')!.within).toEqual(['std', 'var']);
  });

  it('toDot draws each call in a dashed box named after it, calls inside calls nested', () => {
    const { loss } = tinyConvNet();
    loss.backward({ retainGrads: true });
    const dot = toDot(loss);
    expect(dot).toMatch(/subgraph cluster_\d+ \{\n {4}label="conv2d"; style="dashed,rounded"/);
    expect(dot).toMatch(/label="maxPool2d"/);
    expect(dot.match(/subgraph cluster/g)).toHaveLength(1);
    const a = tensor([1, 2, 4], { requiresGrad: true });
    const nested = toDot(std(a));
    expect(nested).toMatch(/label="std";[^}]*\n {4}subgraph cluster_\d+ \{\n {6}label="var"/);
  });

  it('the rules document lists every composite with what it is made of', () => {
    const doc = rulesMarkdown();
    for (const c of composites()) expect(doc).toContain(`| ${c.name} | `);
    expect(doc).toContain('| conv2d | Y = W·col(X) + b·1ᵀ, laid out as [N, F, OH, OW] | im2col(X) → matmul');
    expect(doc).toContain('dW = dY·col(X)ᵀ, db = dY·1, dX = col⁻¹(Wᵀ·dY)');
  });
});

describe('the tiny conv example with numbers: Y = W·col(X) + b and its three identities', () => {
  it('col(X), Y, dW = dY·col(X)ᵀ, db = dY·1 and dX = col⁻¹(Wᵀ·dY)', () => {
    const x = tensor([[[[1, 2, 0], [0, 1, 3], [2, 0, 1]]]], { requiresGrad: true });
    const w = tensor([[[[1, -1], [0.5, 2]]]], { requiresGrad: true });
    const b = tensor([0.1], { requiresGrad: true });
    const y = conv2d(x, w, b);
    // col(X): the four 2×2 patches as columns.
    const col = [
      [1, 2, 0, 1],
      [2, 0, 1, 3],
      [0, 1, 2, 0],
      [1, 3, 0, 1],
    ];
    const wRow = [1, -1, 0.5, 2];
    const expectedY = [0, 1, 2, 3].map((j) => wRow.reduce((s, wi, i) => s + wi * col[i]![j]!, 0) + 0.1);
    expect(Array.from(y.values())).toEqual(expectedY);
    const dY = [1, 2, 3, 4];
    y.backward({ gradient: tensor(dY, { shape: [1, 1, 2, 2] }) });
    expect(Array.from(w.grad!.values())).toEqual(col.map((row) => row.reduce((s, v, j) => s + dY[j]! * v, 0)));
    expect(Array.from(b.grad!.values())).toEqual([10]);
    // col⁻¹(Wᵀ·dY): each patch's share Wᵀ·dY added back at its pixels.
    expect(x.grad!.toArray()).toEqual([[[[1, 1, -2], [3.5, 4, 0], [1.5, 8, 8]]]]);
  });
});

describe('eye and linspace', () => {
  it('eye: square and rectangular identity matrices', () => {
    expect(eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(eye(2, 3, { dtype: 'float32' }).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(0).shape).toEqual([0, 0]);
    expect(() => eye(-1)).toThrow('eye: n must be a non-negative integer, got -1');
  });
  it('linspace: evenly spaced with both ends included, the last exactly stop', () => {
    expect(Array.from(linspace(0, 1, 5).values())).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(0, 0.3, 7).values()[6]).toBe(0.3);
    expect(Array.from(linspace(2, 3, 1).values())).toEqual([2]);
    expect(linspace(0, 1, 0).shape).toEqual([0]);
    expect(() => linspace(0, 1, 2.5)).toThrow('linspace: num must be a non-negative integer, got 2.5');
  });
});
