import { expect } from 'vitest';
import type { Tensor } from '../../src/index.js';

/** max |a − b| / (1 + |b|) over the elements: 0 for the same numbers; shapes must match. */
export function relativeDifference(a: Tensor, b: Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`compared shapes [${a.shape.join(',')}] and [${b.shape.join(',')}] differ`);
  const [x, y] = [a.values(), b.values()];
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const both = Object.is(x[i], y[i]) || (Number.isNaN(x[i]!) && Number.isNaN(y[i]!));
    worst = Math.max(worst, both ? 0 : Math.abs(x[i]! - y[i]!) / (1 + Math.abs(y[i]!)));
  }
  return Number.isNaN(worst) ? Infinity : worst;
}

/** The same elements bit for bit as Object.is sees them (−0 against +0 counts; NaN is NaN),
 *  naming the first one that differs and `label`. */
export function sameElements(actual: ArrayLike<number>, expected: ArrayLike<number>, label = ''): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) expect.fail(`${label ? `${label}: ` : ''}element ${i}: got ${Object.is(actual[i], -0) ? '-0' : actual[i]}, expected ${Object.is(expected[i], -0) ? '-0' : expected[i]}`);
  }
}
