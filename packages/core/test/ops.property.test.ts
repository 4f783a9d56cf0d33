import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  affine,
  clamp,
  composites,
  concat,
  maximum,
  minimum,
  rules,
  scatterAdd,
  softmaxCrossEntropy,
  stack,
  take,
  tensor,
  unslice,
  where,
  type Tensor,
} from '../src/index.js';
import { broadcastPair, broadcastTriple, dim, gathering, RUNS, shape, slicing, tensorOf, tensorOfShape, values, type ValueRange } from './support/arbitraries.js';
import { checkedComposites, checkedOps, expectGradCheck } from './support/checked.js';
// The ops of the wider set, each file a group of describe blocks (rerun on the js backend with this one).
import './properties/smooth.js';
import './properties/reductions.js';
import './properties/reshaping.js';
import './properties/convolution.js';
import './properties/losses.js';

const POSITIVE: ValueRange = { min: 0.2, max: 3 };
const NONZERO: ValueRange = { min: -2, max: 2, awayFromZero: 0.3 };
const KINK_FREE: ValueRange = { min: -2, max: 2, awayFromZero: 1e-3 };

function pairOf(rangeA?: ValueRange, rangeB?: ValueRange): fc.Arbitrary<[Tensor, Tensor]> {
  return broadcastPair.chain(([sa, sb]) => fc.tuple(tensorOfShape(sa, rangeA), tensorOfShape(sb, rangeB)));
}

describe('binary ops with numpy broadcasting match finite differences', () => {
  const cases: Array<[string, (a: Tensor, b: Tensor) => Tensor, ValueRange?, ValueRange?]> = [
    ['add', (a, b) => a.add(b)],
    ['sub', (a, b) => a.sub(b)],
    ['mul', (a, b) => a.mul(b)],
    ['div', (a, b) => a.div(b), undefined, NONZERO],
  ];
  for (const [name, f, ra, rb] of cases) {
    it(name, () => {
      fc.assert(fc.property(pairOf(ra, rb), ([a, b]) => expectGradCheck(f, [a, b])), RUNS);
    });
  }

  it('numbers as operands (a·2 − 1) / 3 + 0.5', () => {
    fc.assert(fc.property(tensorOf(shape()), (a) => expectGradCheck((x) => x.mul(2).sub(1).div(3).add(0.5), [a])), RUNS);
  });

  it('float32 with float64 promotes to float64 and the gradient flows back to float32', () => {
    const a = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const b = tensor([0.5, 0.25, 2], { requiresGrad: true });
    const c = a.mul(b);
    expect(c.dtype).toBe('float64');
    c.sum().backward();
    expect(a.grad!.dtype).toBe('float32');
    expect(Array.from(a.grad!.values())).toEqual([0.5, 0.25, 2]);
  });
});

describe('unary ops match finite differences', () => {
  const cases: Array<[string, (a: Tensor) => Tensor, ValueRange?]> = [
    ['neg', (a) => a.neg()],
    ['exp', (a) => a.exp()],
    ['log', (a) => a.log(), POSITIVE],
    ['sqrt', (a) => a.sqrt(), POSITIVE],
    ['relu', (a) => a.relu(), KINK_FREE],
    ['sigmoid', (a) => a.sigmoid()],
    ['tanh', (a) => a.tanh()],
    ['pow 3', (a) => a.pow(3)],
    ['pow -1.5', (a) => a.pow(-1.5), POSITIVE],
  ];
  for (const [name, f, range] of cases) {
    it(name, () => {
      fc.assert(fc.property(tensorOf(shape(), range), (a) => expectGradCheck(f, [a])), RUNS);
    });
  }
});

