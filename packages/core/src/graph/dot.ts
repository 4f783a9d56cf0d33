import { compositeCallsOf, type CompositeCall } from '../composite.js';
import { noGrad, topologicalOrder } from '../engine.js';
import { applyRule, type Creator } from '../op.js';
import { Tensor } from '../tensor.js';

/** Options of `toDot`. */
export interface DotOptions {
  /** Significant digits of the values and gradients written on the arrows (default 4). */
  digits?: number;
  /** The font of every label; the renderer must have the same font to measure and draw them. */
  fontname?: string;
  /** Extra Graphviz attributes for the node of each tensor, e.g. `id` or `tooltip`, so that a
   *  viewer of the SVG can tell which tensor a node stands for; values are quoted here. */
  nodeAttributes?: (t: Tensor) => Readonly<Record<string, string>>;
  /** Write each op's backward identity under its name, and each composite's (conv2d, ...) under
   *  the name of its box: the figure then shows the rules as well as the values. */
  identities?: boolean;
}

/** The colours of the seeds' figures (matplotlib's tab:blue, tab:red, tab:gray). */
const FORWARD = '#1f77b4';
const BACKWARD = '#d62728';
const CONSTANT = '#7f7f7f';

/** Binary and unary arithmetic are drawn as circles with their symbol, as on paper; every
 *  other op is a box labelled with its name, as explanations and cards name it. */
const CIRCLE_SYMBOLS: Record<string, string> = { add: '+', sub: '−', mul: '×', div: '÷', neg: '−' };

/**
 * The computational graph that produced `root`, as Graphviz DOT in the style of the seeds:
 * every connection drawn twice, the forward value above a blue arrow and the gradient that flows
 * back below a red returning arrow; ops as circles (×, +) or rounded boxes (matmul, relu, ...);
 * scalars written by value, other tensors by name and shape.
 *
 * Gradients appear where backward has run with `{ retainGrads: true }` (the gradient sent along
 * each arrow is rebuilt from the consumer's `.grad` with that op's own rule, so the arrows of a
 * tensor used twice carry their own shares, which sum to its `.grad`). Inputs that need no
 * gradient (constants, targets) get a single grey arrow.
 */
