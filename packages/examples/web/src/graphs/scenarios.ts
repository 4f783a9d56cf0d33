import { randn, relu, sigmoid, softmaxCrossEntropy, tensor, zeros, type Tensor } from '@matgrad/core';
import { tinyConvolution } from './conv-example.js';

/** One editable input of a graph: a number, or a choice among named options. */
export interface Field {
  /** The field's key among the scenario's values. */
  key: string;
  /** What the page calls it. */
  label: string;
  /** Its value when the scenario is picked. */
  initial: number | string;
  /** When present the field is a choice among these. */
  options?: readonly string[];
  /** Fields sharing a row are shown on one line (the rows of a matrix). */
  row?: string;
  /** Whole numbers only (class indices, seeds). */
  integer?: boolean;
  /** The smallest value accepted. */
  min?: number;
  /** The largest value accepted. */
  max?: number;
}

/** A scenario's checked input values, by field key. */
export type FieldValues = Readonly<Record<string, number | string>>;

/** One graph the page offers. */
export interface Scenario {
  /** Its id (the picker button's value). */
  id: string;
  /** Its picker button's text. */
  title: string;
  /** What the graph shows, in one sentence. */
  caption: string;
  /** Its editable inputs. */
  fields: readonly Field[];
  /** Builds the forward graph from checked values; the caller runs backward. */
  build(values: FieldValues): Tensor;
}

function scalar(name: string, value: number): Tensor {
  return tensor(value, { dtype: 'float64', requiresGrad: true, name });
}

const num = (values: FieldValues, key: string): number => values[key] as number;

const apples: Scenario = {
  id: 'apples',
  title: 'Apples',
  caption: 'Two apples at 100 each, with 10% tax: total = apple × count × tax.',
  fields: [
    { key: 'apple', label: 'apple price', initial: 100 },
    { key: 'count', label: 'apple count', initial: 2 },
    { key: 'tax', label: 'tax', initial: 1.1 },
  ],
  build: (v) => scalar('apple', num(v, 'apple')).mul(scalar('count', num(v, 'count'))).mul(scalar('tax', num(v, 'tax'))).named('total'),
};

const applesAndOranges: Scenario = {
  id: 'apples-oranges',
  title: 'Apples and oranges',
  caption: 'total = (apple × apple count + orange × orange count) × tax: the + node passes its gradient to both branches unchanged.',
  fields: [
    { key: 'apple', label: 'apple price', initial: 100 },
    { key: 'appleCount', label: 'apple count', initial: 2 },
    { key: 'orange', label: 'orange price', initial: 150 },
    { key: 'orangeCount', label: 'orange count', initial: 3 },
    { key: 'tax', label: 'tax', initial: 1.1 },
  ],
  build: (v) => {
    const apples = scalar('apple', num(v, 'apple')).mul(scalar('apple count', num(v, 'appleCount')));
    const oranges = scalar('orange', num(v, 'orange')).mul(scalar('orange count', num(v, 'orangeCount')));
    return apples.add(oranges).mul(scalar('tax', num(v, 'tax'))).named('total');
  },
};

const SAMPLES = 2;
const FEATURES = 3;
const HIDDEN = 4;
const CLASSES = 3;

function oneHot(classes: readonly number[], width: number): number[][] {
  return classes.map((c) => Array.from({ length: width }, (_, j) => (j === c ? 1 : 0)));
}

const twoLayerNet: Scenario = {
  id: 'two-layer',
  title: 'Two-layer net',
  caption:
    `A batch of ${SAMPLES} samples with ${FEATURES} features through Z1 = X·W1 + b1, H = f(Z1), A = H·W2 + b2, ` +
    `then softmaxCrossEntropy against the one-hot targets Y. Matrices are labelled by shape; hover or tap a node for its numbers.`,
  fields: [
    ...Array.from({ length: SAMPLES }, (_, i) =>
      Array.from({ length: FEATURES }, (_, j): Field => ({
        key: `x${i}${j}`,
        label: `X[${i}][${j}]`,
        initial: [
          [1, 0.5, -1],
          [-0.5, 2, 0.25],
        ][i]![j]!,
        row: `X row ${i}`,
      })),
    ).flat(),
    ...Array.from({ length: SAMPLES }, (_, i): Field => ({
      key: `y${i}`,
      label: `class of row ${i}`,
      initial: i,
      integer: true,
      min: 0,
      max: CLASSES - 1,
      row: 'targets',
    })),
    { key: 'activation', label: 'activation f', initial: 'sigmoid', options: ['sigmoid', 'relu'], row: 'weights' },
    { key: 'seed', label: 'weight seed', initial: 1, integer: true, min: 0, max: 2 ** 31 - 1, row: 'weights' },
  ],
  build: (v) => {
    const rows = Array.from({ length: SAMPLES }, (_, i) => Array.from({ length: FEATURES }, (_, j) => num(v, `x${i}${j}`)));
    const X = tensor(rows, { dtype: 'float64', name: 'X' });
    const Y = tensor(oneHot(Array.from({ length: SAMPLES }, (_, i) => num(v, `y${i}`)), CLASSES), { dtype: 'float64', name: 'Y' });
    const seed = num(v, 'seed');
    const W1 = randn([FEATURES, HIDDEN], { seed, dtype: 'float64' }).requireGrad().named('W1');
    const b1 = zeros([HIDDEN], { dtype: 'float64' }).requireGrad().named('b1');
    const W2 = randn([HIDDEN, CLASSES], { seed: seed + 1, dtype: 'float64' }).requireGrad().named('W2');
    const b2 = zeros([CLASSES], { dtype: 'float64' }).requireGrad().named('b2');
    const f = v.activation === 'relu' ? relu : sigmoid;
    const Z1 = X.matmul(W1).add(b1).named('Z1');
    const H = f(Z1).named('H');
    const A = H.matmul(W2).add(b2).named('A');
    return softmaxCrossEntropy(A, Y).named('L');
  },
};

/** The graphs of the page, in the picker's order. */
export const SCENARIOS: readonly Scenario[] = [apples, applesAndOranges, twoLayerNet, tinyConvolution];

/** Every field of `scenario` at its initial value. */
export function initialValues(scenario: Scenario): Record<string, number | string> {
  return Object.fromEntries(scenario.fields.map((f) => [f.key, f.initial]));
}

/** Turns the text of an input box into a checked value, or throws an error naming the field. */
export function parseField(field: Field, text: string): number | string {
  if (field.options !== undefined) {
    if (!field.options.includes(text)) throw new Error(`${field.label}: '${text}' is not one of ${field.options.join(', ')}`);
    return text;
  }
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) throw new Error(`${field.label}: '${text}' is not a number`);
  if (field.integer === true && !Number.isInteger(value)) throw new Error(`${field.label}: ${value} must be a whole number`);
  if ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max)) {
    throw new Error(`${field.label}: ${value} must lie in ${field.min ?? '−∞'}..${field.max ?? '∞'}`);
  }
  return value;
}

/** The graph with every value and every gradient: forward, then backward keeping all grads. */
export function evaluate(scenario: Scenario, values: FieldValues): Tensor {
  const root = scenario.build(values);
  // The graph is kept so that explainBackward can walk it again for the step-by-step table.
  root.backward({ retainGrads: true, retainGraph: true });
  return root;
}
