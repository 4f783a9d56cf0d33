import type { Tensor } from '../index.js';
import { AttrReader } from './attrs.js';
import { build as E, nodes, type Expr } from './expr.js';
import { viewGraph } from './graph.js';
import { recognizeMlp, type Mlp } from './mlp.js';
import { nameGraph, type Naming } from './naming.js';
import { parseName, type MathName } from './names.js';
import { branchTwin, TWINS, type TwinContext } from './twins.js';
import { BackwardDerivation, type BackwardEquation, type EquationGroup, type EquationRole } from './backward-derivation.js';

/** Options of `deriveBackward`. */
export interface DeriveBackwardOptions {
  /** ∂L/∂(output) for an output that is not a scalar (as `backward({ gradient })` takes it);
   *  written d<name of the output> in the equations. */
  gradient?: Tensor;
}

/** The key of the gradient symbol of a tensor: equations and evaluations are looked up by it. */
type Key = string;

/**
 * The backward pass of the graph that made `loss`, as matrix equations in the tensors' names:
 * one equation per gradient worth naming (Δ at a pre-activation, d<name> otherwise), built
 * from each op's structured twin of its rule, with the steps that only pass a gradient on
 * (add, a broadcast's output, reshape, cast) folded into the equations that use them. An MLP
 * ending in softmax cross-entropy is grouped per layer as the notes group it.
 *
 * Only reads the graph: call it before `backward()` (or backward with `retainGraph`).
 */
export function deriveBackward(loss: Tensor, options: DeriveBackwardOptions = {}): BackwardDerivation {
  if (!loss.requiresGrad || loss.creator === null) {
    throw new Error(`deriveBackward: the tensor${loss.name ? ` '${loss.name}'` : ''} (shape [${loss.shape.join(',')}]) was not computed from any tensor that requires grad; there is no backward pass to derive`);
  }
  if (options.gradient === undefined && loss.size !== 1) {
    throw new RangeError(`deriveBackward: the output has shape [${loss.shape.join(',')}]; pass { gradient } for a non-scalar output`);
  }
  if (options.gradient !== undefined && options.gradient.shape.join() !== loss.shape.join()) {
    throw new RangeError(`deriveBackward: the gradient has shape [${options.gradient.shape.join(',')}], expected the output's shape [${loss.shape.join(',')}]`);
  }
  const graph = viewGraph(loss);
  const mlp = recognizeMlp(loss, graph);
  const naming = nameGraph(loss, graph, mlp);
  const seedName = naming.gradient(loss);
  const seed: Expr = options.gradient === undefined ? E.number(1) : E.grad(seedName, seedName.text);

  const contributions = new Map<Tensor, { expr: Expr; op: string }[]>();
  const gradientOf = new Map<Tensor, Expr>();
  const equations: BackwardEquation[] = [];
  const constants = new ConstantNames(naming.unique);
  const differentiable = graph.order.filter((t) => t.requiresGrad);
  for (let i = differentiable.length - 1; i >= 0; i--) {
    const t = differentiable[i]!;
    const arriving = contributions.get(t) ?? [];
    const total = t === loss ? seed : branchTwin(arriving.map((c) => c.expr));
    if (t !== loss && t.creator !== null && isRename(total)) {
      gradientOf.set(t, total);
    } else if (t !== loss) {
      const name = naming.gradient(t);
      const role: EquationRole = t.creator === null ? 'leaf' : 'intermediate';
      equations.push({ name, key: name.text, rhs: total, tensor: t, folded: [], role, layer: null, ops: [...new Set(arriving.map((c) => c.op))], shape: t.shape });
      gradientOf.set(t, E.grad(name, name.text));
    } else {
      gradientOf.set(t, seed);
    }
    if (t.creator === null) continue;
    const { op, inputs } = t.creator;
    const twin = TWINS[op.name];
    if (twin === undefined) {
      throw new Error(`deriveBackward: op '${op.name}' has no structured twin of its rule, so its equations cannot be written; ops with one: ${Object.keys(TWINS).join(', ')}`);
    }
    const results = twin(gradientOf.get(t)!, twinContext(t, naming, constants, false));
    inputs.forEach((input, k) => {
      if (!input.requiresGrad) return;
      const list = contributions.get(input) ?? [];
      list.push({ expr: results[k]!, op: op.name });
      contributions.set(input, list);
    });
  }

  for (const [t, g] of gradientOf) {
    const key = renamedKey(g);
    const target = key === null ? undefined : equations.find((eq) => eq.key === key);
    target?.folded.push(t);
  }
  const groups = group(equations, mlp, naming, loss);
  return new BackwardDerivation({
    loss,
    lossName: naming.name(loss),
    seed: options.gradient === undefined ? null : { name: seedName, value: options.gradient },
    groups,
    mlp,
    gradientOf,
    made: naming.made.map((t) => ({ name: naming.name(t), op: t.creator!.op.name, inputs: t.creator!.inputs.map((x) => naming.value(x)) })),
    constants: constants.list,
  });
}

