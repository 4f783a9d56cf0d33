import { tensor, type Tensor } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import {
  appleBill,
  appleOrangeBill,
  billTensors,
  formatBill,
  formatWalkthrough,
  initTwoLayerParams,
  noteExampleNet,
  snackBill,
  squareOfSum,
  twoLayerForward,
  walkThroughBackward,
  workedExamplesText,
  type Bill,
  type HiddenActivation,
  type TwoLayerParams,
} from '../src/worked/index.js';

function valuesAndGradients(bill: Bill): { value: Record<string, number>; gradient: Record<string, number> } {
  const value: Record<string, number> = {};
  const gradient: Record<string, number> = {};
  for (const [name, t] of billTensors(bill)) {
    value[name] = t.item();
    gradient[name] = t.grad!.item();
  }
  return { value, gradient };
}

describe('the shopping bills of the seeds', () => {
  it('snack: 30 × 5 = 150, × 1.2 = 180; backward 1.2, 6, 36, 150', () => {
    const { value, gradient } = valuesAndGradients(snackBill());
    expect(value).toEqual({ snack: 30, count: 5, subtotal: 150, tax: 1.2, total: 180 });
    expect(gradient.total).toBe(1);
    expect(gradient.subtotal).toBe(1.2);
    expect(gradient.snack).toBeCloseTo(6, 12);
    expect(gradient.count).toBeCloseTo(36, 12);
    expect(gradient.tax).toBe(150);
  });

  it('apples: 100 × 2 = 200, × 1.1 = 220.00000000000003; backward 2.2, 110, 200', () => {
    const bill = appleBill();
    const { value, gradient } = valuesAndGradients(bill);
    expect(value.total).toBe(220.00000000000003);
    expect(value['apple price']).toBe(200);
    expect(gradient['apple price']).toBe(1.1);
    expect(gradient.apple).toBe(2.2);
    expect(gradient['apple count']).toBeCloseTo(110, 12);
    expect(gradient.tax).toBe(200);
    const text = formatBill(bill);
    expect(text).toContain('apple price = apple × apple count = 100 × 2 = 200');
    expect(text).toContain('total = apple price × tax = 200 × 1.1 = 220.00000000000003');
    expect(text).toContain('d total / d apple = 2.2');
    expect(text).toContain('d total / d tax = 200');
  });

  it('apples and oranges: 650 × 1.1 = 715.0000000000001; every gradient', () => {
    const bill = appleOrangeBill();
    const { value, gradient } = valuesAndGradients(bill);
    expect(value.subtotal).toBe(650);
    expect(value['orange price']).toBe(450);
    expect(value.total).toBe(715.0000000000001);
    expect(gradient.subtotal).toBe(1.1);
    expect(gradient['apple price']).toBe(1.1);
    expect(gradient['orange price']).toBe(1.1);
    expect(gradient['apple count']).toBeCloseTo(110, 12);
    expect(gradient.apple).toBe(2.2);
    expect(gradient.orange).toBeCloseTo(3.3, 12);
    expect(gradient['orange count']).toBeCloseTo(165, 12);
    expect(gradient.tax).toBe(650);
    expect(formatBill(bill)).toContain('subtotal = apple price + orange price = 200 + 450 = 650');
  });
});

describe('d/dx (x + y)²', () => {
  it('equals 2x + 2y (and so does d/dy)', () => {
    for (const [x, y] of [[1, 2], [-3, 0.5], [0.25, -4], [1e3, -7.5]] as const) {
      const p = squareOfSum(x, y);
      expect(p.value).toBeCloseTo((x + y) ** 2, 9);
      expect(p.dx).toBeCloseTo(2 * x + 2 * y, 9);
      expect(p.dy).toBeCloseTo(2 * x + 2 * y, 9);
    }
  });
});

/** Central differences of the loss for every element of one parameter, independent of backward. */
function numericGradient(X: Tensor, labels: number[], params: TwoLayerParams, which: keyof TwoLayerParams, activation: HiddenActivation): number[] {
  const copy = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.detach()])) as unknown as TwoLayerParams;
  copy[which] = tensor(copy[which].values(), { shape: copy[which].shape });
  const values = copy[which].values();
  const eps = 1e-6;
  return Array.from(values, (_, i) => {
    const saved = values[i]!;
    values[i] = saved + eps;
    const up = twoLayerForward(X, labels, { ...copy, [which]: copy[which].assign(values) }, activation).L.item();
    values[i] = saved - eps;
    const down = twoLayerForward(X, labels, { ...copy, [which]: copy[which].assign(values) }, activation).L.item();
    values[i] = saved;
    copy[which].assign(values);
    return (up - down) / (2 * eps);
  });
}