describe('matmul matches finite differences', () => {
  it('matrices [m,k]·[k,n]', () => {
    const arb = fc.tuple(dim, dim, dim).chain(([m, k, n]) => fc.tuple(tensorOfShape([m, k]), tensorOfShape([k, n])));
    fc.assert(fc.property(arb, ([a, b]) => expectGradCheck((x, y) => x.matmul(y), [a, b])), RUNS);
  });

  it('transposed operands, read in place', () => {
    const arb = fc.tuple(dim, dim, dim).chain(([m, k, n]) => fc.tuple(tensorOfShape([k, m]), tensorOfShape([n, k])));
    fc.assert(fc.property(arb, ([a, b]) => expectGradCheck((x, y) => x.T.matmul(y.T), [a, b])), RUNS);
  });

  it('batches with broadcast batch axes, and vectors', () => {
    const arb = fc.tuple(dim, dim, dim, fc.constantFrom([2, 1], [1, 3], [3], [])).chain(([m, k, n, batch]) =>
      fc.tuple(tensorOfShape([...batch, m, k]), tensorOfShape([2, 1, k, n].slice(4 - 2 - Math.min(batch.length, 2))), tensorOfShape([k]), tensorOfShape([m]), tensorOfShape([k])),
    );
    fc.assert(
      fc.property(arb, ([a, b, v, w, u]) => {
        expectGradCheck((x, y) => x.matmul(y), [a, b]);
        expectGradCheck((x, y) => x.matmul(y), [a, v]);
        expectGradCheck((x, y) => x.matmul(y), [w, a]);
        // A vector by a vector is their dot product, a scalar.
        expect(v.matmul(u).shape).toEqual([]);
        expectGradCheck((x, y) => x.matmul(y), [v, u]);
      }),
      { numRuns: 15 },
    );
  });
});

describe('affine (the fused layer Φ·W + b) matches finite differences and the unfused ops', () => {
  const layer = fc.tuple(dim, dim, dim).chain(([n, k, m]) => fc.tuple(tensorOfShape([n, k]), tensorOfShape([k, m]), tensorOfShape([m])));
  it('gradients for Φ, W and b', () => {
    fc.assert(fc.property(layer, ([x, w, b]) => expectGradCheck((p, q, r) => affine(p, q, r), [x, w, b])), RUNS);
  });
  it('the same values as matmul + broadcast add, also with a transposed W', () => {
    fc.assert(
      fc.property(layer, ([x, w, b]) => {
        expect(Array.from(affine(x, w, b).values())).toEqual(Array.from(x.matmul(w).add(b).values()));
        const wt = tensor(w.T.values(), { shape: [w.shape[1]!, w.shape[0]!] });
        expect(Array.from(affine(x, wt.T, b).values())).toEqual(Array.from(x.matmul(w).add(b).values()));
      }),
      RUNS,
    );
  });
});

describe('reductions match finite differences', () => {
  const axisCase = shape(1, 3).chain((s) =>
    fc.tuple(
      tensorOfShape(s),
      fc.option(fc.subarray(s.map((_, i) => i), { minLength: 1 }), { nil: undefined }),
      fc.boolean(),
    ),
  );
  it('sum', () => fc.assert(fc.property(axisCase, ([a, axes, keep]) => expectGradCheck((x) => x.sum(axes, keep), [a])), RUNS));
  it('mean', () => fc.assert(fc.property(axisCase, ([a, axes, keep]) => expectGradCheck((x) => x.mean(axes, keep), [a])), RUNS));
  it('max (distinct values)', () => {
    const distinct = shape(1, 3).chain((s) => {
      const n = s.reduce((x, y) => x * y, 1);
      return fc.tuple(fc.shuffledSubarray(Array.from({ length: 80 }, (_, i) => (i - 40) / 9), { minLength: n, maxLength: n }), fc.integer({ min: -s.length, max: s.length - 1 })).map(([v, axis]) => [tensor(v, { shape: s }), axis] as const);
    });
    fc.assert(fc.property(distinct, ([a, axis]) => expectGradCheck((x) => x.max(axis), [a])), RUNS);
  });
  it('max splits the gradient evenly between ties', () => {
    const a = tensor([[1, 3, 3], [2, 0, 1]], { requiresGrad: true });
    a.max(1).sum().backward();
    expect(a.grad!.toArray()).toEqual([[0, 0.5, 0.5], [1, 0, 0]]);
  });
});

