import { tensor, valueAndGrad } from '@matgrad/core';

/** z = (x + y)² and its gradient at one point. */
export interface SquareOfSumPoint {
  /** The point's x. */
  x: number;
  /** The point's y. */
  y: number;
  /** z = (x + y)². */
  value: number;
  /** dz/dx, as backward computes it (2x + 2y). */
  dx: number;
  /** dz/dy, as backward computes it (2x + 2y). */
  dy: number;
}

/** z = (x + y)² through t = x + y: dz/dt = 2t (pow's rule), dt/dx = dt/dy = 1 (add's rule). */
const zAndGradient = valueAndGrad((x, y) => x.add(y).pow(2));

/** z = (x + y)² and its gradient at (x, y), by backward. */
export function squareOfSum(x: number, y: number): SquareOfSumPoint {
  const [value, [dx, dy]] = zAndGradient(tensor(x), tensor(y));
  return { x, y, value: value.item(), dx: dx.item(), dy: dy.item() };
}

/** The points the worked example prints. */
export const SQUARE_OF_SUM_POINTS: ReadonlyArray<readonly [number, number]> = [
  [1, 2],
  [-3, 0.5],
  [0.25, -4],
];

/** The worked example's lines: the derivation, then each point checked against 2x + 2y. */
export function formatSquareOfSum(points = SQUARE_OF_SUM_POINTS): string {
  const lines = [
    'd/dx (x + y)²: t = x + y, z = t²; backward: dz/dt = 2t, dt/dx = 1, so dz/dx = 2(x + y) = 2x + 2y',
  ];
  for (const [x, y] of points) {
    const p = squareOfSum(x, y);
    lines.push(`    x = ${x}, y = ${y}: z = ${p.value}, dz/dx = ${p.dx}, dz/dy = ${p.dy}, 2x + 2y = ${2 * x + 2 * y}`);
  }
  return lines.join('\n');
}
