import { toDot, type Tensor } from '@matgrad/core';
import { instance, type Viz } from '@viz-js/viz';
import { element } from '../shared/dom.js';
import { describeNode, type NodeCard } from './describe.js';

let viz: Promise<Viz> | undefined;

/** Graphviz compiled to WebAssembly, loaded once. */
function graphviz(): Promise<Viz> {
  viz ??= instance();
  return viz;
}

const NODE_ID_PREFIX = 'tensor-';

export interface DrawnGraph {
  svg: SVGSVGElement;
  /** The tensor behind each node of the SVG, by the node's id. */
  tensors: ReadonlyMap<string, Tensor>;
}

/**
 * Lays out the graph of `root` (after backward with retainGrads) in the seeds' style and puts
 * the SVG into `host`. Each tensor's node gets an id so that hovering can find the tensor.
 */
export async function drawGraph(root: Tensor, host: HTMLElement): Promise<DrawnGraph> {
  const tensors = new Map<string, Tensor>();
  const dot = toDot(root, {
    nodeAttributes: (t) => {
      const id = `${NODE_ID_PREFIX}${tensors.size}`;
      tensors.set(id, t);
      return { id };
    },
  });
  const svg = (await graphviz()).renderSVGElement(dot, { engine: 'dot' });
  host.replaceChildren(svg);
  return { svg, tensors };
}

/** Shows the rule and operands of the node under the pointer (or focused by keyboard) in `card`. */
export function explainOnHover(graph: DrawnGraph, card: HTMLElement): void {
  for (const [id, tensor] of graph.tensors) {
    const node = graph.svg.querySelector<SVGGElement>(`g.node[id="${id}"]`);
    if (node === null) throw new Error(`explainOnHover: Graphviz dropped the node ${id} from the SVG`);
    node.setAttribute('tabindex', '0');
    node.classList.add('hoverable');
    const show = (x: number, y: number) => {
      fillCard(card, describeNode(tensor, graph.tensors.values()));
      card.hidden = false;
      place(card, x, y);
    };
    node.addEventListener('mouseenter', (e) => show(e.clientX, e.clientY));
    node.addEventListener('mousemove', (e) => place(card, e.clientX, e.clientY));
    node.addEventListener('focus', () => {
      const box = node.getBoundingClientRect();
      show(box.right, box.bottom);
    });
    node.addEventListener('mouseleave', () => (card.hidden = true));
    node.addEventListener('blur', () => (card.hidden = true));
  }
}

/** Keeps the card next to the pointer and inside the window. */
function place(card: HTMLElement, x: number, y: number): void {
  const margin = 14;
  const { width, height } = card.getBoundingClientRect();
  const left = x + margin + width > window.innerWidth ? Math.max(4, x - margin - width) : x + margin;
  const top = y + margin + height > window.innerHeight ? Math.max(4, y - margin - height) : y + margin;
  card.style.left = `${left}px`;
  card.style.top = `${top}px`;
}

function fillCard(card: HTMLElement, info: NodeCard): void {
  const parts: HTMLElement[] = [element('div', 'card-title', info.title)];
  if (info.forward !== undefined) parts.push(element('div', 'card-forward', `forward: ${info.forward}`));
  if (info.identity !== undefined) parts.push(element('div', 'card-identity', `backward: ${info.identity}`));
  const table = element('table', 'card-operands');
  const head = table.createTHead().insertRow();
  for (const h of ['', 'tensor', 'shape', 'value', 'gradient']) head.append(element('th', '', h));
  const body = table.createTBody();
  for (const o of info.operands) {
    const row = body.insertRow();
    row.append(
      element('td', 'role', o.role),
      element('td', 'name', o.name),
      element('td', 'shape', o.shape),
      element('td', 'value', o.value),
      element('td', 'gradient', o.gradient ?? '—'),
    );
  }
  parts.push(table);
  if (info.layer !== undefined) {
    const layer = element('table', 'card-operands card-layer');
    layer.createTHead().insertRow().append(element('th', '', 'conv2d: Y = W·col(X) + b'), element('th', '', 'value'));
    const rows = layer.createTBody();
    for (const r of info.layer) rows.insertRow().append(element('td', 'identity', r.identity), element('td', 'value', r.value));
    parts.push(layer);
  }
  card.replaceChildren(...parts);
}
