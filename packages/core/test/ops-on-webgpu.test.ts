// Every op's forward and backward on the webgpu backend against the js backend, in float32,
// over the random shapes of the property tests (broadcasting included). On machines without a
// GPU the backend runs on SwiftShader, which is slow: few runs, small shapes.
import fc from 'fast-check';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import {
  affine,
  argmax,
  argmin,
  avgPool2d,
  clamp,
  col2im,
  concat,
  conv2d,
  cumsum,
  eq,
  ge,
  gradCheck,
  gradCheckAsync,
  gelu,
  gradients,
  gt,
  im2col,
  layerNorm,
  le,
  lt,
  maxPool2d,
  maximum,
  minimum,
  rules,
  scatterAdd,
  setBackend,
  softmaxCrossEntropy,
  softplus,
  stack,
  take,
  tensor,
  topologicalOrder,
  unslice,
  where,
  type SliceSpec,
  type Tensor,
} from '../src/index.js';
import { broadcastPair, broadcastTriple, dim, gathering, shape, slicing, tensorOf, tensorOfShape, values, type ValueRange } from './support/arbitraries.js';
import { firstMismatch, gpuTest, webGpuForTests } from './support/webgpu.js';

const gpu = await webGpuForTests();
afterAll(() => gpu.backend?.destroy());
const gpuIt = gpuTest(gpu);

const RUNS = { numRuns: 6 };
const checkedOps = new Set<string>();

/** The smallest normal float32: GPUs flush smaller magnitudes (subnormals) to zero. */
const FLOAT32_MIN_NORMAL = 2 ** -126;

/** The same float32 values on a backend, as a leaf that requires grad; subnormals are flushed
 *  to zero on both sides, as GPUs flush them, so what is compared is the kernels. */
function copyOn(x: Tensor, backend: string): Tensor {
  const values = Float32Array.from(x.values(), (v) => (Math.abs(v) < FLOAT32_MIN_NORMAL ? 0 : v));
  return tensor(values, { shape: x.shape, dtype: 'float32', backend, requiresGrad: true });
}

/** Fixed weights for the output, so every output element sends back a different gradient. */
function weightsFor(out: Tensor, backend: string): Tensor {
  return tensor(Float32Array.from({ length: out.size }, (_, i) => Math.sin(i + 1) + 0.25), { shape: out.shape, dtype: 'float32', backend });
}

/**
 * Runs f on float32 copies of `inputs` on js and on webgpu, then backward from Σ out∘W for
 * fixed weights W; the outputs and every input's gradient must agree within float32 rounding.
 */
async function expectSameOnGpu(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], tolerance?: { atol?: number; rtol?: number }): Promise<void> {
  const onJs = inputs.map((x) => copyOn(x, 'js'));
  const onGpu = inputs.map((x) => copyOn(x, 'webgpu'));
  const outJs = f(...onJs);
  const outGpu = f(...onGpu);
  expect(outGpu.backend).toBe('webgpu');
  expect(outGpu.shape).toEqual(outJs.shape);
  for (const t of topologicalOrder([outJs])) if (t.creator) checkedOps.add(t.creator.op.name);
  if (outJs.requiresGrad) {
    outJs.mul(weightsFor(outJs, 'js')).sum().backward();
    outGpu.mul(weightsFor(outGpu, 'webgpu')).sum().backward();
  }
  const expected = [outJs, ...onJs.map((x) => x.grad)];
  const actual = await Promise.all([outGpu, ...onGpu.map((x) => x.grad)].map((t) => t?.data() ?? null));
  expected.forEach((e, k) => {
    const what = k === 0 ? 'output' : `gradient of input ${k - 1}`;
    if (e === null) {
      expect(actual[k], what).toBeNull();
      return;
    }
    const mismatch = firstMismatch(actual[k]!, e.values(), tolerance);
    if (mismatch !== null) throw new Error(`${what} ${JSON.stringify(e.shape)}: ${mismatch}`);
  });
}

