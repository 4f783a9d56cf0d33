import { describe, expect, it } from 'vitest';
import { randn, softmaxCrossEntropy, tensor, toDot, type Tensor } from '../src/index.js';

interface DotEdge {
  from: string;
  to: string;
  label: string;
  color: string;
  back: boolean;
}

/** Reads back the edges and node labels toDot writes, one statement per line. */
function parseDot(dot: string): { edges: DotEdge[]; nodes: Map<string, string> } {
  const edges: DotEdge[] = [];
  const nodes = new Map<string, string>();
  for (const line of dot.split('\n')) {
    const edge = /^\s*(\w+) -> (\w+) \[label="((?:[^"\\]|\\.)*)", color="([^"]+)".*\];$/.exec(line);
    if (edge !== null) {
      edges.push({ from: edge[1]!, to: edge[2]!, label: edge[3]!, color: edge[4]!, back: line.includes('dir=back') });
      continue;
    }
    const node = /^\s*(\w+) \[(.*)\];$/.exec(line);
    if (node !== null && !['graph', 'node', 'edge'].includes(node[1]!)) {
      nodes.set(node[1]!, /label="((?:[^"\\]|\\.)*)"/.exec(node[2]!)?.[1] ?? `(${/shape=(\w+)/.exec(node[2]!)![1]})`);
    }
  }
  return { edges, nodes };
}

const BLUE = '#1f77b4';
const RED = '#d62728';
const GREY = '#7f7f7f';

/** The labels on the arrows leaving the node labelled `source`, forward and backward. */
function arrowsFrom(dot: string, source: string): { forward: string[]; backward: string[] } {
  const { edges, nodes } = parseDot(dot);
  const id = [...nodes].find(([, label]) => label === source)?.[0];
  if (id === undefined) throw new Error(`no node labelled ${source} in\n${dot}`);
  const out = edges.filter((e) => e.from === id);
  return { forward: out.filter((e) => !e.back).map((e) => e.label), backward: out.filter((e) => e.back).map((e) => e.label) };
}

function apples(): { total: Tensor } {
  const apple = tensor(100, { requiresGrad: true, name: 'apple' });
  const count = tensor(2, { requiresGrad: true, name: 'count' });
  const tax = tensor(1.1, { requiresGrad: true, name: 'tax' });
  return { total: apple.mul(count).mul(tax).named('total') };
}

