import type { Activation } from '@matgrad/nn';
import { drawLineChart, fitToDevicePixels, type ChartPoint } from '../shared/line-chart.js';
import { required } from '../shared/dom.js';
import { PAGE_OPTIMIZERS, type PageOptimizerName } from '../train/session.js';
import type { SpiralReport, SpiralRequest } from './protocol.js';
import { DEFAULT_SPIRAL_CONFIG, SPIRAL_CLASSES, VIEW_EXTENT, type SpiralConfig } from './trainer.js';

/** One colour per arm (Okabe and Ito's palette, readable with colour blindness). */
const CLASS_COLOURS: readonly [number, number, number][] = [
  [230, 159, 0],
  [0, 158, 115],
  [0, 114, 178],
];

/** A learning rate each optimizer learns the spiral with in a few thousand steps. */
const DEFAULT_LR: Record<PageOptimizerName, number> = { sgd: 1, momentum: 0.1, adagrad: 0.1, rmsprop: 0.01, adam: 0.01 };

const MAX_CURVE_POINTS = 2000;

/** Steps per slice of about 40 ms for each speed: slow enough to watch, or as fast as it goes. */
const PACE: Record<string, number> = { slow: 2, medium: 10, fast: Infinity };

/**
 * The train-live section: a worker trains the MLP, this side paints what it reports (the
 * decision regions under the points, and the loss curve) and turns the controls into requests.
 */