const POSITIVE: ValueRange = { min: 0.2, max: 3 };
const NONZERO: ValueRange = { min: -2, max: 2, awayFromZero: 0.3 };
const KINK_FREE: ValueRange = { min: -2, max: 2, awayFromZero: 1e-3 };

function pairOf(rangeA?: ValueRange, rangeB?: ValueRange): fc.Arbitrary<[Tensor, Tensor]> {
  return broadcastPair.chain(([sa, sb]) => fc.tuple(tensorOfShape(sa, rangeA), tensorOfShape(sb, rangeB)));
}

function property<T>(arb: fc.Arbitrary<T>, check: (value: T) => Promise<void>, runs = RUNS): Promise<void> {
  return fc.assert(fc.asyncProperty(arb, check), runs);
}

describe('webgpu against js: elementwise ops with broadcasting', () => {
  const binary: Array<[string, (a: Tensor, b: Tensor) => Tensor, ValueRange?, ValueRange?]> = [
    ['add', (a, b) => a.add(b)],
    ['sub', (a, b) => a.sub(b)],
    ['mul', (a, b) => a.mul(b)],
    ['div', (a, b) => a.div(b), undefined, NONZERO],
  ];
  for (const [name, f, ra, rb] of binary) gpuIt(name, () => property(pairOf(ra, rb), ([a, b]) => expectSameOnGpu(f, [a, b])));

  const unary: Array<[string, (a: Tensor) => Tensor, ValueRange?]> = [
    ['neg', (a) => a.neg()],
    ['clone (of a transposed view)', (a) => a.T.clone().mul(a.T)],
    ['exp', (a) => a.exp()],
    ['log', (a) => a.log(), POSITIVE],
    ['sqrt', (a) => a.sqrt(), POSITIVE],
    ['relu', (a) => a.relu(), KINK_FREE],
    ['sigmoid', (a) => a.sigmoid()],
    ['tanh', (a) => a.tanh()],
    ['pow 3 and pow -1.5', (a) => a.pow(3).add(a.abs().add(0.5).pow(-1.5)), KINK_FREE],
    ['numbers as operands (a·2 − 1) / 3 + 0.5', (a) => a.mul(2).sub(1).div(3).add(0.5)],
  ];
  for (const [name, f, range] of unary) gpuIt(name, () => property(tensorOf(shape(), range), (a) => expectSameOnGpu(f, [a])));

  gpuIt('comparisons give the same masks (no gradient)', () =>
    property(pairOf(), async ([a, b]) => {
      for (const compare of [gt, ge, lt, le, eq]) await expectSameOnGpu((x, y) => compare(x, y.detach()).add(x.mul(0)), [a, b]);
      await expectSameOnGpu((x) => eq(x, x.detach()).mul(x), [a]);
    }),
  );
});

