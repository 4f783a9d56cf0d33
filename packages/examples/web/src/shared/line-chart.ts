/** One point of a curve. */
export interface ChartPoint {
  /** Along the horizontal axis (steps, epochs). */
  x: number;
  /** The value (a loss), ≥ 0. */
  y: number;
}

/** How a chart is labelled and drawn. */
export interface ChartOptions {
  /** The horizontal axis's title. */
  xLabel: string;
  /** The vertical axis's title. */
  yLabel: string;
  /** The curve's CSS colour. */
  colour: string;
}

/** Rounds a range's step to 1, 2 or 5 times a power of ten, for tick marks a person can read. */
export function niceStep(range: number, ticks: number): number {
  if (!(range > 0)) return 1;
  const raw = range / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

/** The y axis of a chart of `points`, from 0: its top and the values of its tick marks. An
 *  empty chart (or one of zeros) spans 0 to 1, not a range near 0 whose ticks read 1e-9. */
export function yAxis(points: readonly ChartPoint[]): { max: number; ticks: number[] } {
  const highest = Math.max(0, ...points.map((p) => p.y));
  const max = highest > 0 ? highest * 1.05 : 1;
  const step = niceStep(max, 4);
  const ticks: number[] = [];
  for (let k = 0; k * step <= max * (1 + 1e-12); k++) ticks.push(Number((k * step).toPrecision(12)));
  return { max, ticks };
}

/** A tick's label: three significant digits, thousands as k. */
export function tickText(value: number): string {
  return Math.abs(value) >= 1000 ? `${value / 1000}k` : String(Number(value.toPrecision(3)));
}

/** A line chart on a canvas, starting its y axis at 0 (losses fall towards it). */
export function drawLineChart(canvas: HTMLCanvasElement, points: readonly ChartPoint[], options: ChartOptions): void {
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('drawLineChart: the canvas has no 2-D context');
  const { width, height } = fitToDevicePixels(canvas, ctx);
  const pad = { left: 48, right: 12, top: 12, bottom: 34 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const xMax = Math.max(1, ...points.map((p) => p.x));
  const { max: yMax, ticks } = yAxis(points);
  const sx = (x: number) => pad.left + (x / xMax) * plotW;
  const sy = (y: number) => pad.top + plotH - (y / yMax) * plotH;

  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px "DejaVu Sans", sans-serif';
  ctx.fillStyle = '#5b6475';
  ctx.strokeStyle = '#e3e7ee';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const y of ticks) {
    ctx.beginPath();
    ctx.moveTo(pad.left, sy(y));
    ctx.lineTo(width - pad.right, sy(y));
    ctx.stroke();
    ctx.fillText(tickText(y), pad.left - 6, sy(y));
  }
  const xStep = niceStep(xMax, 5);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let x = 0; x <= xMax; x += xStep) ctx.fillText(tickText(x), sx(x), pad.top + plotH + 4);
  ctx.fillText(options.xLabel, pad.left + plotW / 2, height - 14);
  ctx.save();
  ctx.translate(12, pad.top + plotH / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(options.yLabel, 0, -6);
  ctx.restore();

  if (points.length === 0) return;
  ctx.strokeStyle = options.colour;
  ctx.lineWidth = 2;
  ctx.beginPath();
  points.forEach((p, i) => (i === 0 ? ctx.moveTo(sx(p.x), sy(p.y)) : ctx.lineTo(sx(p.x), sy(p.y))));
  ctx.stroke();
}

/** Sizes the canvas's pixels to its CSS box times the device pixel ratio, so lines stay sharp;
 *  returns the size in CSS pixels, which the context now draws in. */
export function fitToDevicePixels(canvas: HTMLCanvasElement, ctx: CanvasRenderingContext2D): { width: number; height: number } {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { width, height };
}
