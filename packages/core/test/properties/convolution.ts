import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { avgPool2d, col2im, conv2d, embedding, gradients, im2col, layerNorm, maxPool2d, tensor, type Tensor } from '../../src/index.js';
import { tensorOfShape } from '../support/arbitraries.js';
import { expectGradCheck } from '../support/checked.js';

/** Convolutions are checked on small images: each gradCheck runs one backward per output entry. */
const FEW = { numRuns: 12 };

interface Geometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

/** Images [N, C, H, W] and a geometry whose (dilated) kernel fits the padded image. */
const imagesAndGeometry = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 5 }),
    w: fc.integer({ min: 1, max: 5 }),
    kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    padding: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })),
    dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  })
  .filter(({ h, w, kernel, padding, dilation }) => dilation[0] * (kernel[0] - 1) < h + 2 * padding[0] && dilation[1] * (kernel[1] - 1) < w + 2 * padding[1])
  .chain(({ n, c, h, w, ...g }) => tensorOfShape([n, c, h, w]).map((x) => [x, g as Geometry] as const));

const outSize = (size: number, k: number, s: number, p: number, d: number) => Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;

/** The convolution as a sum over every filter tap, straight from its definition (cross-correlation). */
function directConv2d(x: Tensor, w: Tensor, b: Tensor | null, g: Geometry, groups: number): number[] {
  const [n, c, h, wd] = x.shape as number[] as [number, number, number, number];
  const [f, cg, kh, kw] = w.shape as number[] as [number, number, number, number];
  const oh = outSize(h, kh, g.stride[0], g.padding[0], g.dilation[0]);
  const ow = outSize(wd, kw, g.stride[1], g.padding[1], g.dilation[1]);
  const xv = x.values();
  const wv = w.values();
  const bv = b?.values();
  const out: number[] = [];
  for (let img = 0; img < n; img++) {
    for (let o = 0; o < f; o++) {
      const group = Math.floor(o / (f / groups));
      for (let y = 0; y < oh; y++) {
        for (let z = 0; z < ow; z++) {
          let s = bv?.[o] ?? 0;
          for (let ci = 0; ci < cg; ci++) {
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                const iy = y * g.stride[0] - g.padding[0] + i * g.dilation[0];
                const ix = z * g.stride[1] - g.padding[1] + j * g.dilation[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                s += xv[((img * c + group * cg + ci) * h + iy) * wd + ix]! * wv[((o * cg + ci) * kh + i) * kw + j]!;
              }
            }
          }
          out.push(s);
        }
      }
    }
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 12);
}

describe('im2col and col2im', () => {
  it('are adjoint: <col(x), y> = <x, col⁻¹(y)>, and each matches finite differences', () => {
    fc.assert(
      fc.property(
        imagesAndGeometry.chain(([x, g]) => tensorOfShape([...im2col(x, g.kernel, g).shape]).map((y) => [x, g, y] as const)),
        ([x, g, y]) => {
          const back = col2im(y, x.shape, g.kernel, g);
          expect(im2col(x, g.kernel, g).mul(y).sum().item()).toBeCloseTo(x.mul(back).sum().item(), 12);
          expectGradCheck((t) => im2col(t, g.kernel, g), [x]);
          expectGradCheck((t) => col2im(t, x.shape, g.kernel, g), [y]);
        },
      ),
      FEW,
    );
  });
  it('lay out each patch as a column: a 1-channel 3×3 image, 2×2 kernel', () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    expect(im2col(x, 2).toArray()).toEqual([
      [1, 2, 4, 5],
      [2, 3, 5, 6],
      [4, 5, 7, 8],
      [5, 6, 8, 9],
    ]);
    // col2im of ones counts how many patches hold each pixel.
    expect(col2im(im2col(x, 2).mul(0).add(1), [1, 1, 3, 3], 2).toArray()).toEqual([[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]);
  });
});

