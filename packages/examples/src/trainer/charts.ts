import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { FIGURE_FONT_FAMILY } from '../figures/render.js';

/** Vega lays text out with this font's name; the PNG step draws it with the shipped file. */
const CONFIG = {
  font: FIGURE_FONT_FAMILY,
  background: 'white',
  view: { stroke: '#bbbbbb' },
  axis: { labelFontSize: 12, titleFontSize: 13 },
  legend: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 15 },
} as const;

/** Renders a Vega-Lite spec to SVG headless (no canvas, no browser). */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One epoch of a curve: a metric on the training and on the held-out digits. */
export interface EpochPoint {
  /** Counted from 1. */
  epoch: number;
  /** On the training digits; null when not measured. */
  train: number | null;
  /** On the held-out digits; null when not measured. */
  test: number | null;
}

/** One metric per epoch, training and held-out as two lines. */
export function curveSpec(title: string, metric: string, points: readonly EpochPoint[], { percent = false } = {}): TopLevelSpec {
  const values = points.flatMap((p) => [
    ...(p.train === null ? [] : [{ epoch: p.epoch, set: 'train', value: p.train }]),
    ...(p.test === null ? [] : [{ epoch: p.epoch, set: 'test', value: p.test }]),
  ]);
  const lastEpoch = Math.max(1, ...points.map((p) => p.epoch));
  return {
    title,
    width: 480,
    height: 280,
    config: CONFIG,
    data: { values },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', scale: { domain: [1, Math.max(2, lastEpoch)], nice: false }, axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false }, axis: percent ? { format: '.1%' } : {} },
      color: {
        field: 'set',
        type: 'nominal',
        title: null,
        // The colours of the computational-graph figures: blue for training, red for held-out.
        scale: { domain: ['train', 'test'], range: ['#1f77b4', '#d62728'] },
      },
      tooltip: [{ field: 'epoch' }, { field: 'set' }, { field: 'value', format: percent ? '.2%' : '.4f' }],
    },
  };
}

/** counts[true][predicted], drawn as a heatmap with every count written in its cell. */
export function confusionSpec(counts: readonly (readonly number[])[], accuracy: number): TopLevelSpec {
  const values = counts.flatMap((row, actual) => row.map((count, predicted) => ({ actual, predicted, count })));
  const largest = Math.max(1, ...values.map((v) => v.count));
  return {
    title: `Confusion matrix on the held-out digits (accuracy ${(100 * accuracy).toFixed(2)}%)`,
    width: 400,
    height: 400,
    config: CONFIG,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', title: 'predicted digit', axis: { labelAngle: 0 } },
      y: { field: 'actual', type: 'ordinal', title: 'true digit' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          // A log-like scale, so the few mistakes show next to the large diagonal.
          color: { field: 'count', type: 'quantitative', scale: { type: 'symlog', range: ['#ffffff', '#08306b'], interpolate: 'rgb' }, title: 'digits' },
        },
      },
      {
        // Empty cells stay blank, so the mistakes stand out.
        transform: [{ filter: 'datum.count > 0' }],
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: `datum.count > ${largest / 8}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}
