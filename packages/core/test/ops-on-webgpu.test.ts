// Every op's forward and backward on the webgpu backend against the js backend, in float32,
// over the random shapes of the property tests (broadcasting included). On machines without a
// GPU the backend runs on SwiftShader, which is slow: few runs, small shapes.
import fc from 'fast-check';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import {
  affine,
  argmax,
  argmin,
  clamp,
  concat,
  eq,
  ge,
  gradCheck,
  gradCheckAsync,
  gt,
  le,
  lt,
  maximum,
  minimum,
  rules,
  scatterAdd,
  setBackend,
  softmaxCrossEntropy,
  stack,
  take,
  tensor,
  topologicalOrder,
  unslice,
  where,
  type Tensor,
} from '../src/index.js';
import { broadcastPair, broadcastTriple, dim, gathering, shape, slicing, tensorOf, tensorOfShape, values, type ValueRange } from './support/arbitraries.js';
import { firstMismatch, webGpuForTests } from './support/webgpu.js';

const gpu = await webGpuForTests();
afterAll(() => gpu.backend?.destroy());

const RUNS = { numRuns: 6 };
const checkedOps = new Set<string>();

/** A test that skips, with the reason, where no WebGPU adapter can be had. */
function gpuIt(name: string, body: () => Promise<void>): void {
  it(name, async (ctx: TestContext) => {
    if (gpu.backend === null) ctx.skip(gpu.reason);
    await body();
  });
}

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
  gpuIt('slice and unslice', () =>
    property(slicing, async ([x, y, specs]) => {
      await expectSameOnGpu((t) => t.slice(specs), [x]);
      await expectSameOnGpu((t) => unslice(t, x.shape, specs), [y]);
    }),
  );
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

/** The newer ops whose kernels have no WGSL yet: on webgpu they throw a clear error (checked below). */
const NOT_ON_WEBGPU = ['powTensor', 'sin', 'cos', 'log1p', 'expm1', 'erf', 'softplus', 'gelu', 'cumsum', 'im2col', 'col2im', 'maxPool2d', 'maxUnpool2d'];

it('every registered op but cast (float32 only here) and those without WGSL was compared between webgpu and js above', (ctx: TestContext) => {
  if (gpu.backend === null) ctx.skip(gpu.reason);
  const ops = rules()
    .slice(1)
    .map((r) => r.op)
    .filter((op) => op !== 'cast' && !NOT_ON_WEBGPU.includes(op));
  expect(ops.filter((op) => !checkedOps.has(op))).toEqual([]);
});

it('an op whose kernel has no WGSL yet says so instead of computing anything', (ctx: TestContext) => {
  if (gpu.backend === null) ctx.skip(gpu.reason);
  const x = tensor([0.5, 1], { dtype: 'float32', backend: gpu.backend.name });
  expect(() => x.sin()).toThrow("webgpu: the kernel 'sin' is not written in WGSL yet");
  expect(() => x.cumsum()).toThrow("webgpu: the kernel 'cumsum' is not written in WGSL yet");
});