describe('conv2d matches its definition and finite differences', () => {
  const convCase = imagesAndGeometry.chain(([x, g]) =>
    fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.boolean()).chain(([groupsWanted, filtersPerGroup, withBias]) => {
      const c = x.shape[1]!;
      const groups = c % groupsWanted === 0 ? groupsWanted : 1;
      const f = groups * filtersPerGroup;
      return fc.tuple(tensorOfShape([f, c / groups, g.kernel[0], g.kernel[1]]), withBias ? tensorOfShape([f]) : fc.constant(null)).map(([w, b]) => ({ x, g, w, b, groups }));
    }),
  );
  it('values: the sum over filter taps (stride, padding, dilation, groups, bias)', () => {
    fc.assert(
      fc.property(convCase, ({ x, g, w, b, groups }) => {
        const y = conv2d(x, w, b, { ...g, groups });
        expect(y.shape.slice(0, 2)).toEqual([x.shape[0], w.shape[0]]);
        expectClose(y.values(), directConv2d(x, w, b, g, groups));
      }),
      { numRuns: 40 },
    );
  });
  it('gradients for images, filters and bias', () => {
    fc.assert(
      fc.property(convCase, ({ x, g, w, b, groups }) =>
        b === null ? expectGradCheck((p, q) => conv2d(p, q, null, { ...g, groups }), [x, w]) : expectGradCheck((p, q, r) => conv2d(p, q, r, { ...g, groups }), [x, w, b]),
      ),
      FEW,
    );
  });
  it('reads a permuted (strided) input in place', () => {
    const x = tensor(Array.from({ length: 2 * 3 * 4 * 2 }, (_, i) => Math.sin(i)), { shape: [2, 3, 4, 2] }).transpose([0, 3, 1, 2]);
    const w = tensor(Array.from({ length: 4 * 2 * 2 * 2 }, (_, i) => Math.cos(i)), { shape: [4, 2, 2, 2] });
    expectClose(conv2d(x, w, null, { padding: 1 }).values(), directConv2d(tensor(x.values(), { shape: x.shape }), w, null, { kernel: [2, 2], stride: [1, 1], padding: [1, 1], dilation: [1, 1] }, 1));
  });
});

describe('pooling matches its definition and finite differences', () => {
  /** Distinct values, so that no window has a tie (where max's gradient is split). */
  const distinct = imagesAndGeometry.map(([x, g]) => {
    const v = Array.from({ length: x.size }, (_, i) => ((i * 37) % 101) / 17 - 3);
    return [tensor(v, { shape: x.shape }), g] as const;
  });
  /** No window lies wholly in the padding (maxPool2d refuses those). */
  const poolable = (x: Tensor, g: Geometry) =>
    [0, 1].every((axis) => {
      const size = x.shape[2 + axis]!;
      const count = outSize(size, g.kernel[axis]!, g.stride[axis]!, g.padding[axis]!, g.dilation[axis]!);
      return Array.from({ length: count }, (_, o) => Array.from({ length: g.kernel[axis]! }, (_, i) => o * g.stride[axis]! - g.padding[axis]! + i * g.dilation[axis]!).some((at) => at >= 0 && at < size)).every(Boolean);
    });

  it('maxPool2d: the largest entry of each window; its gradient goes there', () => {
    fc.assert(
      fc.property(distinct, ([x, g]) => {
        if (!poolable(x, g)) {
          expect(() => maxPool2d(x, g.kernel, g)).toThrow(/lies wholly in the padding/);
          return;
        }
        const y = maxPool2d(x, g.kernel, g);
        const [n, c, h, w] = x.shape as [number, number, number, number];
        const v = x.values();
        let k = 0;
        const out = y.values();
        for (let p = 0; p < n * c; p++) {
          for (let oy = 0; oy < y.shape[2]!; oy++) {
            for (let ox = 0; ox < y.shape[3]!; ox++) {
              let best = -Infinity;
              for (let i = 0; i < g.kernel[0]; i++) {
                for (let j = 0; j < g.kernel[1]; j++) {
                  const iy = oy * g.stride[0] - g.padding[0] + i * g.dilation[0];
                  const ix = ox * g.stride[1] - g.padding[1] + j * g.dilation[1];
                  if (iy >= 0 && iy < h && ix >= 0 && ix < w) best = Math.max(best, v[(p * h + iy) * w + ix]!);
                }
              }
              expect(out[k++]).toBe(best);
            }
          }
        }
        expectGradCheck((t) => maxPool2d(t, g.kernel, g), [x]);
        // maxPool2d's rule is the op maxUnpool2d: its own rule (the adjoint) checked through a
        // gradient taken with createGraph, as a function of the upstream gradient.
        const dy = tensor(Array.from({ length: y.size }, (_, i) => Math.cos(i + 1)), { shape: y.shape });
        const xr = x.detach().requireGrad();
        expectGradCheck((d) => gradients(maxPool2d(xr, g.kernel, g).mul(d).sum(), [xr], { createGraph: true })[0]!, [dy]);
      }),
      FEW,
    );
  });
  it('maxPool2d of side-by-side 2×2 windows (its own loop): the largest of four, its gradient there', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).map(([n, c, h2, w2]) => {
      const size = n * c * 4 * h2 * w2;
      const v = Array.from({ length: size }, (_, i) => ((i * 53) % 97) / 11 - 4);
      return tensor(v, { shape: [n, c, 2 * h2, 2 * w2] });
    });
    fc.assert(
      fc.property(arb, (x) => {
        const [n, c, h, w] = x.shape as [number, number, number, number];
        const v = x.values();
        const expected: number[] = [];
        for (let p = 0; p < n * c; p++) {
          for (let y = 0; y < h; y += 2) {
            for (let z = 0; z < w; z += 2) expected.push(Math.max(v[(p * h + y) * w + z]!, v[(p * h + y) * w + z + 1]!, v[(p * h + y + 1) * w + z]!, v[(p * h + y + 1) * w + z + 1]!));
          }
        }
        expect(Array.from(maxPool2d(x, 2).values())).toEqual(expected);
        expectGradCheck((t) => maxPool2d(t, 2), [x]);
      }),
      FEW,
    );
  });
  it('avgPool2d: the mean of each window, padding counted as zeros', () => {
    fc.assert(
      fc.property(imagesAndGeometry, ([x, g]) => {
        const options = { stride: g.stride, padding: g.padding };
        const y = avgPool2d(x, g.kernel, options);
        const [n, c, h, w] = x.shape as [number, number, number, number];
        const taps = g.kernel[0] * g.kernel[1];
        const uniform = tensor(new Array<number>(taps).fill(1 / taps), { shape: [1, 1, g.kernel[0], g.kernel[1]] });
        // The same as a convolution of each channel with a uniform kernel.
        expectClose(y.values(), conv2d(x.reshape([n * c, 1, h, w]), uniform, null, options).values());
        expectGradCheck((t) => avgPool2d(t, g.kernel, options), [x]);
      }),
      FEW,
    );
  });
});