describe('webgpu against js: matrix products, read through their strides', () => {
  gpuIt('matrices [m,k]·[k,n]', () => {
    const arb = fc.tuple(dim, dim, dim).chain(([m, k, n]) => fc.tuple(tensorOfShape([m, k]), tensorOfShape([k, n])));
    return property(arb, ([a, b]) => expectSameOnGpu((x, y) => x.matmul(y), [a, b]));
  });
  gpuIt('transposed operands', () => {
    const arb = fc.tuple(dim, dim, dim).chain(([m, k, n]) => fc.tuple(tensorOfShape([k, m]), tensorOfShape([n, k])));
    return property(arb, ([a, b]) => expectSameOnGpu((x, y) => x.T.matmul(y.T), [a, b]));
  });
  gpuIt('batches with broadcast batch axes, and vectors', () => {
    const arb = fc.tuple(dim, dim, dim, fc.constantFrom([2, 1], [1, 3], [3], [])).chain(([m, k, n, batch]) =>
      fc.tuple(tensorOfShape([...batch, m, k]), tensorOfShape([2, 1, k, n].slice(4 - 2 - Math.min(batch.length, 2))), tensorOfShape([k]), tensorOfShape([m])),
    );
    return property(arb, async ([a, b, v, w]) => {
      await expectSameOnGpu((x, y) => x.matmul(y), [a, b]);
      await expectSameOnGpu((x, y) => x.matmul(y), [a, v]);
      await expectSameOnGpu((x, y) => x.matmul(y), [w, a]);
    });
  });
  gpuIt('affine Φ·W + b, also with a transposed W', () => {
    const layer = fc.tuple(dim, dim, dim).chain(([n, k, m]) => fc.tuple(tensorOfShape([n, k]), tensorOfShape([k, m]), tensorOfShape([m])));
    return property(layer, async ([x, w, b]) => {
      await expectSameOnGpu((p, q, r) => affine(p, q, r), [x, w, b]);
      await expectSameOnGpu((p, q, r) => affine(p, q.T.mul(1).T, r), [x, w, b]);
    });
  });
  gpuIt('every blocking of the product, at sizes that leave partial tiles', async () => {
    const backend = gpu.backend!;
    const tiles = backend.matmulTiles;
    try {
      for (const tile of [tiles.large, tiles.medium, tiles.small]) {
        backend.matmulTiles = { large: tile, medium: tile, small: tile };
        const a = tensor(Float32Array.from({ length: 70 * 45 }, (_, i) => Math.sin(i)), { shape: [70, 45], dtype: 'float32' });
        const b = tensor(Float32Array.from({ length: 45 * 133 }, (_, i) => Math.cos(i)), { shape: [45, 133], dtype: 'float32' });
        await expectSameOnGpu((x, y) => x.matmul(y), [a, b]);
        await expectSameOnGpu((x, y) => x.T.matmul(y), [a.T.mul(1), b]);
        await expectSameOnGpu((x, y) => x.matmul(y.T), [a, b.T.mul(1)]);
      }
    } finally {
      backend.matmulTiles = tiles;
    }
  });
});

describe('webgpu against js: reductions, shapes, softmax and losses', () => {
  const axisCase = shape(1, 3).chain((s) =>
    fc.tuple(tensorOfShape(s), fc.option(fc.subarray(s.map((_, i) => i), { minLength: 1 }), { nil: undefined }), fc.boolean()),
  );
  gpuIt('sum, mean, max and min over axes', () =>
    property(axisCase, async ([a, axes, keep]) => {
      await expectSameOnGpu((x) => x.sum(axes, keep), [a]);
      await expectSameOnGpu((x) => x.mean(axes, keep), [a]);
      await expectSameOnGpu((x) => x.max(axes, keep).add(x.min(axes, keep)), [a]);
    }),
  );
  gpuIt('a reduction long enough for a workgroup per output cell', async () => {
    const a = tensor(Float32Array.from({ length: 3 * 700 }, (_, i) => Math.sin(i)), { shape: [3, 700], dtype: 'float32' });
    await expectSameOnGpu((x) => x.sum(1).add(x.max(1)).add(x.T.mean(0)), [a]);
  });
  gpuIt('transpose, reshape of a transposed view, broadcastTo and sumTo', () =>
    property(
      shape(1, 4).chain((s) => fc.tuple(tensorOfShape(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length }))),
      async ([a, perm]) => {
        await expectSameOnGpu((x) => x.transpose(perm).mul(x.transpose(perm)), [a]);
        await expectSameOnGpu((x) => x.T.reshape([-1]).mul(2), [a]);
        await expectSameOnGpu((x) => x.broadcastTo([2, ...x.shape]).mul(3).sumTo(x.shape), [a]);
      },
    ),
  );
  const withAxis = shape(1, 3).chain((s) => fc.tuple(tensorOfShape(s, { min: -4, max: 4 }), fc.integer({ min: -s.length, max: s.length - 1 })));
  gpuIt('softmax and logSoftmax along any axis', () =>
    property(withAxis, async ([a, axis]) => {
      await expectSameOnGpu((x) => x.softmax(axis), [a]);
      await expectSameOnGpu((x) => x.logSoftmax(axis), [a]);
    }),
  );
  const batch = fc.tuple(dim, fc.integer({ min: 2, max: 5 })).chain(([n, c]) =>
    fc.tuple(tensorOfShape([n, c], { min: -4, max: 4 }), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }), values(n * c, { min: 0.01, max: 1 })),
  );
  gpuIt('softmaxCrossEntropy with class indices (numbers, and a tensor on the device) and with probability targets', () =>
    property(batch, async ([a, labels, raw]) => {
      await expectSameOnGpu((x) => softmaxCrossEntropy(x, labels), [a]);
      const y = tensor(raw, { shape: a.shape }).softmax(1);
      await expectSameOnGpu((x, t) => softmaxCrossEntropy(x, t), [a, y]);
      const onDevice = tensor(labels, { dtype: 'float32', backend: 'webgpu' });
      const onJs = tensor(labels, { dtype: 'float32', backend: 'js' });
      await expectSameOnGpu((x) => softmaxCrossEntropy(x, x.backend === 'webgpu' ? onDevice : onJs), [a]);
    }),
  );
  gpuIt('class indices on the device that are not classes make the loss NaN, never a silent number', async () => {
    const logits = tensor([[1, 2, 3], [0, 1, 0]], { dtype: 'float32', backend: 'webgpu' });
    for (const bad of [[0, 3], [-1, 1], [0.5, 1]]) {
      expect(await softmaxCrossEntropy(logits, tensor(bad, { dtype: 'float32', backend: 'webgpu' })).data(), JSON.stringify(bad)).toEqual(new Float32Array([NaN]));
    }
  });
});

