import { deriveBackward, gradients, type BackwardDerivation } from '@matgrad/core';
import type { TwoLayerNet } from './two-layer-net.js';

export interface NetDerivation {
  derivation: BackwardDerivation;
  /** max |equation evaluated on the net's values − the engine's gradient| over W1, b1, W2, b2. */
  worst: number;
}

/** The two-layer net's backward pass as the notes write it, checked against the engine. */
export function deriveNet(net: TwoLayerNet): NetDerivation {
  const derivation = deriveBackward(net.L);
  const evaluated = derivation.evaluate();
  const parameters = [net.W1, net.b1, net.W2, net.b2];
  const engine = gradients(net.L, parameters, { retainGraph: true });
  let worst = 0;
  parameters.forEach((p, k) => {
    const mine = evaluated.gradient(p)!.values();
    const theirs = engine[k]!.values();
    for (let i = 0; i < mine.length; i++) worst = Math.max(worst, Math.abs(mine[i]! - theirs[i]!));
  });
  return { derivation, worst };
}

export function formatNetDerivation({ derivation, worst }: NetDerivation): string {
  return [
    'The same backward pass as matrix equations (deriveBackward), one group per layer as the notes write them:',
    derivation
      .toString()
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
    `  the equations evaluated on the net's own values give the engine's gradients of W1, b1, W2, b2: max |difference| = ${worst}`,
  ].join('\n');
}
