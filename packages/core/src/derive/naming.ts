import type { Tensor } from '../index.js';
import { build as E, type Expr } from './expr.js';
import { opName, type GraphView } from './graph.js';
import type { Mlp } from './mlp.js';
import { gradientName, madeName, nameIndex, parseName, type IndexStyle, type MathName } from './names.js';

/** Ops that take a number operand elementwise, so a constant of equal entries can be written as that number. */
const ELEMENTWISE_BINARY: readonly string[] = ['add', 'sub', 'mul', 'div', 'where'];
/** Ops that follow a pre-activation: the gradient at their input is the notes' Δ. */
const ACTIVATIONS: readonly string[] = ['relu', 'sigmoid', 'tanh', 'softmax', 'logSoftmax', 'softmaxCrossEntropy'];

export interface Naming {
  /** How the forward value of `t` is written in an equation: its name, or a number for a constant like the 2 of x·2. */
  value(t: Tensor): Expr;
  name(t: Tensor): MathName;
  /** Δ at a pre-activation, d<name> otherwise. */
  gradient(t: Tensor): MathName;
  isPreActivation(t: Tensor): boolean;
  /** `name`, primed until no tensor or gradient of the graph is written the same way. */
  unique(name: MathName): MathName;
  /** Intermediate tensors that had no name and were given one (t1, t2, …), to be explained. */
  made: Tensor[];
}

function allEqual(t: Tensor): boolean {
  const values = t.values();
  return values.length > 0 && values.every((v) => Object.is(v, values[0]));
}

/** Names every tensor of the graph: the tensor's own name where it has one, the notes' names
 *  (X, W⁽λ⁾, b⁽λ⁾, Z⁽λ⁾, Φ⁽λ⁾, Y, L) for an unnamed MLP, and x1, t1, c1 … for anything else. */
export function nameGraph(root: Tensor, graph: GraphView, mlp: Mlp | null): Naming {
  const style = indexStyle(graph.order);
  const suggested = new Map<Tensor, MathName>();
  const suggest = (t: Tensor, base: string, index?: number) => {
    if (t.name === undefined && !suggested.has(t)) suggested.set(t, madeName(base, t.shape.length, index, style));
  };
  suggest(root, 'L');
  if (mlp !== null) {
    suggest(mlp.targets, 'Y');
    suggest(mlp.layers[0]!.input, 'X');
    for (const layer of mlp.layers) {
      suggest(layer.weight, 'W', layer.index);
      suggest(layer.bias, 'b', layer.index);
      suggest(layer.preActivation, 'Z', layer.index);
      if (layer.output !== null) suggest(layer.output, 'Φ', layer.index);
    }
  }

  const taken = new Set<string>();
  const unique = (name: MathName): MathName => {
    let n = name;
    while (taken.has(n.text)) n = { text: `${n.text}′`, latex: `${n.latex}'`, simple: n.simple };
    taken.add(n.text);
    return n;
  };
  const names = new Map<Tensor, MathName>();
  const numbers = new Map<Tensor, number>();
  const made: Tensor[] = [];
  const counters = { x: 0, t: 0, c: 0 };
  // Given names first, so that a made-up one never takes a name the code chose.
  for (const t of graph.order) if (t.name !== undefined) names.set(t, unique(parseName(t.name, t.shape.length)));
  for (const t of graph.order) {
    if (names.has(t)) continue;
    const uses = graph.uses.get(t) ?? [];
    if (suggested.has(t)) names.set(t, unique(suggested.get(t)!));
    else if (t.creator === null && !t.requiresGrad && allEqual(t) && uses.every((u) => ELEMENTWISE_BINARY.includes(opName(u.by)!))) numbers.set(t, t.values()[0]!);
    else {
      const base = t.creator !== null ? 't' : t.requiresGrad ? 'x' : 'c';
      names.set(t, unique(madeName(base, t.shape.length, ++counters[base], 'digits')));
      if (t.creator !== null) made.push(t);
    }
  }

  const preActivations = findPreActivations(graph, mlp);
  const deltas = new Map<Tensor, MathName>();
  preActivations.forEach((index, t) => {
    const own = t.name === undefined ? null : nameIndex(t.name);
    const text = own !== null ? own.index : index;
    deltas.set(t, unique(text === null ? madeName('Δ', t.shape.length) : madeName('Δ', t.shape.length, Number(text), own?.style ?? style)));
  });
  const gradients = new Map<Tensor, MathName>();
  return {
    value: (t) => (numbers.has(t) ? E.number(numbers.get(t)!) : E.value(names.get(t)!, t)),
    name: (t) => names.get(t) ?? parseName(String(numbers.get(t)), 0),
    gradient: (t) => {
      if (!gradients.has(t)) gradients.set(t, deltas.get(t) ?? unique(gradientName(names.get(t)!)));
      return gradients.get(t)!;
    },
    isPreActivation: (t) => preActivations.has(t),
    unique,
    made,
  };
}

/** Digits (W1) when the code's names use digits, the notes' superscripts (W⁽¹⁾) otherwise. */
function indexStyle(order: readonly Tensor[]): IndexStyle {
  const styles = order.map((t) => (t.name === undefined ? null : nameIndex(t.name)?.style ?? null));
  if (styles.includes('super')) return 'super';
  return styles.includes('digits') ? 'digits' : 'super';
}

/** The pre-activations and the index their Δ takes (the layer, or the order found; null when there is one). */
function findPreActivations(graph: GraphView, mlp: Mlp | null): Map<Tensor, number | null> {
  if (mlp !== null) return new Map(mlp.layers.map((layer) => [layer.preActivation, layer.index]));
  const found = graph.order.filter(
    (t) =>
      t.requiresGrad &&
      (opName(t) === 'affine' || opName(t) === 'add') &&
      (graph.uses.get(t) ?? []).some((u) => ACTIVATIONS.includes(opName(u.by)!) && u.k === 0),
  );
  return new Map(found.map((t, i) => [t, found.length === 1 ? null : i + 1]));
}