describe('toDot', () => {
  it('draws the apples graph with every value above and every gradient below', () => {
    const { total } = apples();
    total.backward({ retainGrads: true });
    const dot = toDot(total);
    expect(dot).toMatch(/^digraph computational_graph \{\n {2}rankdir=LR; ordering=out;/);
    const { edges, nodes } = parseDot(dot);
    // Two op circles and three named inputs plus the output: each connection twice.
    expect([...nodes.values()].filter((l) => l === '×')).toHaveLength(2);
    expect(edges).toHaveLength(10);
    expect(arrowsFrom(dot, 'apple')).toEqual({ forward: ['100'], backward: ['2.2'] });
    expect(arrowsFrom(dot, 'count')).toEqual({ forward: ['2'], backward: ['110'] });
    expect(arrowsFrom(dot, 'tax')).toEqual({ forward: ['1.1'], backward: ['200'] });
    const [firstProduct, secondProduct] = [...nodes].filter(([, l]) => l === '×').map(([id]) => id);
    const between = edges.filter((e) => e.from === firstProduct && e.to === secondProduct);
    expect(between.map((e) => [e.label, e.color, e.back])).toEqual([
      ['200', BLUE, false],
      ['1.1', RED, true],
    ]);
    const toOutput = edges.filter((e) => e.to === 'output');
    expect(toOutput.map((e) => [e.label, e.color])).toEqual([
      ['220', BLUE],
      ['1', RED],
    ]);
    expect(nodes.get('output')).toBe('total');
    // Every gradient arrow points back: dir=back, red; every forward one blue.
    for (const e of edges) expect(e.color).toBe(e.back ? RED : BLUE);
  });

  it('gives each use of a tensor its own share of the gradient, the shares summing to .grad', () => {
    const x = tensor(3, { requiresGrad: true, name: 'x' });
    const y = tensor(4, { requiresGrad: true, name: 'y' });
    const s = x.add(y).named('s');
    const z = s.pow(2).add(s.mul(3)).named('z');
    z.backward({ retainGrads: true });
    expect(x.grad!.item()).toBe(2 * 3 + 2 * 4 + 3);
    const { edges, nodes } = parseDot(toDot(z));
    const sumNode = [...nodes].find(([, l]) => l === '+')![0];
    const shares = edges.filter((e) => e.from === sumNode && e.back).map((e) => Number(e.label));
    expect(shares.sort((a, b) => a - b)).toEqual([3, 14]);
    expect(shares[0]! + shares[1]!).toBe(s.grad!.item());
    expect([...nodes.values()]).toContain('^2');
  });

  it('draws number operands and targets as grey arrows without a gradient', () => {
    const x = tensor(2, { requiresGrad: true, name: 'x' });
    const y = x.mul(1.5);
    y.backward({ retainGrads: true });
    const { edges, nodes } = parseDot(toDot(y));
    const constant = [...nodes].find(([, l]) => l === '(point)')![0];
    expect(edges.filter((e) => e.from === constant).map((e) => [e.label, e.color, e.back])).toEqual([['1.5', GREY, false]]);
    expect(nodes.get('output')).toBe('output');
  });

  it('labels matrices by name and shape and their gradients as d<name>', () => {
    const X = randn([4, 3], { seed: 1 }).named('X');
    const W = randn([3, 2], { seed: 2 }).requireGrad().named('W');
    const b = tensor([0.1, -0.2], { requiresGrad: true, name: 'b' });
    const logits = X.matmul(W).add(b).named('A');
    const loss = softmaxCrossEntropy(logits, [0, 1, 1, 0]).named('L');
    loss.backward({ retainGrads: true });
    const dot = toDot(loss);
    const { nodes } = parseDot(dot);
    expect([...nodes.values()]).toEqual(expect.arrayContaining(['X\\n4x3', 'W\\n3x2', 'b\\n2', 'matmul', 'broadcastTo', '+', 'softmaxCrossEntropy']));
    expect(arrowsFrom(dot, 'W\\n3x2')).toEqual({ forward: ['3x2'], backward: ['dW 3x2'] });
    expect(arrowsFrom(dot, 'X\\n4x3')).toEqual({ forward: ['4x3'], backward: [] });
    expect(arrowsFrom(dot, '+')).toEqual({ forward: ['A 4x2'], backward: ['dA 4x2'] });
    const { edges } = parseDot(dot);
    expect(edges.filter((e) => e.to === 'output').map((e) => e.label)).toEqual([String(Number(loss.item().toPrecision(4))), '1']);
  });

  it('draws the forward pass alone when backward has not run', () => {
    const { total } = apples();
    const { edges } = parseDot(toDot(total));
    expect(edges.filter((e) => !e.back).map((e) => e.label)).toEqual(['100', '2', '200', '1.1', '220']);
    expect(edges.filter((e) => e.back).every((e) => e.label === '')).toBe(true);
  });

  it('rounds to the requested significant digits and escapes names', () => {
    const a = tensor(1 / 3, { requiresGrad: true, name: 'say "a"' });
    const b = a.mul(3);
    b.backward({ retainGrads: true });
    expect(toDot(b, { digits: 2 })).toContain('label="0.33"');
    expect(toDot(b)).toContain('label="0.3333"');
    expect(toDot(b)).toContain('label="say \\"a\\""');
    expect(toDot(b, { fontname: 'Noto Sans' })).toContain('node [fontname="Noto Sans"');
    expect(() => toDot(b, { digits: 0 })).toThrow('toDot: digits must be an integer in 1..17, got 0');
  });

  it('adds the caller\'s attributes to each tensor\'s node, so an SVG viewer can find it', () => {
    const { total } = apples();
    total.backward({ retainGrads: true });
    const ids = new Map<string, Tensor>();
    const dot = toDot(total, {
      nodeAttributes: (t) => {
        ids.set(`n${ids.size}`, t);
        return { id: `n${ids.size - 1}`, tooltip: t.creator?.op.name ?? 'leaf' };
      },
    });
    expect(ids.size).toBe(5);
    expect(ids.get('n4')).toBe(total);
    expect(dot).toMatch(/ \[shape=circle, .*label="×", id="n4", tooltip="mul"\];/);
    expect(arrowsFrom(dot, 'apple')).toEqual({ forward: ['100'], backward: ['2.2'] });
    expect(() => toDot(total, { nodeAttributes: () => ({ 'bad key': 'x' }) })).toThrow(
      'toDot: nodeAttributes gave the attribute name "bad key", expected a Graphviz name (letters, digits, _)',
    );
  });

  it('walks a chain of 20,000 ops without overflowing the stack', () => {
    const x = tensor(1, { requiresGrad: true, name: 'x' });
    let y = x;
    for (let i = 0; i < 20_000; i++) y = y.add(1);
    y.backward({ retainGrads: true });
    const { edges } = parseDot(toDot(y));
    expect(edges.filter((e) => e.color === RED)).toHaveLength(20_001);
  });
});