export function toDot(root: Tensor, options: DotOptions = {}): string {
  if (!(root instanceof Tensor)) throw new TypeError(`toDot: root must be a Tensor (the output whose graph to draw), got ${root === null ? 'null' : typeof root}`);
  const digits = options.digits ?? 4;
  if (!Number.isInteger(digits) || digits < 1 || digits > 17) {
    throw new RangeError(`toDot: digits must be an integer in 1..17, got ${String(digits)}`);
  }
  const font = quote(options.fontname ?? 'DejaVu Sans');
  const text = (t: Tensor) => describe(t, digits);
  const order = topologicalOrder([root], { constants: true, caller: 'toDot' });
  const ids = new Map<Tensor, string>(order.map((t, i) => [t, `t${i}`]));
  const lines = [
    'digraph computational_graph {',
    '  rankdir=LR; ordering=out; bgcolor="white"; nodesep=0.35; ranksep=0.7;',
    `  graph [fontname=${font}]; node [fontname=${font}, fontsize=14]; edge [fontname=${font}, fontsize=12, arrowsize=0.7];`,
  ];
  const identities = options.identities === true;
  for (const t of order) lines.push(`  ${ids.get(t)!} [${nodeAttributes(t, identities)}${callerAttributes(t, options)}];`);
  lines.push(...compositeClusters(order, ids, identities));
  lines.push(`  output [shape=plaintext, label=${quote(root.name ?? 'output')}];`);

  for (const t of order) {
    if (t.creator === null) continue;
    t.creator.inputs.forEach((input, k) => {
      const from = ids.get(input)!;
      const to = ids.get(t)!;
      if (!input.requiresGrad) {
        lines.push(`  ${from} -> ${to} [${edge(text(input), CONSTANT)}];`);
        return;
      }
      lines.push(`  ${from} -> ${to} [${edge(text(input), FORWARD)}];`);
      const share = t.grad === null ? null : edgeGradient(t.creator!, t, k);
      lines.push(`  ${from} -> ${to} [${edge(share === null ? '' : gradientText(input, share, digits), BACKWARD)}, dir=back];`);
    });
  }
  const last = ids.get(root)!;
  lines.push(`  ${last} -> output [${edge(text(root), FORWARD)}];`);
  lines.push(`  ${last} -> output [${edge(root.grad === null ? '' : gradientText(root, root.grad, digits), BACKWARD)}, dir=back];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** The ops made inside each call of a composite (conv2d, layerNorm, ...) drawn in a dashed box
 *  named after it, calls inside calls nested. */
function compositeClusters(order: readonly Tensor[], ids: ReadonlyMap<Tensor, string>, identities: boolean): string[] {
  interface Cluster {
    call: CompositeCall;
    members: string[];
    children: Cluster[];
  }
  const top: Cluster[] = [];
  const byCall = new Map<CompositeCall, Cluster>();
  for (const t of order) {
    if (t.creator === null) continue;
    let siblings = top;
    let cluster: Cluster | undefined;
    for (const call of compositeCallsOf(t.creator)) {
      cluster = byCall.get(call);
      if (cluster === undefined) {
        cluster = { call, members: [], children: [] };
        byCall.set(call, cluster);
        siblings.push(cluster);
      }
      siblings = cluster.children;
    }
    cluster?.members.push(ids.get(t)!);
  }
  let next = 0;
  const draw = (c: Cluster, indent: string): string[] => [
    `${indent}subgraph cluster_${next++} {`,
    `${indent}  label=${quote(identities ? `${c.call.composite.name}: ${c.call.composite.identity}` : c.call.composite.name)}; style="dashed,rounded"; color="${CONSTANT}"; fontcolor="${CONSTANT}"; fontsize=12;`,
    ...(c.members.length > 0 ? [`${indent}  ${c.members.join('; ')};`] : []),
    ...c.children.flatMap((child) => draw(child, `${indent}  `)),
    `${indent}}`,
  ];
  return top.flatMap((c) => draw(c, '  '));
}

/** The gradient the op that made `output` sends back to its input k: its rule applied to output.grad. */
function edgeGradient(creator: Creator, output: Tensor, k: number): Tensor {
  const ctx = { inputs: creator.inputs, output, attrs: creator.attrs };
  return noGrad(() => applyRule(creator.op, k, output.grad!, ctx));
}

/** An identity up to its first parenthesis: the rule without its commentary. */
function shortIdentity(identity: string): string {
  const cut = identity.indexOf(' (');
  return cut > 0 ? identity.slice(0, cut) : identity;
}

function nodeAttributes(t: Tensor, identities: boolean): string {
  if (t.creator === null) {
    // A named leaf is a label the arrows start from; an unnamed one (a number operand) is a dot,
    // its value being written on its arrow already.
    return t.name === undefined
      ? 'shape=point, width=0.06, color="#7f7f7f"'
      : `shape=plaintext, label=${quote(leafLabel(t))}`;
  }
  const op = t.creator.op.name;
  const exponent = (t.creator.attrs as { exponent?: unknown } | undefined)?.exponent;
  const symbol = op === 'pow' && typeof exponent === 'number' ? `^${exponent}` : CIRCLE_SYMBOLS[op];
  if (identities) return `shape=box, style=rounded, label=${quote(`${symbol ?? op}\n${shortIdentity(t.creator.op.identity)}`)}`;
  if (symbol !== undefined) return `shape=circle, fixedsize=true, width=0.5, fontsize=18, label=${quote(symbol)}`;
  return `shape=box, style=rounded, label=${quote(op)}`;
}

function callerAttributes(t: Tensor, options: DotOptions): string {
  const extra = options.nodeAttributes?.(t) ?? {};
  return Object.entries(extra)
    .map(([key, value]) => {
      if (!/^[A-Za-z_]\w*$/.test(key)) {
        throw new Error(`toDot: nodeAttributes gave the attribute name ${JSON.stringify(key)}, expected a Graphviz name (letters, digits, _)`);
      }
      return `, ${key}=${quote(value)}`;
    })
    .join('');
}

function leafLabel(t: Tensor): string {
  return isScalar(t) ? t.name! : `${t.name}\n${shapeText(t.shape)}`;
}

function edge(label: string, colour: string): string {
  return `label=${quote(label)}, color="${colour}", fontcolor="${colour}"`;
}

function isScalar(t: Tensor): boolean {
  return t.size === 1;
}

/** Scalars by value; other tensors by name (when they have one) and shape. */
function describe(t: Tensor, digits: number): string {
  if (isScalar(t)) return formatNumber(t.item(), digits);
  return t.name === undefined || t.creator === null ? shapeText(t.shape) : `${t.name} ${shapeText(t.shape)}`;
}

function gradientText(of: Tensor, gradient: Tensor, digits: number): string {
  if (isScalar(gradient)) return formatNumber(gradient.item(), digits);
  return of.name === undefined ? shapeText(gradient.shape) : `d${of.name} ${shapeText(gradient.shape)}`;
}

/** ASCII only: Graphviz measures other characters as spaces, which would squeeze long labels. */
function shapeText(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('x');
}

/** `220.00000000000003` is drawn as `220`: the figure shows values, not float64 noise. */
function formatNumber(value: number, digits: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(digits)));
}

function quote(label: string): string {
  return `"${label.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