/** Names the constants twins ask for (where's mask M, M2, …), each once, clear of the graph's names. */
export class ConstantNames {
  readonly list: { name: MathName; tensor: Tensor }[] = [];
  constructor(private readonly unique: (name: MathName) => MathName = (name) => name) {}

  name(base: string, t: Tensor): Expr {
    const count = this.list.filter((c) => c.name.text.startsWith(base)).length;
    const name = this.unique(parseName(count === 0 ? base : `${base}${count + 1}`, t.shape.length));
    this.list.push({ name, tensor: t });
    return E.value(name, t);
  }
}

export function twinContext(t: Tensor, naming: Pick<Naming, 'value'>, constants: ConstantNames, symbolic: boolean): TwinContext {
  const { op, inputs, attrs } = t.creator!;
  return {
    op: op.name,
    inputs: inputs.map((x) => naming.value(x)),
    output: naming.value(t),
    inputShapes: inputs.map((x) => x.shape),
    outputShape: t.shape,
    inputDtypes: inputs.map((x) => x.dtype),
    attrs: new AttrReader(op.name, attrs),
    constant: (base, value) => constants.name(base, value),
    symbolic,
  };
}

/** A gradient that is another one under a new name (possibly recast or reshaped): no equation of its own. */
function isRename(e: Expr): boolean {
  let x = e;
  while (x.kind === 'cast' || x.kind === 'reshape') x = x.arg;
  return x.kind === 'grad' || (x.kind === 'number' && x.name === undefined);
}

function renamedKey(e: Expr): Key | null {
  let x = e;
  while (x.kind === 'cast' || x.kind === 'reshape') x = x.arg;
  return x.kind === 'grad' ? x.key : null;
}

const ROLE_ORDER: readonly EquationRole[] = ['delta', 'bias', 'weight', 'input', 'leaf', 'intermediate'];

/** Per layer for an MLP (output layer first; in each, Δ, db, dW, dΦ as the notes list them);
 *  otherwise one group in the order the backward pass computes them. */
function group(equations: BackwardEquation[], mlp: Mlp | null, naming: Naming, loss: Tensor): EquationGroup[] {
  for (const eq of equations) if (naming.isPreActivation(eq.tensor)) eq.role = 'delta';
  if (mlp === null) return [{ title: `backward pass of ${naming.name(loss).text}`, layer: null, equations }];
  for (const layer of mlp.layers) {
    const roles: [Tensor, EquationRole][] = [
      [layer.preActivation, 'delta'],
      [layer.bias, 'bias'],
      [layer.weight, 'weight'],
      [layer.input, 'input'],
      ...layer.inner.map((t): [Tensor, EquationRole] => [t, 'intermediate']),
    ];
    for (const [t, role] of roles) {
      const eq = equations.find((e) => e.tensor === t);
      if (eq !== undefined) [eq.role, eq.layer] = [role, layer.index];
    }
  }
  const Λ = mlp.layers.length;
  const groups: EquationGroup[] = [...mlp.layers].reverse().map((layer) => ({
    title: layer.index === Λ ? `layer ${layer.index} (output: softmax with cross-entropy)` : `layer ${layer.index} (${layer.activation})`,
    layer: layer.index,
    equations: equations.filter((e) => e.layer === layer.index).sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role)),
  }));
  const rest = equations.filter((e) => e.layer === null);
  const all: EquationGroup[] = rest.length > 0 ? [...groups, { title: 'other', layer: null, equations: rest }] : groups;
  checkDefinedBeforeUse(all.flatMap((g) => g.equations));
  return all;
}

/** Every gradient an equation uses must be defined by an earlier one (or be the seed). */
function checkDefinedBeforeUse(equations: readonly BackwardEquation[]): void {
  const defined = new Set<string>();
  const all = new Set(equations.map((e) => e.key));
  for (const eq of equations) {
    for (const n of nodes(eq.rhs)) {
      if (n.kind === 'grad' && all.has(n.key) && !defined.has(n.key)) {
        throw new Error(`deriveBackward: grouping put ${eq.name.text} before ${n.name.text}, which it uses (a bug: please report the graph)`);
      }
    }
    defined.add(eq.key);
  }
}