describe('shape ops match finite differences', () => {
  it('transpose with a random permutation', () => {
    const arb = shape(1, 4).chain((s) => fc.tuple(tensorOfShape(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length })));
    fc.assert(fc.property(arb, ([a, perm]) => expectGradCheck((x) => x.transpose(perm).mul(x.transpose(perm)), [a])), RUNS);
  });
  it('reshape (with -1) of a transposed view', () => {
    fc.assert(fc.property(tensorOf(shape(2, 3)), (a) => expectGradCheck((x) => x.T.reshape([-1]).mul(tensor(Array.from({ length: x.size }, (_, i) => i + 1))), [a])), RUNS);
  });
  it('broadcastTo and sumTo are adjoint', () => {
    fc.assert(
      fc.property(broadcastPair.chain(([sa, sb]) => tensorOfShape(sa).map((a) => [a, sb] as const)), ([a, other]) => {
        const target = a.shape.length >= other.length ? [...a.shape] : [...other.slice(0, other.length - a.shape.length), ...a.shape];
        expectGradCheck((x) => x.broadcastTo(target).mul(2).sumTo(x.shape), [a]);
      }),
      RUNS,
    );
  });
  it('cast to float32 and back (a wide step: float32 rounds away differences of 1e-6)', () => {
    const coarse = { eps: 1e-3, atol: 1e-3 };
    fc.assert(fc.property(tensorOf(shape()), (a) => expectGradCheck((x) => x.cast('float32').cast('float64').mul(x), [a], coarse)), RUNS);
  });
});

describe('softmax values', () => {
  /** exp(x − max)/Σ exp(x − max) per row, in float64, rounded once to the dtype. */
  function reference(row: number[], round: (v: number) => number): number[] {
    const top = Math.max(...row);
    const shift = Number.isFinite(top) ? top : 0;
    const exps = row.map((v) => Math.exp(v - shift));
    const total = exps.reduce((s, e) => s + e, 0);
    return exps.map((e) => round(e / total));
  }
  const rows = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 40 }), fc.double({ min: 0.01, max: 200, noNaN: true })).chain(([n, c, scale]) =>
    fc.tuple(fc.constant(c), fc.array(fc.double({ min: -scale, max: scale, noNaN: true }), { minLength: n * c, maxLength: n * c })),
  );
  it('are the row exponentials over their sum, rounded once (float32 and float64)', () => {
    fc.assert(
      fc.property(rows, ([c, flat]) => {
        for (const [dtype, round] of [['float32', Math.fround], ['float64', (v: number) => v]] as const) {
          const x = tensor(flat.map((v) => (dtype === 'float32' ? Math.fround(v) : v)), { shape: [flat.length / c, c], dtype });
          const got = [...x.softmax(-1).values()];
          const src = [...x.values()];
          const want = src.flatMap((_, i) => (i % c === 0 ? reference(src.slice(i, i + c), round) : []));
          for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) throw new Error(`${dtype} row of ${c}: element ${i} is ${got[i]}, expected ${want[i]}`);
        }
      }),
      RUNS,
    );
  });
  it('keep the edge rows: +∞ gives NaN and zeros, all −∞ or a NaN gives NaN', () => {
    const x = tensor([Infinity, 1, -2, -Infinity, -Infinity, -Infinity, NaN, 0, 1], { shape: [3, 3] });
    expect([...x.softmax(1).values()]).toEqual([NaN, 0, 0, NaN, NaN, NaN, NaN, NaN, NaN]);
  });
});

