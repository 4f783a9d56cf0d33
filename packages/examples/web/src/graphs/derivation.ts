import { deriveBackward, type BackwardDerivation, type BackwardEquation, type EvaluatedBackward, type Tensor } from '@matgrad/core';
import katex from 'katex';
import 'katex/dist/katex.min.css';
import './derivation.css';
import { element } from '../shared/dom.js';
import type { DrawnGraph } from './render.js';

export interface DerivationPanel {
  /** Derives the backward pass of `root` (its graph kept by backward with retainGraph) and links it to the drawing. */
  show(root: Tensor, graph: DrawnGraph): void;
}

/** Typesets LaTeX with KaTeX; should it refuse, the text form is shown instead of nothing. */
function typeset(host: HTMLElement, latex: string, fallback: string, displayMode = false): void {
  try {
    katex.render(latex, host, { displayMode, throwOnError: true });
  } catch {
    host.textContent = fallback;
    host.classList.add('typeset-failed');
  }
}

/**
 * The backward pass of the drawn graph as matrix equations (deriveBackward), typeset with KaTeX,
 * below the graph. Hovering a node of the graph highlights the equation that gives its gradient
 * (and, fainter, the equations that read its value); hovering an equation outlines its nodes;
 * each equation's numbers can be expanded: every symbol replaced by its matrix, and the result.
 */
export function createDerivationPanel(section: HTMLElement): DerivationPanel {
  const panel = element('div', 'derivation');
  panel.append(element('h3', '', 'The backward pass as matrix equations'));
  const title = element('p', 'derivation-title hint');
  const body = element('div', 'derivation-body');
  panel.append(title, body);
  section.append(panel);

  return {
    show(root, graph) {
      let derivation: BackwardDerivation;
      try {
        derivation = deriveBackward(root);
      } catch (e) {
        title.textContent = `No derivation: ${(e as Error).message}`;
        body.replaceChildren();
        return;
      }
      const evaluated = derivation.evaluate();
      const nodeIds = new Map<Tensor, string>([...graph.tensors].map(([id, t]) => [t, id]));
      const rows = new Map<BackwardEquation, HTMLElement>();
      title.textContent = `${derivation.title}. Hover a node of the graph to find its equation; open an equation for its numbers.`;
      const parts: HTMLElement[] = [];
      for (const group of derivation.groups) {
        if (derivation.groups.length > 1 || group.layer !== null) parts.push(element('h4', 'derivation-group', group.title));
        const list = element('ol', 'equations');
        for (const eq of group.equations) {
          const row = equationRow(derivation, eq, evaluated, nodeIds);
          rows.set(eq, row);
          list.append(row);
        }
        parts.push(list);
      }
      const where = derivation.where('latex');
      if (where.length > 0) {
        const box = element('div', 'derivation-where');
        box.append(element('span', 'where-label', 'where'));
        derivation.where('text').forEach((text, i) => {
          const item = element('span', 'where-item');
          typeset(item, where[i]!, text);
          box.append(item);
        });
        parts.push(box);
      }
      body.replaceChildren(...parts);
      panel.dataset.equations = String(rows.size);
      linkToGraph(derivation, rows, graph);
    },
  };
}

function equationRow(derivation: BackwardDerivation, eq: BackwardEquation, evaluated: EvaluatedBackward, nodeIds: ReadonlyMap<Tensor, string>): HTMLElement {
  const row = element('li', 'equation');
  row.dataset.gradient = eq.name.text;
  row.dataset.nodes = [eq.tensor, ...eq.folded].flatMap((t) => nodeIds.get(t) ?? []).join(' ');
  const math = element('span', 'equation-math');
  typeset(math, derivation.equation(eq, 'latex'), derivation.equation(eq, 'text'));
  const shape = element('span', 'equation-shape', eq.shape.length === 0 ? 'scalar' : eq.shape.join('×'));
  const numbers = element('details', 'numbers');
  const summary = element('summary', '', 'numbers');
  const expanded = element('div', 'numbers-math');
  numbers.append(summary, expanded);
  // Matrices of numbers are typeset only when asked for.
  numbers.addEventListener('toggle', () => {
    if (numbers.open && expanded.childElementCount === 0) typeset(expanded, derivation.numbersLatex(eq, evaluated), derivation.equation(eq, 'text'), true);
  });
  row.append(math, shape, numbers);
  return row;
}

function linkToGraph(derivation: BackwardDerivation, rows: ReadonlyMap<BackwardEquation, HTMLElement>, graph: DrawnGraph): void {
  const clear = () => {
    for (const row of rows.values()) row.classList.remove('defines', 'uses');
    for (const node of graph.svg.querySelectorAll('g.node.equation-node')) node.classList.remove('equation-node');
  };
  for (const [id, tensor] of graph.tensors) {
    const node = graph.svg.querySelector<SVGGElement>(`g.node[id="${id}"]`);
    if (node === null) continue;
    const highlight = () => {
      clear();
      for (const eq of derivation.equationsUsing(tensor)) rows.get(eq)?.classList.add('uses');
      const own = derivation.equationFor(tensor);
      if (own !== null) {
        rows.get(own)?.classList.remove('uses');
        rows.get(own)?.classList.add('defines');
      }
    };
    node.addEventListener('mouseenter', highlight);
    node.addEventListener('focus', highlight);
    node.addEventListener('mouseleave', clear);
    node.addEventListener('blur', clear);
  }
  for (const row of rows.values()) {
    const ids = (row.dataset.nodes ?? '').split(' ').filter(Boolean);
    row.addEventListener('mouseenter', () => {
      clear();
      for (const id of ids) graph.svg.querySelector(`g.node[id="${id}"]`)?.classList.add('equation-node');
    });
    row.addEventListener('mouseleave', clear);
  }
}