describe('the two-layer net of the matrix-rules note, step by step', () => {
  it('reads Δ, dW = Φᵀ·Δ, db = 1ᵀ·Δ and dΦ = Δ·Wᵀ off the explained steps, with their shapes', () => {
    const w = walkThroughBackward(noteExampleNet());
    expect(w.output.delta.shape).toEqual([4, 3]);
    expect(w.output.dW.shape).toEqual([4, 3]);
    expect(w.output.db.shape).toEqual([3]);
    expect(w.output.dPhi!.shape).toEqual([4, 4]);
    expect(w.hidden.delta.shape).toEqual([4, 4]);
    expect(w.hidden.dW.shape).toEqual([3, 4]);
    expect(w.hidden.db.shape).toEqual([4]);
    for (const errors of [w.errors.output, w.errors.hidden]) {
      for (const e of [errors.delta, errors.dW, errors.db, errors.dPhi ?? 0]) expect(e).toBeLessThan(1e-14);
    }
    // softmax rows sum to 1 and one-hot rows too, so every row of Δ2 = (B − Y)/N sums to 0.
    for (const row of w.output.delta.toArray() as number[][]) expect(Math.abs(row.reduce((a, b) => a + b))).toBeLessThan(1e-15);
    // relu: Δ1 is zero wherever Z1 was not positive, and only there the mask acts.
    const z1 = Array.from(w.net.Z1.values());
    const d1 = Array.from(w.hidden.delta.values());
    expect(z1.some((z) => z <= 0)).toBe(true);
    z1.forEach((z, i) => {
      if (z <= 0) expect(Math.abs(d1[i]!)).toBe(0);
    });
  });

  it('agrees with finite differences of the loss, for both activations', () => {
    for (const activation of ['relu', 'sigmoid'] as const) {
      const X = tensor([[0.3, -1.2, 0.7], [1.1, 0.4, -0.2], [-0.6, 0.9, 1.5]]);
      const labels = [2, 0, 1];
      const params = initTwoLayerParams({ inputs: 3, hidden: 5, classes: 3, seed: 11 });
      const w = walkThroughBackward(twoLayerForward(X, labels, params, activation));
      const close = (analytic: Tensor, which: keyof TwoLayerParams) => {
        const expected = numericGradient(X, labels, params, which, activation);
        Array.from(analytic.values()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 7));
      };
      close(w.hidden.dW, 'W1');
      close(w.hidden.db, 'b1');
      close(w.output.dW, 'W2');
      close(w.output.db, 'b2');
    }
  });

  it('prints the explained steps and each layer rule with its shapes', () => {
    const text = formatWalkthrough(walkThroughBackward(noteExampleNet()));
    expect(text).toContain('4. matmul: Phi1[4,4], W2[4,3] → Phi1W2[4,3]');
    expect(text).toContain('rule: dA = dC·Bᵀ, dB = Aᵀ·dC');
    expect(text).toContain('dB1[4,4] → db1[4]');
    expect(text).toMatch(/Δ2 = dZ2 = \(softmax\(Z2\) − Y\)\/N\s+\[4,3\]/);
    expect(text).toMatch(/db2 = 1ᵀ·Δ2\s+\[1,4\]·\[4,3\] → \[3\]/);
    expect(text).toMatch(/dW2 = Phi1ᵀ·Δ2\s+\[4,4\]·\[4,3\] → \[4,3\]/);
    expect(text).toMatch(/dPhi1 = Δ2·W2ᵀ\s+\[4,3\]·\[3,4\] → \[4,4\]/);
    expect(text).toMatch(/Δ1 = dPhi1∘relu'\(Z1\) = dPhi1∘\[Z1 > 0\]\s+\[4,4\]/);
    expect(text).toMatch(/dW1 = Xᵀ·Δ1\s+\[3,4\]·\[4,4\] → \[3,4\]/);
    expect(text).toContain('max |difference| = 0');
  });

  it('the examples command prints every example', () => {
    const text = workedExamplesText();
    for (const expected of ['= 180', '220.00000000000003', '715.0000000000001', 'd total / d orange count = 165', '2x + 2y = 6', 'dW1 = Xᵀ·Δ1']) {
      expect(text).toContain(expected);
    }
  });
});