describe('softmax family matches finite differences', () => {
  const withAxis = shape(1, 3).chain((s) => fc.tuple(tensorOfShape(s, { min: -4, max: 4 }), fc.integer({ min: -s.length, max: s.length - 1 })));
  it('softmax(axis)', () => fc.assert(fc.property(withAxis, ([a, axis]) => expectGradCheck((x) => x.softmax(axis), [a])), RUNS));
  it('logSoftmax(axis)', () => fc.assert(fc.property(withAxis, ([a, axis]) => expectGradCheck((x) => x.logSoftmax(axis), [a])), RUNS));

  const batch = fc.tuple(dim, fc.integer({ min: 2, max: 5 })).chain(([n, c]) =>
    fc.tuple(tensorOfShape([n, c], { min: -4, max: 4 }), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }), values(n * c, { min: 0.01, max: 1 })),
  );
  it('softmaxCrossEntropy with class indices', () => {
    fc.assert(fc.property(batch, ([a, labels]) => expectGradCheck((x) => softmaxCrossEntropy(x, labels), [a])), RUNS);
  });
  it('softmaxCrossEntropy with probability targets: gradients for logits and targets', () => {
    fc.assert(
      fc.property(batch, ([a, , raw]) => {
        const y = tensor(raw, { shape: a.shape }).softmax(1);
        expectGradCheck((x, t) => softmaxCrossEntropy(x, t), [a, y]);
      }),
      RUNS,
    );
  });
});

describe('indexing and joining ops match finite differences', () => {
  it('slice (ranges, negative ends, steps, integer indices)', () => {
    fc.assert(fc.property(slicing, ([a, , specs]) => expectGradCheck((x) => x.slice(specs), [a])), RUNS);
  });
  it('unslice, the adjoint of slice: <slice(x), y> = <x, unslice(y)>', () => {
    fc.assert(
      fc.property(slicing, ([x, y, specs]) => {
        expectGradCheck((t) => unslice(t, x.shape, specs), [y]);
        expect(x.slice(specs).mul(y).sum().item()).toBeCloseTo(x.mul(unslice(y, x.shape, specs)).sum().item(), 12);
      }),
      RUNS,
    );
  });

  const pieces = shape(1, 3).chain((s) =>
    fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 })).chain(([axis, sizes]) =>
      fc.tuple(fc.constant(axis), fc.tuple(...sizes.map((n) => tensorOfShape(s.map((d, i) => (i === axis ? n : d)))))),
    ),
  );
  it('concat of 1–4 tensors (empty pieces included)', () => {
    fc.assert(fc.property(pieces, ([axis, ts]) => expectGradCheck((...xs) => concat(xs, axis), ts)), RUNS);
  });
  it('concat of one tensor with itself sums both halves of dC (fan-out)', () => {
    fc.assert(fc.property(pieces, ([axis, [a]]) => expectGradCheck((x) => concat([x, x.mul(2), x], axis), [a!])), RUNS);
  });
  it('stack along a new axis', () => {
    const arb = fc.tuple(shape(0, 2), fc.integer({ min: 1, max: 3 })).chain(([s, n]) =>
      fc.tuple(fc.integer({ min: -s.length - 1, max: s.length }), fc.tuple(...Array.from({ length: n }, () => tensorOfShape(s)))),
    );
    fc.assert(fc.property(arb, ([axis, ts]) => expectGradCheck((...xs) => stack(xs, axis), ts)), RUNS);
  });

  it('take along an axis, indices repeating (their gradients summed) and negative', () => {
    fc.assert(fc.property(gathering, ([a, , axis, idx]) => expectGradCheck((x) => x.take(idx, axis), [a])), RUNS);
  });
  it('take from the flattened tensor (no axis)', () => {
    const arb = tensorOf(shape(0, 3)).chain((a) => fc.tuple(fc.constant(a), fc.array(fc.integer({ min: -a.size, max: a.size - 1 }), { maxLength: 6 })));
    fc.assert(fc.property(arb, ([a, idx]) => expectGradCheck((x) => take(x, idx), [a])), RUNS);
  });
  it('scatterAdd, the adjoint of take: <take(x), y> = <x, scatterAdd(y)>', () => {
    fc.assert(
      fc.property(gathering, ([x, y, axis, idx]) => {
        expectGradCheck((t) => scatterAdd(t, idx, axis, x.shape[axis]!), [y]);
        expect(x.take(idx, axis).mul(y).sum().item()).toBeCloseTo(x.mul(scatterAdd(y, idx, axis, x.shape[axis]!)).sum().item(), 12);
      }),
      RUNS,
    );
  });
});