describe('webgpu against js: indexing, joining and selection', () => {
  gpuIt('slice and unslice', async () => {
    await property(slicing, async ([x, y, specs]) => {
      await expectSameOnGpu((t) => t.slice(specs), [x]);
      await expectSameOnGpu((t) => unslice(t, x.shape, specs), [y]);
    });
    // A whole window records no op, and six random cases can all be whole: one fixed case
    // that is not, so both ops are always compared.
    const specs: SliceSpec[] = [[1, 3], [null, null, 2]];
    const x = tensor(Float32Array.from({ length: 12 }, (_, i) => i - 5.5), { shape: [3, 4], dtype: 'float32' });
    const y = tensor(Float32Array.from({ length: 4 }, (_, i) => 0.5 - i), { shape: [2, 2], dtype: 'float32' });
    await expectSameOnGpu((t) => t.slice(specs), [x]);
    await expectSameOnGpu((t) => unslice(t, [3, 4], specs), [y]);
  });
  const pieces = shape(1, 3).chain((s) =>
    fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 })).chain(([axis, sizes]) =>
      fc.tuple(fc.constant(axis), fc.tuple(...sizes.map((n) => tensorOfShape(s.map((d, i) => (i === axis ? n : d)))))),
    ),
  );
  gpuIt('concat (empty pieces included) and stack', () =>
    property(pieces, async ([axis, ts]) => {
      await expectSameOnGpu((...xs) => concat(xs, axis), ts);
      await expectSameOnGpu((x) => stack([x, x.mul(2)], axis), [ts[0]!]);
    }),
  );
  gpuIt('take and scatterAdd with repeated and negative indices, from numbers and from a tensor on the device', () =>
    property(gathering, async ([x, y, axis, idx]) => {
      await expectSameOnGpu((t) => t.take(idx, axis), [x]);
      await expectSameOnGpu((t) => scatterAdd(t, idx, axis, x.shape[axis]!), [y]);
      const flat = typeof idx === 'number' ? [idx] : (idx as number[] | number[][]).flat();
      const shapeOf = typeof idx === 'number' ? [] : Array.isArray((idx as unknown[])[0]) ? [(idx as number[][]).length, 2] : [flat.length];
      const index = (backend: string) => tensor(flat, { shape: shapeOf, dtype: 'float32', backend });
      await expectSameOnGpu((t) => t.take(index(t.backend), axis), [x]);
      await expectSameOnGpu((t) => scatterAdd(t, index(t.backend), axis, x.shape[axis]!), [y]);
    }),
  );
  gpuIt('take from the flattened tensor; device indices that do not fit give NaN', async () => {
    const a = tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    await expectSameOnGpu((t) => take(t, [3, -4, 1]), [a]);
    const onGpu = tensor([[1, 2], [3, 4]], { dtype: 'float32', backend: 'webgpu' });
    expect(Array.from(await take(onGpu, tensor([4, 1, 0.5], { dtype: 'float32', backend: 'webgpu' })).data())).toEqual([NaN, 2, NaN]);
  });
  gpuIt('where with the mask, a and b broadcast together; maximum, minimum, abs and clamp', () => {
    const arb = broadcastTriple.chain(([sm, sa, sb]) =>
      fc.tuple(fc.array(fc.boolean(), { minLength: sm.reduce((x, y) => x * y, 1), maxLength: sm.reduce((x, y) => x * y, 1) }).map((m) => tensor(m.map(Number), { shape: sm })), tensorOfShape(sa), tensorOfShape(sb)),
    );
    return property(arb, async ([mask, a, b]) => {
      await expectSameOnGpu((m, x, y) => where(m.detach(), x, y), [mask, a, b]);
      await expectSameOnGpu((x, y) => maximum(x, y).add(minimum(x, y)).add(x.abs()), [a, b]);
      await expectSameOnGpu((x, lo, hi) => clamp(x, lo, hi).add(x.clamp(-0.5, 1)), [a, mask.sub(0.5), b]);
    });
  });
  gpuIt('argmax and argmin (along an axis and flat), on the device as float32', () =>
    property(fc.tuple(tensorOf(shape(1, 3)), fc.nat()), async ([a, k]) => {
      const axis = k % a.ndim;
      for (const arg of [argmax, argmin]) {
        await expectSameOnGpu((x) => arg(x, axis).add(x.sum().mul(0)), [a]);
        await expectSameOnGpu((x) => arg(x).add(x.sum().mul(0)), [a]);
      }
    }),
  );
});

