import { rand, Rng, tensor, type Tensor } from '../../index.js';
import { build as E, type Expr } from '../expr.js';
import type { Specimen } from './specimens.js';

/**
 * Rules the notes derive that are no single op of matgrad: the bias add (broadcastTo, then add)
 * and the plain cross-entropy (composed from log, mul and sum). Each has a specimen graph built
 * from the ops and a twin of its identity; a test checks the twin against backward() through
 * the ops, as the ops' own twins are checked against their rules.
 */
export interface Composite {
  specimen(rng: Rng): Specimen & { constants: Record<string, Tensor> };
  /** The identity per input of the specimen, given the upstream gradient and how tensors are written. */
  twin(dOut: Expr, value: (t: Tensor) => Expr, specimen: Specimen & { constants: Record<string, Tensor> }): Expr[];
}

export const COMPOSITES: Readonly<Record<string, Composite>> = {
  'broadcast add': {
    specimen: (rng) => {
      const a = rand([3, 4], { rng, low: -1, high: 1, requiresGrad: true, name: 'A' });
      const b = rand([4], { rng, low: -1, high: 1, requiresGrad: true, name: 'b' });
      return { inputs: [a, b], output: a.add(b).named('C'), constants: {} };
    },
    twin: (d, _value, { output }) => [d, E.sumTo(d, [4], output.shape)],
  },
  'cross-entropy': {
    specimen: (rng) => {
      const b = rand([3, 4], { rng, low: 0.1, high: 1, requiresGrad: true, name: 'B' });
      const y = tensor([[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]], { name: 'Y' });
      return { inputs: [b], output: y.mul(b.log()).sum().neg().named('L'), constants: { Y: y } };
    },
    twin: (d, value, { inputs: [b], constants: { Y } }) => [E.negate(E.hadamard(d, E.divide(value(Y!), value(b!))))],
  },
};
