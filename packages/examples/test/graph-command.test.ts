import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli/command.js';
import { graphCommand } from '../src/cli/graph.js';
import { loadMnistSplit } from '../src/data/mnist.js';
import { convLayerAfterBackward, mlpAfterOneBatch } from '../src/figures/graphs.js';

const BLUE = '#1f77b4';
const RED = '#d62728';
const GREY = '#7f7f7f';

/** The text of the SVG by colour: forward values (blue), gradients (red), constants (grey), node labels (black). */
function svgTexts(svg: string): Record<'forward' | 'backward' | 'constant' | 'node', string[]> {
  const texts = { forward: [] as string[], backward: [] as string[], constant: [] as string[], node: [] as string[] };
  for (const [, attributes, content] of svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)) {
    const fill = /fill="([^"]+)"/.exec(attributes!)?.[1];
    const key = fill === BLUE ? 'forward' : fill === RED ? 'backward' : fill === GREY ? 'constant' : fill === undefined ? 'node' : null;
    if (key === null) throw new Error(`unexpected text colour ${fill}`);
    texts[key].push(decodeEntities(content!));
  }
  return texts;
}

/** Graphviz escapes some characters as XML entities (`-` as `&#45;`). */
function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (entity, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X')) return String.fromCodePoint(parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(Number(body.slice(1)));
    return named[body] ?? entity;
  });
}

const sorted = (xs: string[]) => [...xs].sort();

describe('the graph command', () => {
  let folder: string;
  let logged: string[];
  const svg = (name: string) => readFile(join(folder, `${name}.svg`), 'utf8');

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'matgrad-graph-'));
    logged = [];
    await graphCommand(['--out', folder], (line) => logged.push(line));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("keeps the README's copy of the apples-and-oranges figure current", async () => {
    const copy = await readFile(new URL('../../../docs/figures/apple-orange.svg', import.meta.url), 'utf8');
    expect(copy, 'refresh it with: pnpm graph --out docs/figures (then keep only apple-orange.svg)').toBe(await svg('apple-orange'));
  });

  it('writes an SVG and a PNG of each figure', async () => {
    expect(logged).toHaveLength(8);
    for (const name of ['apple', 'apple-orange', 'mlp', 'conv']) {
      expect(logged.some((line) => line.endsWith(`${name}.svg`))).toBe(true);
      expect((await svg(name)).startsWith('<?xml')).toBe(true);
      const png = await readFile(join(folder, `${name}.png`));
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.readUInt32BE(16)).toBeGreaterThan(300);
      // Readable at its natural size: no wider than a screen (the left-to-right MLP was 4136 px).
      expect(png.readUInt32BE(16)).toBeLessThanOrEqual(1920);
    }
  });

  it('apple: every value above its arrow and every gradient below', async () => {
    const t = svgTexts(await svg('apple'));
    expect(sorted(t.forward)).toEqual(sorted(['100', '2', '200', '1.1', '220']));
    expect(sorted(t.backward)).toEqual(sorted(['2.2', '110', '1.1', '200', '1']));
    expect(sorted(t.node)).toEqual(sorted(['apple', 'apple count', 'tax', 'total', '×', '×']));
  });

  it('apple-orange: every value and gradient, the sum passing 1.1 to both branches', async () => {
    const t = svgTexts(await svg('apple-orange'));
    expect(sorted(t.forward)).toEqual(sorted(['100', '2', '150', '3', '200', '450', '650', '1.1', '715']));
    expect(sorted(t.backward)).toEqual(sorted(['2.2', '110', '3.3', '165', '1.1', '1.1', '1.1', '650', '1']));
    expect(sorted(t.node)).toEqual(sorted(['apple', 'apple count', 'orange', 'orange count', 'tax', 'total', '×', '×', '×', '+']));
  });

  it('mlp: the 784-50-10 net after one batch of 100, shapes forward and gradients back', async () => {
    const t = svgTexts(await svg('mlp'));
    const loss = mlpAfterOneBatch(loadMnistSplit().train).L.item();
    // An untrained 10-class net starts near ln 10 ≈ 2.3.
    expect(loss).toBeGreaterThan(1.5);
    expect(loss).toBeLessThan(4);
    expect(sorted(t.forward)).toEqual(
      sorted(['784x50', '50', 'XW1 100x50', 'B1 100x50', 'Z1 100x50', 'Phi1 100x50', '50x10', 'Phi1W2 100x10', '10', 'B2 100x10', 'Z2 100x10', String(Number(loss.toPrecision(4)))]),
    );
    expect(sorted(t.backward)).toEqual(
      sorted(['dW1 784x50', 'db1 50', 'dXW1 100x50', 'dB1 100x50', 'dZ1 100x50', 'dPhi1 100x50', 'dW2 50x10', 'db2 10', 'dPhi1W2 100x10', 'dB2 100x10', 'dZ2 100x10', '1']),
    );
    // The data and the targets need no gradient: one grey arrow each.
    expect(sorted(t.constant)).toEqual(['100x10', '100x784']);
    expect(t.node).toEqual(expect.arrayContaining(['X', '100x784', 'W1', '784x50', 'matmul', 'relu', 'softmaxCrossEntropy', 'L']));
  });

  it('conv: one convolution layer, each op with its identity, the conv2d box with the three', async () => {
    const text = await svg('conv');
    const t = svgTexts(text);
    const { L, b } = convLayerAfterBackward();
    // dL/db counts the entries of Y = W·col(X) + b that relu passes (8 of the 9 here).
    expect(b.grad!.item()).toBe(8);
    expect(t.forward).toEqual(expect.arrayContaining(['1x1x4x4', '4x9', '1x9', 'Y 1x1x3x3', String(Number(L.item().toPrecision(4)))]));
    expect(t.backward).toEqual(expect.arrayContaining(['dX 1x1x4x4', 'dW 1x1x2x2', '8', 'dY 1x1x3x3', '1']));
    expect(t.node).toEqual(expect.arrayContaining(['im2col', 'dA = col⁻¹(dC)', 'matmul', 'dA = dC·Bᵀ, dB = Aᵀ·dC', 'X', 'W', 'b', 'L']));
    expect(t.constant.concat(t.node).join(' ')).toContain('conv2d: dW = dY·col(X)ᵀ, db = dY·1, dX = col⁻¹(Wᵀ·dY)');
  });

  it('prints its help, and rejects unknown options and missing values', async () => {
    const help: string[] = [];
    expect(await graphCommand(['--help'], (line) => help.push(line))).toEqual([]);
    expect(help.join('\n')).toMatch(/^Usage: graph \[--out DIR\]/);
    await expect(graphCommand(['--size', '3'])).rejects.toThrow(UsageError);
    await expect(graphCommand(['--size', '3'])).rejects.toThrow("Unknown option '--size'");
    await expect(graphCommand(['--out'])).rejects.toThrow(/Option '-o, --out <value>' argument missing/);
  });
});