export function mountSpiral(section: HTMLElement): void {
  const form = required(section, 'form.spiral-controls', HTMLFormElement);
  const startButton = required(section, 'button.start', HTMLButtonElement);
  const pauseButton = required(section, 'button.pause', HTMLButtonElement);
  const resetButton = required(section, 'button.reset', HTMLButtonElement);
  const regionsCanvas = required(section, 'canvas.regions', HTMLCanvasElement);
  const lossCanvas = required(section, 'canvas.loss-curve', HTMLCanvasElement);
  const status = required(section, '.spiral-status', HTMLElement);
  const error = required(section, '.status-error', HTMLElement);

  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  const send = (request: SpiralRequest) => worker.postMessage(request);
  let points: { xy: Float32Array; labels: Uint8Array } | undefined;
  let history: ChartPoint[] = [];

  const showError = (message: string) => {
    error.textContent = message;
    error.hidden = false;
  };
  const setRunning = (running: boolean) => {
    startButton.disabled = running;
    pauseButton.disabled = !running;
    section.dataset.running = String(running);
  };

  worker.addEventListener('message', (event: MessageEvent<SpiralReport>) => {
    const report = event.data;
    if (report.type === 'error') {
      showError(report.message);
      setRunning(false);
      return;
    }
    if (report.type === 'points') {
      // A new model: the worker sends its points first, so older progress is already drawn.
      points = report;
      history = [];
      return;
    }
    const { score } = report;
    if (history.length === 0 || score.steps > history[history.length - 1]!.x) history.push({ x: score.steps, y: score.loss });
    // A long run keeps every other point of its past, so redrawing stays cheap.
    if (history.length > MAX_CURVE_POINTS) history = history.filter((_, i) => i % 2 === 0 || i === history.length - 1);
    paintRegions(regionsCanvas, report.size, report.regions, points);
    drawLineChart(lossCanvas, history, { xLabel: 'training steps (mini-batches of 50)', yLabel: 'loss', colour: '#d62728' });
    status.textContent = `step ${score.steps} · epoch ${score.epochs} · loss ${score.loss.toFixed(4)} · accuracy ${(score.accuracy * 100).toFixed(1)}%`;
    status.dataset.steps = String(score.steps);
    status.dataset.loss = String(score.loss);
    if (score.steps === 0) status.dataset.initialLoss = String(score.loss);
    setRunning(report.running);
  });
  worker.addEventListener('error', (event) => showError(`spiral worker: ${event.message}`));

  const reset = () => {
    let config: SpiralConfig;
    try {
      config = readConfig(form);
    } catch (e) {
      showError((e as Error).message);
      return;
    }
    error.hidden = true;
    send({ type: 'reset', config });
    send({ type: 'pace', stepsPerSlice: PACE[field(form, 'pace').value] ?? Infinity });
  };

  form.addEventListener('change', (event) => {
    const name = (event.target as HTMLInputElement | HTMLSelectElement).name;
    if (name === 'pace') {
      send({ type: 'pace', stepsPerSlice: PACE[field(form, 'pace').value] ?? Infinity });
      return;
    }
    if (name === 'lr') {
      try {
        send({ type: 'lr', lr: readLearningRate(form) });
        error.hidden = true;
      } catch (e) {
        showError((e as Error).message);
      }
      return;
    }
    if (name === 'optimizer') field(form, 'lr').value = String(DEFAULT_LR[field(form, 'optimizer').value as PageOptimizerName]);
    reset();
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  startButton.addEventListener('click', () => send({ type: 'start' }));
  pauseButton.addEventListener('click', () => send({ type: 'pause' }));
  resetButton.addEventListener('click', reset);

  field(form, 'hidden').value = String(DEFAULT_SPIRAL_CONFIG.hidden);
  field(form, 'layers').value = String(DEFAULT_SPIRAL_CONFIG.layers);
  field(form, 'activation').value = DEFAULT_SPIRAL_CONFIG.activation;
  field(form, 'optimizer').value = DEFAULT_SPIRAL_CONFIG.optimizer;
  field(form, 'lr').value = String(DEFAULT_SPIRAL_CONFIG.lr);
  setRunning(false);
  reset();
}

function field(form: HTMLFormElement, name: string): HTMLInputElement | HTMLSelectElement {
  const found = form.elements.namedItem(name);
  if (!(found instanceof HTMLInputElement || found instanceof HTMLSelectElement)) throw new Error(`spiral: the controls have no '${name}' input`);
  return found;
}

function readLearningRate(form: HTMLFormElement): number {
  const text = field(form, 'lr').value;
  const lr = Number(text);
  if (text.trim() === '' || !Number.isFinite(lr) || lr <= 0) throw new Error(`learning rate: '${text}' must be a positive number`);
  return lr;
}

function readOptimizer(form: HTMLFormElement): PageOptimizerName {
  const name = field(form, 'optimizer').value;
  if (!(PAGE_OPTIMIZERS as readonly string[]).includes(name)) throw new Error(`optimizer: '${name}' is not one of ${PAGE_OPTIMIZERS.join(', ')}`);
  return name as PageOptimizerName;
}

function readConfig(form: HTMLFormElement): SpiralConfig {
  return {
    ...DEFAULT_SPIRAL_CONFIG,
    hidden: Number(field(form, 'hidden').value),
    layers: Number(field(form, 'layers').value),
    activation: field(form, 'activation').value as Activation,
    optimizer: readOptimizer(form),
    lr: readLearningRate(form),
  };
}

/** Each grid cell is the classes' colours mixed by probability and washed towards white; the
 *  training points are drawn on top in their full colour. */
function paintRegions(canvas: HTMLCanvasElement, size: number, regions: Float32Array, points: { xy: Float32Array; labels: Uint8Array } | undefined): void {
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('spiral: the regions canvas has no 2-D context');
  const { width, height } = fitToDevicePixels(canvas, ctx);
  const image = new ImageData(size, size);
  for (let k = 0; k < size * size; k++) {
    let r = 0;
    let g = 0;
    let b = 0;
    for (let c = 0; c < SPIRAL_CLASSES; c++) {
      const p = regions[k * SPIRAL_CLASSES + c]!;
      r += p * CLASS_COLOURS[c]![0];
      g += p * CLASS_COLOURS[c]![1];
      b += p * CLASS_COLOURS[c]![2];
    }
    const wash = 0.6;
    image.data.set([255 - (255 - r) * wash, 255 - (255 - g) * wash, 255 - (255 - b) * wash, 255], 4 * k);
  }
  const cells = new OffscreenCanvas(size, size);
  cells.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(cells, 0, 0, width, height);
  if (points === undefined) return;
  ctx.lineWidth = 1;
  ctx.strokeStyle = 'rgb(0 0 0 / 0.6)';
  for (let i = 0; i < points.labels.length; i++) {
    const x = ((points.xy[2 * i]! + VIEW_EXTENT) / (2 * VIEW_EXTENT)) * width;
    const y = ((VIEW_EXTENT - points.xy[2 * i + 1]!) / (2 * VIEW_EXTENT)) * height;
    const [r, g, b] = CLASS_COLOURS[points.labels[i]!]!;
    ctx.fillStyle = `rgb(${r} ${g} ${b})`;
    ctx.beginPath();
    ctx.arc(x, y, 3.2, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}
