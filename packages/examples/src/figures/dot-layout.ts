/** Which way a graph's arrows run: left to right as on paper, or top to bottom for a long
 *  chain, which would otherwise be wider than a screen. */
export type GraphDirection = 'left-to-right' | 'top-to-bottom';

/** `toDot`'s text laid out in `direction` (toDot itself draws left to right). */
export function withDirection(dot: string, direction: GraphDirection): string {
  if (direction === 'left-to-right') return dot;
  if (!dot.includes('rankdir=LR')) throw new Error('withDirection: the DOT text has no rankdir=LR to turn; did toDot change its header?');
  return dot.replace('rankdir=LR', 'rankdir=TB');
}