describe('webgpu against js: the smooth unary ops, pow with a tensor exponent, cumsum', () => {
  const WIDE: ValueRange = { min: -12, max: 12 };
  const smooth: Array<[string, (a: Tensor) => Tensor, ValueRange?]> = [
    ['sin', (a) => a.sin(), { min: -7, max: 7 }],
    ['cos', (a) => a.cos(), { min: -7, max: 7 }],
    ['log1p', (a) => a.log1p(), { min: -0.9, max: 4 }],
    ['expm1', (a) => a.expm1(), { min: -4, max: 4 }],
    ['erf', (a) => a.erf(), { min: -4, max: 4 }],
    ['softplus, and with β = 2', (a) => a.softplus().add(softplus(a, 2)), { min: -20, max: 20 }],
    ['gelu (erf form)', (a) => a.gelu(), WIDE],
    ['gelu (tanh form)', (a) => gelu(a, 'tanh'), WIDE],
  ];
  for (const [name, f, range] of smooth) gpuIt(name, () => property(tensorOf(shape(), range), (a) => expectSameOnGpu(f, [a])));

  /** Edge values: ±∞, NaN, ±0, tiny and huge magnitudes, the poles and the tails. */
  const EDGES = [Infinity, -Infinity, NaN, -0, 0, 1e-30, -1e-30, 1e-7, -1e-7, 0.5, -0.5, 3.5, -3.5, 9.5, -9.5, 20, -20, 90, -90, 1e30, -1e30, -1, -1.5];
  /** sin and cos of float32 arguments beyond this lose their digits to the GPU's range reduction. */
  const TRIG_EDGES = EDGES.filter((v) => !(Math.abs(v) > 1e4) || !Number.isFinite(v));
  const edgeCases: Array<[string, (a: Tensor) => Tensor, number[]]> = [
    ['exp', (a) => a.exp(), EDGES],
    ['log', (a) => a.log(), EDGES],
    ['sqrt', (a) => a.sqrt(), EDGES],
    ['sigmoid', (a) => a.sigmoid(), EDGES],
    ['tanh', (a) => a.tanh(), EDGES],
    ['sin', (a) => a.sin(), TRIG_EDGES],
    ['cos', (a) => a.cos(), TRIG_EDGES],
    ['log1p', (a) => a.log1p(), EDGES],
    ['expm1', (a) => a.expm1(), EDGES],
    ['erf', (a) => a.erf(), EDGES],
    ['softplus', (a) => a.softplus(), EDGES],
    ['gelu', (a) => a.gelu(), EDGES],
    ['gelu tanh', (a) => gelu(a, 'tanh'), EDGES],
  ];
  gpuIt('the edge values (±∞, NaN, −0, tiny, huge, the tails) give js\'s values, gradients and signs of zero', async () => {
    for (const [name, f, edges] of edgeCases) {
      const x = tensor(edges, { dtype: 'float32' });
      await expectSameOnGpu(f, [x]).catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      });
      const expected = f(copyOn(x, 'js')).values();
      const actual = await f(copyOn(x, 'webgpu')).data();
      expected.forEach((v, i) => {
        if (v === 0) expect(Object.is(actual[i], v), `${name}(${edges[i]}): webgpu ${Object.is(actual[i], -0) ? '-0' : actual[i]}, js ${Object.is(v, -0) ? '-0' : v}`).toBe(true);
      });
    }
    const huge = tensor([1e30, -1e30, 3e6], { dtype: 'float32', backend: 'webgpu' });
    for (const v of [...(await huge.sin().data()), ...(await huge.cos().data())]) expect(Math.abs(v)).toBeLessThanOrEqual(1);
  });

  gpuIt('pow with a tensor exponent, broadcast', () => property(pairOf(POSITIVE, { min: -2, max: 2 }), ([a, b]) => expectSameOnGpu((x, y) => x.pow(y), [a, b])));

  gpuIt('cumsum along every axis (of views too) and of the flattened tensor; −0 first stays −0', async () => {
    await property(
      shape(1, 3).chain((s) => fc.tuple(tensorOfShape(s), fc.integer({ min: -s.length, max: s.length - 1 }))),
      async ([a, axis]) => {
        await expectSameOnGpu((x) => x.cumsum(axis), [a]);
        await expectSameOnGpu((x) => cumsum(x.T, 0).mul(x.T), [a]);
        await expectSameOnGpu((x) => x.cumsum(), [a]);
      },
    );
    const signed = tensor([[-0, 1], [-0, -0]], { dtype: 'float32', backend: 'webgpu' });
    expect((await signed.cumsum(0).data()).map((v) => (Object.is(v, -0) ? -1 : v))).toEqual(new Float32Array([-1, 1, -1, 1]));
  });
});

