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