describe('layerNorm and embedding match finite differences', () => {
  it('layerNorm over the last one or two axes, with and without weight and bias', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.boolean()).chain(([n, d, e, k, affine]) => {
      const shape = [n, d, e];
      const normalized = shape.slice(3 - k);
      return fc.tuple(tensorOfShape(shape), affine ? tensorOfShape(normalized) : fc.constant(null), affine ? tensorOfShape(normalized) : fc.constant(null)).map(([x, w, b]) => ({ x, w, b, normalized }));
    });
    fc.assert(
      fc.property(arb, ({ x, w, b, normalized }) => {
        fc.pre(normalized.reduce((p, q) => p * q, 1) >= 2);
        const y = layerNorm(x, normalized, w, b);
        if (w === null) {
          // Each normalized slice has mean 0 and (population) variance 1 − ε/(σ² + ε).
          const axes = normalized.map((_, i) => x.shape.length - normalized.length + i);
          for (const m of y.mean(axes).values()) expect(Math.abs(m)).toBeLessThan(1e-12);
        }
        if (w === null) expectGradCheck((p) => layerNorm(p, normalized), [x]);
        else expectGradCheck((p, q, r) => layerNorm(p, normalized, q, r), [x, w, b!]);
      }),
      FEW,
    );
  });
  it('embedding: rows by index (repeats sum their gradients)', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 })).chain(([num, dim]) =>
      fc.tuple(tensorOfShape([num, dim]), fc.array(fc.array(fc.integer({ min: 0, max: num - 1 }), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 3 })),
    );
    fc.assert(
      fc.property(arb, ([table, idx]) => {
        const rows = embedding(idx, table);
        expect(rows.shape).toEqual([idx.length, 2, table.shape[1]]);
        expectGradCheck((t) => embedding(idx, t).mul(embedding(idx, t)), [table]);
      }),
      FEW,
    );
  });
});
