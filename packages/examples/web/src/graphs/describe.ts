import type { Op, Tensor } from '@matgrad/core';
import { convolutionRows, type IdentityRow } from './conv-example.js';

/** One tensor as the hover card shows it. */
export interface Operand {
  /** Its letter in the rule's notation (A, B, C, Y, ...), or its role for a leaf. */
  role: string;
  /** The tensor's name, or what made it. */
  name: string;
  /** Its shape, e.g. 2×3 or scalar. */
  shape: string;
  /** Its values, formatted. */
  value: string;
  /** Null where no gradient was computed (constants, targets). */
  gradient: string | null;
}

/** What a node's card shows. */
export interface NodeCard {
  /** The op (or the leaf) and the tensor's name. */
  title: string;
  /** The op's forward, e.g. C = A·B; absent for leaves. */
  forward?: string;
  /** The op's backward rule as a matrix identity; absent for leaves. */
  identity?: string;
  /** The inputs, then the output, each with its letter in the rule. */
  operands: Operand[];
  /** Inside a conv2d call: the layer's identities with their numbers. */
  layer?: IdentityRow[];
}

/** Values are shown with 4 significant digits, like the arrows of the graph. */
export function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}

/** A shape as the page writes it: 2×3, or scalar. */
export function shapeText(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

const MAX_ROWS = 6;
const MAX_COLUMNS = 6;

/** A scalar as a number, a vector as one bracketed row, a matrix as rows; large ones cut with …. */
export function formatTensor(t: Tensor): string {
  const values = t.values();
  if (t.shape.length === 0) return formatNumber(values[0]!);
  const columns = t.shape[t.shape.length - 1]!;
  const rows = values.length / Math.max(columns, 1);
  const lines: string[] = [];
  for (let i = 0; i < Math.min(rows, MAX_ROWS); i++) {
    const row = Array.from(values.subarray(i * columns, i * columns + Math.min(columns, MAX_COLUMNS)), formatNumber);
    if (columns > MAX_COLUMNS) row.push('…');
    lines.push(`[${row.join(', ')}]`);
  }
  if (rows > MAX_ROWS) lines.push(`… (${rows - MAX_ROWS} more rows)`);
  return lines.join('\n');
}

/**
 * The letters an op's rule calls its output and inputs: the output is the left side of its
 * forward (`C = A·B`, `Z = Φ·W + 1·bᵀ`), the inputs are the gradients its identity defines, in
 * order (`dΦ = dZ·Wᵀ, dW = Φᵀ·dZ, db = 1ᵀ·dZ` → Φ, W, b).
 */
export function operandLetters(op: Pick<Op, 'forward' | 'identity'>, arity: number): { output: string; inputs: string[] } {
  const output = /^(\S+) = /u.exec(op.forward)?.[1] ?? 'output';
  const defined = [...op.identity.matchAll(/(?:^|[,;] )d(\S) = /gu)].map((m) => m[1]!);
  const inputs = Array.from({ length: arity }, (_, k) => defined[k] ?? `input ${k + 1}`);
  return { output, inputs };
}

function operand(role: string, t: Tensor): Operand {
  return {
    role,
    name: t.name ?? (t.creator === null ? 'constant' : `${t.creator.op.name} output`),
    shape: shapeText(t.shape),
    value: formatTensor(t),
    gradient: t.grad === null ? null : formatTensor(t.grad),
  };
}

/** What hovering the node of `t` explains: its rule, and every tensor the rule touches with
 *  shapes; inside a conv2d call (given the graph's tensors) the layer's identities with numbers. */
export function describeNode(t: Tensor, graph: Iterable<Tensor> = []): NodeCard {
  if (t.creator === null) {
    const kind = t.requiresGrad ? 'input (leaf): its gradient is what backward is for' : 'constant: no gradient needed';
    return { title: `${t.name ?? 'constant'} — ${kind}`, operands: [operand('value', t)] };
  }
  const { op, inputs } = t.creator;
  const letters = operandLetters(op, inputs.length);
  const layer = convolutionRows(t, graph);
  return {
    title: `${op.name}${t.name === undefined ? '' : ` → ${t.name}`}`,
    forward: op.forward,
    identity: op.identity,
    operands: [...inputs.map((input, k) => operand(letters.inputs[k]!, input)), operand(letters.output, t)],
    ...(layer.length > 0 ? { layer } : {}),
  };
}
