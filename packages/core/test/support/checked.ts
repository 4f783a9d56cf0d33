import { expect } from 'vitest';
import { compositeCallsOf, gradCheck, topologicalOrder, type GradCheckOptions, type Tensor } from '../../src/index.js';

/** Every op, and every composite, that a checked graph went through; the last test of
 *  ops.property.test.ts demands all registered ones. */
export const checkedOps = new Set<string>();
export const checkedComposites = new Set<string>();

/** gradCheck of `f` at `inputs`, failing with its report; records the ops it went through. */
export function expectGradCheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options?: GradCheckOptions): void {
  const probe = f(...inputs.map((x) => x.detach().requireGrad()));
  for (const t of topologicalOrder([probe])) {
    if (t.creator === null) continue;
    checkedOps.add(t.creator.op.name);
    for (const call of compositeCallsOf(t.creator)) checkedComposites.add(call.composite.name);
  }
  const result = gradCheck(f, inputs, options);
  if (!result.ok) throw new Error(result.report);
  expect(result.ok).toBe(true);
}
