import { explainBackward, type Tensor } from '@matgrad/core';
import { element, required } from '../shared/dom.js';
import { createDerivationPanel } from './derivation.js';
import { formatTensor, shapeText } from './describe.js';
import { closeCardOnOutsideClick, drawGraph, explainOnHover, fitGraph, type DrawnGraph } from './render.js';
import { evaluate, initialValues, parseField, SCENARIOS, type Field, type Scenario } from './scenarios.js';

/**
 * The graphs section: pick a scenario, edit its inputs, and see the graph redrawn with every
 * value and gradient, a table of the inputs' gradients, and the backward pass step by step.
 */
export function mountGraphs(section: HTMLElement): void {
  const picker = required(section, '.scenario-picker', HTMLElement);
  const caption = required(section, '.scenario-caption', HTMLElement);
  const form = required(section, 'form.fields', HTMLFormElement);
  const error = required(section, '.graph-error', HTMLElement);
  const host = required(section, '.graph-host', HTMLElement);
  const gradients = required(section, 'table.leaf-gradients', HTMLTableElement);
  const steps = required(section, '.backward-steps', HTMLElement);
  const card = required(document, '#node-card', HTMLElement);
  const derivation = createDerivationPanel(section);
  closeCardOnOutsideClick(card);
  // A narrow screen gets the graph top to bottom: a left-to-right chain is far wider than tall.
  const narrow = window.matchMedia('(max-width: 700px)');
  const direction = () => (narrow.matches ? 'top-to-bottom' : 'left-to-right');
  let current: Scenario | undefined;

  // Edits arrive faster than Graphviz lays out; only the newest drawing may land.
  let drawing = 0;
  const redraw = async (scenario: Scenario) => {
    const ticket = ++drawing;
    current = scenario;
    let root: Tensor;
    try {
      root = evaluate(scenario, readFields(scenario, form));
    } catch (e) {
      error.textContent = (e as Error).message;
      error.hidden = false;
      return;
    }
    const staging = element('div');
    let graph: DrawnGraph;
    try {
      graph = await drawGraph(root, staging, direction());
    } catch (e) {
      error.textContent = `Graphviz could not draw the graph: ${(e as Error).message}`;
      error.hidden = false;
      return;
    }
    if (ticket !== drawing) return;
    error.hidden = true;
    host.replaceChildren(...staging.childNodes);
    fitGraph(graph.svg, host.clientWidth);
    // The node under the pointer may have just been replaced, which fires no mouseleave.
    card.hidden = true;
    delete card.dataset.pinned;
    explainOnHover(graph, card);
    fillGradients(gradients, root, [...graph.tensors.values()]);
    steps.textContent = explainBackward(root).toString();
    derivation.show(root, graph);
    section.dataset.drawn = String(ticket);
  };

  const select = (scenario: Scenario) => {
    for (const button of picker.querySelectorAll('button')) button.setAttribute('aria-pressed', String(button.value === scenario.id));
    caption.textContent = scenario.caption;
    buildFields(form, scenario);
    void redraw(scenario);
  };

  for (const scenario of SCENARIOS) {
    const button = element('button', '', scenario.title);
    button.type = 'button';
    button.value = scenario.id;
    button.addEventListener('click', () => select(scenario));
    picker.append(button);
  }
  form.addEventListener('input', () => {
    const id = picker.querySelector('button[aria-pressed="true"]')?.getAttribute('value');
    const scenario = SCENARIOS.find((s) => s.id === id);
    if (scenario !== undefined) void redraw(scenario);
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  narrow.addEventListener('change', () => current !== undefined && void redraw(current));
  window.addEventListener('resize', () => {
    const svg = host.querySelector('svg');
    if (svg !== null) fitGraph(svg, host.clientWidth);
  });
  select(SCENARIOS[0]!);
}

function buildFields(form: HTMLFormElement, scenario: Scenario): void {
  const values = initialValues(scenario);
  const rows = new Map<string, HTMLElement>();
  form.replaceChildren();
  for (const field of scenario.fields) {
    // Scalar inputs share one line; matrix rows and groups get a line each.
    const rowName = field.row ?? '';
    let row = rows.get(rowName);
    if (row === undefined) {
      row = element('div', 'field-row');
      if (field.row !== undefined) row.append(element('span', 'row-name', field.row));
      rows.set(rowName, row);
      form.append(row);
    }
    row.append(fieldInput(field, values[field.key]!));
  }
}

function fieldInput(field: Field, initial: number | string): HTMLLabelElement {
  const label = element('label', 'field', field.label);
  let input: HTMLInputElement | HTMLSelectElement;
  if (field.options !== undefined) {
    input = element('select');
    for (const option of field.options) input.append(new Option(option, option));
  } else {
    input = element('input');
    input.type = 'number';
    input.step = field.integer === true ? '1' : 'any';
    if (field.min !== undefined) input.min = String(field.min);
    if (field.max !== undefined) input.max = String(field.max);
  }
  input.name = field.key;
  input.value = String(initial);
  label.append(input);
  return label;
}

function readFields(scenario: Scenario, form: HTMLFormElement): Record<string, number | string> {
  const values: Record<string, number | string> = {};
  for (const field of scenario.fields) {
    const input = form.elements.namedItem(field.key) as HTMLInputElement | HTMLSelectElement | null;
    if (input === null) throw new Error(`graphs: the form lost its '${field.label}' input`);
    values[field.key] = parseField(field, input.value);
  }
  return values;
}

/** One row per input that needs a gradient: its value and ∂root/∂input. */
function fillGradients(table: HTMLTableElement, root: Tensor, tensors: readonly Tensor[]): void {
  const rootName = root.name ?? 'output';
  const head = element('tr');
  for (const h of ['input', 'shape', 'value', `∂${rootName}/∂input`]) head.append(element('th', '', h));
  const rows = tensors
    .filter((t) => t.creator === null && t.requiresGrad)
    .map((t) => {
      const row = element('tr');
      row.dataset.input = t.name ?? '';
      row.append(
        element('td', 'name', t.name ?? '(unnamed)'),
        element('td', 'shape', shapeText(t.shape)),
        element('td', 'value', formatTensor(t)),
        element('td', 'gradient', t.grad === null ? '—' : formatTensor(t.grad)),
      );
      return row;
    });
  table.replaceChildren(head, ...rows);
}
