import { toDot, type Tensor } from '@matgrad/core';
import { instance, type Viz } from '@viz-js/viz';
import { withDirection, type GraphDirection } from '../../../src/figures/dot-layout.js';
import { element } from '../shared/dom.js';
import { describeNode, type NodeCard } from './describe.js';

let viz: Promise<Viz> | undefined;

/** Graphviz compiled to WebAssembly, loaded once. */
function graphviz(): Promise<Viz> {
  viz ??= instance();
  return viz;
}

const NODE_ID_PREFIX = 'tensor-';

/** A graph drawn by Graphviz, and the tensors behind its nodes. */
export interface DrawnGraph {
  /** The drawing. */
  svg: SVGSVGElement;
  /** The tensor behind each node of the SVG, by the node's id. */
  tensors: ReadonlyMap<string, Tensor>;
}

/**
 * Lays out the graph of `root` (after backward with retainGrads) in the seeds' style and puts
 * the SVG into `host`. Each tensor's node gets an id so that hovering can find the tensor.
 */
export async function drawGraph(root: Tensor, host: HTMLElement, direction: GraphDirection = 'left-to-right'): Promise<DrawnGraph> {
  const tensors = new Map<string, Tensor>();
  const dot = toDot(root, {
    nodeAttributes: (t) => {
      const id = `${NODE_ID_PREFIX}${tensors.size}`;
      tensors.set(id, t);
      return { id };
    },
  });
  const svg = (await graphviz()).renderSVGElement(withDirection(dot, direction), { engine: 'dot' });
  host.replaceChildren(svg);
  return { svg, tensors };
}

/** The smallest label a reader is asked to read, in CSS pixels. */
const MIN_LABEL_PX = 11;

/**
 * Sizes the drawn graph for a box `available` pixels wide: at most its natural size, shrunk to
 * fit the box, but never so far that a label falls under 11 px; a graph that cannot fit then
 * keeps that size and its box scrolls.
 */
export function fitGraph(svg: SVGSVGElement, available: number): void {
  const box = svg.viewBox.baseVal;
  // Graphviz measures in points: 72 to the inch, where CSS has 96 pixels.
  const natural = (box.width * 96) / 72;
  const fontSizes = [...svg.querySelectorAll('text')].map((t) => Number(t.getAttribute('font-size'))).filter((size) => size > 0);
  const readable = fontSizes.length === 0 ? 0 : (MIN_LABEL_PX / Math.min(...fontSizes)) * box.width;
  const width = Math.ceil(Math.max(Math.min(natural, available), readable));
  svg.setAttribute('width', `${width}px`);
  svg.setAttribute('height', `${(width * box.height) / box.width}px`);
}

/**
 * Shows the rule and operands of a node in `card`: while the pointer is over it or it has the
 * keyboard's focus, and, pinned until a tap elsewhere, when it is clicked or tapped (touch
 * screens have no hover).
 */
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
    const pinned = () => card.dataset.pinned === 'true';
    const hide = () => {
      if (!pinned()) card.hidden = true;
    };
    node.addEventListener('mouseenter', (e) => pinned() || show(e.clientX, e.clientY));
    node.addEventListener('mousemove', (e) => pinned() || place(card, e.clientX, e.clientY));
    node.addEventListener('focus', () => {
      if (pinned()) return;
      const box = node.getBoundingClientRect();
      show(box.right, box.bottom);
    });
    node.addEventListener('click', (e) => {
      e.stopPropagation();
      card.dataset.pinned = 'true';
      show(e.clientX, e.clientY);
    });
    node.addEventListener('mouseleave', hide);
    node.addEventListener('blur', hide);
  }
}

/** A pinned card closes at a click or tap anywhere but on it. */
export function closeCardOnOutsideClick(card: HTMLElement): void {
  document.addEventListener('click', (e) => {
    if (card.dataset.pinned !== 'true' || card.contains(e.target as Node)) return;
    delete card.dataset.pinned;
    card.hidden = true;
  });
}

/** Puts the card next to the point (x, y), on whichever side has room, and always inside the
 *  window (its CSS caps its size to the window's). */
function place(card: HTMLElement, x: number, y: number): void {
  const margin = 14;
  const edge = 4;
  const { clientWidth: viewWidth, clientHeight: viewHeight } = document.documentElement;
  const { width, height } = card.getBoundingClientRect();
  const left = x + margin + width <= viewWidth - edge ? x + margin : x - margin - width;
  const top = y + margin + height <= viewHeight - edge ? y + margin : y - margin - height;
  card.style.left = `${Math.max(edge, Math.min(left, viewWidth - width - edge))}px`;
  card.style.top = `${Math.max(edge, Math.min(top, viewHeight - height - edge))}px`;
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