describe('where and the ops composed from it match finite differences', () => {
  /** Keeps the inputs away from the kinks, where a finite difference straddles two branches. */
  const apart = (x: Tensor, y: Tensor): boolean => Array.from(x.sub(y).values()).every((d) => Math.abs(d) > 1e-3);

  it('where(mask, a, b) with the mask, a and b broadcast together', () => {
    const arb = broadcastTriple.chain(([sm, sa, sb]) =>
      fc.tuple(fc.array(fc.boolean(), { minLength: sm.reduce((x, y) => x * y, 1), maxLength: sm.reduce((x, y) => x * y, 1) }).map((m) => tensor(m.map(Number), { shape: sm })), tensorOfShape(sa), tensorOfShape(sb)),
    );
    fc.assert(fc.property(arb, ([mask, a, b]) => expectGradCheck((x, y) => where(mask, x, y), [a, b])), RUNS);
  });
  it('maximum and minimum with broadcasting, and with a number', () => {
    fc.assert(
      fc.property(pairOf(), ([a, b]) => {
        fc.pre(apart(a, b) && apart(a, tensor(0.3)));
        expectGradCheck((x, y) => maximum(x, y), [a, b]);
        expectGradCheck((x, y) => minimum(x, y), [a, b]);
        expectGradCheck((x) => x.maximum(0.3).add(x.minimum(0.3)), [a]);
      }),
      RUNS,
    );
  });
  it('abs', () => fc.assert(fc.property(tensorOf(shape(), KINK_FREE), (a) => expectGradCheck((x) => x.abs(), [a])), RUNS));
  it('clamp between tensor bounds that broadcast (lo > hi included), and between numbers', () => {
    const arb = broadcastTriple.chain(([sa, sl, sh]) => fc.tuple(tensorOfShape(sa), tensorOfShape(sl), tensorOfShape(sh)));
    fc.assert(
      fc.property(arb, ([a, lo, hi]) => {
        fc.pre(apart(a, lo) && apart(a, hi) && apart(clamp(a, lo), hi) && apart(a, tensor(-0.5)) && apart(a, tensor(1)));
        expectGradCheck((x, l, h) => clamp(x, l, h), [a, lo, hi]);
        expectGradCheck((x) => x.clamp(-0.5, 1).add(x.clamp(null, -0.5)), [a]);
      }),
      RUNS,
    );
  });
  it('min over axes (distinct values)', () => {
    const arb = shape(1, 3).chain((s) =>
      fc.tuple(tensorOfShape(s), fc.option(fc.subarray(s.map((_, i) => i), { minLength: 1 }), { nil: undefined }), fc.boolean()),
    );
    fc.assert(
      fc.property(arb, ([a, axes, keep]) => {
        const v = Array.from(a.values());
        fc.pre(v.every((x, i) => v.every((y, j) => i === j || Math.abs(x - y) > 1e-3)));
        expectGradCheck((x) => x.min(axes, keep), [a]);
      }),
      RUNS,
    );
  });
});

it('every registered op was checked against finite differences above', () => {
  const ops = rules()
    .slice(1)
    .map((r) => r.op);
  expect(ops.filter((op) => !checkedOps.has(op))).toEqual([]);
});

it('every composite op was checked against finite differences above', () => {
  expect(composites().map((c) => c.name).filter((name) => !checkedComposites.has(name))).toEqual([]);
});