interface Geometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

/** Images [N, C, H, W] and a patch walk whose dilated kernel fits the padded images. */
const imagesAndGeometry = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 4 }),
    h: fc.integer({ min: 1, max: 6 }),
    w: fc.integer({ min: 1, max: 6 }),
    kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    padding: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })),
    dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  })
  .filter(({ h, w, kernel, padding, dilation }) => dilation[0] * (kernel[0] - 1) < h + 2 * padding[0] && dilation[1] * (kernel[1] - 1) < w + 2 * padding[1])
  .chain(({ n, c, h, w, ...g }) => tensorOfShape([n, c, h, w]).map((x) => [x, g as Geometry] as const));

/** maxPool2d refuses walks with a window wholly in the padding. */
function poolable(x: Tensor, g: Geometry): boolean {
  try {
    maxPool2d(x.detach(), g.kernel, g);
    return true;
  } catch {
    return false;
  }
}

describe('webgpu against js: convolution, pooling and layerNorm', () => {
  gpuIt('im2col (pad value 0 and −∞) and col2im, of views too', () =>
    property(imagesAndGeometry, async ([x, g]) => {
      await expectSameOnGpu((t) => im2col(t, g.kernel, g), [x]);
      await expectSameOnGpu((t) => im2col(t.transpose([1, 0, 2, 3]), g.kernel, { ...g, padValue: -Infinity }), [x]);
      const cols = tensor(Float32Array.from({ length: im2col(x, g.kernel, g).size }, (_, i) => Math.cos(i)), { shape: im2col(x, g.kernel, g).shape, dtype: 'float32' });
      await expectSameOnGpu((c) => col2im(c, x.shape, g.kernel, g), [cols]);
      await expectSameOnGpu((c) => col2im(c.T.mul(1).T, x.shape, g.kernel, g), [cols]);
    }),
  );
  gpuIt('conv2d with bias, stride, padding, dilation and groups', () => {
    const arb = imagesAndGeometry.chain(([x, g]) => {
      const c = x.shape[1]!;
      const divisors = [1, 2, 3, 4].filter((d) => c % d === 0);
      return fc.tuple(fc.constantFrom(...divisors), fc.integer({ min: 1, max: 2 })).chain(([groups, perGroup]) =>
        fc.tuple(fc.constant([x, g, groups] as const), tensorOfShape([groups * perGroup, c / groups, ...g.kernel]), tensorOfShape([groups * perGroup])),
      );
    });
    return property(arb, async ([[x, g, groups], w, b]) => {
      await expectSameOnGpu((t, f, bias) => conv2d(t, f, bias, { ...g, groups }), [x, w, b]);
      // A smooth function after: relu would turn sums that cancel to ±tiny (summed in another
      // order on the GPU) into different gradient masks.
      await expectSameOnGpu((t, f) => conv2d(t, f, null, { ...g, groups }).tanh(), [x, w]);
    });
  });
  gpuIt('maxPool2d and avgPool2d over overlapping, padded and dilated windows; maxUnpool2d through a second derivative', () =>
    property(
      imagesAndGeometry.filter(([x, g]) => poolable(x, g)).chain(([x, g]) => fc.tuple(fc.constant([x, g] as const), tensorOfShape([...maxPool2d(x, g.kernel, g).shape]))),
      async ([[x, g], dy]) => {
        await expectSameOnGpu((t) => maxPool2d(t, g.kernel, g), [x]);
        await expectSameOnGpu((t) => avgPool2d(t, g.kernel, { stride: g.stride, padding: [Math.min(g.padding[0], Math.floor(g.kernel[0] / 2)), Math.min(g.padding[1], Math.floor(g.kernel[1] / 2))] }), [x]);
        await expectSameOnGpu((t, d) => gradients(maxPool2d(t, g.kernel, g).mul(d).sum(), [t], { createGraph: true })[0]!, [x, dy]);
      },
    ),
  );
  gpuIt('maxPool2d: ties share the gradient, NaN wins its windows and gives NaN to all their taps, −∞ is a value', async () => {
    const image = [
      [1, 2, 2, 0, 1],
      [2, 0, 1, 1, 2],
      [0, 2, NaN, 0, 1],
      [1, 1, 0, 2, 2],
      [-Infinity, -Infinity, 1, 0, 0],
    ];
    const x = tensor([image, image.map((row) => row.map((v) => (Number.isNaN(v) ? 1 : -v)))], { dtype: 'float32' }).reshape([1, 2, 5, 5]);
    for (const g of [
      { kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] },
      { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1] },
      { kernel: [2, 3], stride: [1, 2], padding: [1, 0], dilation: [2, 1] },
    ] as Geometry[]) {
      await expectSameOnGpu((t) => maxPool2d(t, g.kernel, g), [x]);
    }
  });
  gpuIt('layerNorm over the last axis and the last two, with and without weight and bias', () =>
    property(
      fc.tuple(dim, fc.integer({ min: 2, max: 4 }), fc.integer({ min: 2, max: 5 })).chain(([n, a, b]) => fc.tuple(tensorOfShape([n, a, b]), tensorOfShape([b]), tensorOfShape([b]), tensorOfShape([a, b]))),
      async ([x, w, b, w2]) => {
        await expectSameOnGpu((t, weight, bias) => layerNorm(t, [t.shape[2]!], weight, bias), [x, w, b]);
        await expectSameOnGpu((t, weight) => layerNorm(t, weight.shape, weight), [x, w2], { atol: 1e-4, rtol: 1e-3 });
      },
    ),
  );
});

