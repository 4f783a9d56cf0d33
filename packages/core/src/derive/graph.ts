import { topologicalOrder, type Tensor } from '../index.js';

export interface Use {
  /** The tensor made from this one. */
  by: Tensor;
  /** Which input of `by`'s op this one is. */
  k: number;
}

export interface GraphView {
  /** Every tensor the root depends on, constants included, inputs before the ops that use them. */
  order: Tensor[];
  /** The uses of each tensor inside the graph of the root. */
  uses: Map<Tensor, Use[]>;
}

export function viewGraph(root: Tensor): GraphView {
  const order = topologicalOrder([root], { constants: true });
  const uses = new Map<Tensor, Use[]>(order.map((t) => [t, []]));
  for (const t of order) t.creator?.inputs.forEach((input, k) => uses.get(input)?.push({ by: t, k }));
  return { order, uses };
}

export const opName = (t: Tensor): string | null => t.creator?.op.name ?? null;

/** Follows dtype casts back to the tensor they were made from, collecting the casts passed. */
export function throughCasts(t: Tensor, passed: Tensor[] = []): Tensor {
  let x = t;
  while (opName(x) === 'cast') {
    passed.push(x);
    x = x.creator!.inputs[0]!;
  }
  return x;
}