describe('webgpu: float32 only, with errors that name the function', () => {
  gpuIt('float64 tensors and casts are refused', async () => {
    expect(() => tensor([1, 2], { backend: 'webgpu' })).toThrow(/tensor: the 'webgpu' backend holds float32 tensors only, got dtype float64/);
    expect(() => tensor([1, 2]).to('webgpu')).toThrow(/to: the 'webgpu' backend holds float32 tensors only/);
    const x = tensor([1, 2], { dtype: 'float32', backend: 'webgpu' });
    expect(() => x.cast('float64')).toThrow(/cast: the 'webgpu' backend holds float32 tensors only \(WebGPU has no float64\), got float64/);
    expect(() => x.values()).toThrow(/values: the 'webgpu' backend cannot read synchronously.*await tensor\.data\(\)/);
    expect(() => x.sum().item()).toThrow(/await tensor\.data\(\)/);
    expect(() => x.to('js')).toThrow(/to: the 'webgpu' backend cannot read synchronously; copy through the host with tensor\(await t\.data\(\)/);
    expect(Array.from(await x.cast('float32').data())).toEqual([1, 2]);
  });
  gpuIt('with webgpu the default backend, numbers as indices and operands still work', async () => {
    const previous = setBackend('webgpu');
    try {
      const x = tensor([[1, 2], [3, 4]], { dtype: 'float32' });
      expect(await x.take([1, 0, 1], 0).add(1).array()).toEqual([[4, 5], [2, 3], [4, 5]]);
      expect(await scatterAdd(x, [1, 1], 0, 3).array()).toEqual([[0, 0], [4, 6], [0, 0]]);
    } finally {
      setBackend(previous);
    }
  });
  gpuIt('data stays on the device: a chain of ops reads nothing back until data()', async () => {
    const x = tensor([[1, 2], [3, 4]], { dtype: 'float32', backend: 'webgpu' });
    const y = x.matmul(x).relu().sum(0).softmax();
    expect(String(y)).toBe('tensor(<on webgpu>, shape=[2], dtype=float32)');
    expect(Array.from(await y.data()).map((v) => +v.toFixed(5))).toEqual([0.00005, 0.99995]);
  });
});

describe('gradCheckAsync', () => {
  gpuIt('checks gradients on webgpu in float32, and finds a wrong rule there', async () => {
    const x = tensor([[0.5, -1], [2, 0.25]], { dtype: 'float32', backend: 'webgpu' });
    const w = tensor([[0.3, -0.7, 1.1], [0.9, 0.2, -0.4]], { dtype: 'float32', backend: 'webgpu' });
    const good = await gradCheckAsync((a, b) => a.matmul(b).tanh().softmax(1).mul(a.sum()), [x, w]);
    expect(good.ok, good.report).toBe(true);
    // A function whose backward is not its derivative: the value of relu, the gradient of 2x.
    const wrong = await gradCheckAsync((a) => a.relu().add(a.mul(2).sub(a.mul(2).detach())), [x]);
    expect(wrong.ok).toBe(false);
    expect(wrong.report).toMatch(/gradCheck FAILED/);
  });
  it('gives gradCheck\'s result on a CPU backend', async () => {
    const x = tensor([[0.5, -1.5], [2, 0.25]]);
    const f = (a: Tensor) => a.exp().mul(a).sum(0);
    const [sync, promised] = [gradCheck(f, [x]), await gradCheckAsync(f, [x])];
    expect(promised).toEqual(sync);
    expect(sync.ok).toBe(true);
  });
});

it('every registered op but cast (float32 only here) was compared between webgpu and js above', (ctx: TestContext) => {
  if (gpu.backend === null) ctx.skip(gpu.reason);
  const ops = rules()
    .slice(1)
    .map((r) => r.op)
    .filter((op) => op !== 'cast');
  expect(ops.filter((op) => !checkedOps.has(op))).toEqual([]);
});
