import { drawLineChart, type ChartPoint } from '../shared/line-chart.js';
import { element, required } from '../shared/dom.js';
import { DIGITS_FILE } from './format.js';
import { DrawingPad } from './pad.js';
import type { DigitsReport, DigitsRequest } from './protocol.js';
import { DEFAULT_DIGITS_CONFIG, DIGIT_CLASSES, type DigitsConfig } from './trainer.js';

/**
 * The digits section: a worker loads the packed MNIST digits and trains on them; the page
 * shows the loss and held-out accuracy, and predicts what is drawn on the pad.
 */
export function mountDigits(section: HTMLElement): void {
  const form = required(section, 'form.digits-controls', HTMLFormElement);
  const trainButton = required(section, 'button.train', HTMLButtonElement);
  const pauseButton = required(section, 'button.pause', HTMLButtonElement);
  const resetButton = required(section, 'button.reset', HTMLButtonElement);
  const clearButton = required(section, 'button.clear', HTMLButtonElement);
  const status = required(section, '.digits-status', HTMLElement);
  const error = required(section, '.status-error', HTMLElement);
  const lossCanvas = required(section, 'canvas.digits-loss', HTMLCanvasElement);
  const seen = required(section, 'canvas.seen', HTMLCanvasElement);
  const bars = required(section, 'ol.probabilities', HTMLOListElement);
  const gpuSwitch = required(section, '.webgpu-switch', HTMLElement);
  const backendLabel = required(section, '.digits-backend', HTMLElement);
  // Offered only where the browser has WebGPU; on by default there.
  gpuSwitch.hidden = !('gpu' in navigator);

  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  const send = (request: DigitsRequest, transfer: Transferable[] = []) => worker.postMessage(request, transfer);
  let history: ChartPoint[] = [];
  let drawn: Float32Array | null = null;
  let accuracy: number | null = null;
  let described = 'loading the digits…';

  const showError = (message: string) => {
    error.textContent = message;
    error.hidden = false;
  };
  const setRunning = (running: boolean) => {
    trainButton.disabled = running || section.dataset.loaded !== 'true';
    pauseButton.disabled = !running;
    resetButton.disabled = section.dataset.loaded !== 'true';
    section.dataset.running = String(running);
  };
  const predict = () => {
    if (drawn !== null && section.dataset.loaded === 'true') send({ type: 'predict', pixels: drawn });
  };

  const rows = Array.from({ length: DIGIT_CLASSES }, (_, digit) => {
    const row = element('li');
    const bar = element('span', 'bar');
    const value = element('span', 'value', '');
    row.append(element('span', 'digit', String(digit)), element('span', 'track'), value);
    row.querySelector('.track')!.append(bar);
    bars.append(row);
    return { row, bar, value };
  });
  const showProbabilities = (probabilities: Float32Array | null) => {
    const top = probabilities === null ? -1 : probabilities.indexOf(Math.max(...probabilities));
    rows.forEach(({ row, bar, value }, digit) => {
      const p = probabilities?.[digit] ?? 0;
      bar.style.width = `${(p * 100).toFixed(1)}%`;
      value.textContent = probabilities === null ? '' : `${(p * 100).toFixed(1)}%`;
      row.classList.toggle('top', digit === top);
    });
    if (top < 0) delete bars.dataset.top;
    else bars.dataset.top = String(top);
  };

  worker.addEventListener('message', (event: MessageEvent<DigitsReport>) => {
    const report = event.data;
    switch (report.type) {
      case 'error':
        showError(report.message);
        setRunning(false);
        return;
      case 'loaded':
        section.dataset.loaded = 'true';
        described = `${report.train} training digits, ${report.test} held out`;
        return;
      case 'prediction':
        showProbabilities(report.probabilities);
        return;
      case 'backend':
        section.dataset.backend = report.name;
        backendLabel.textContent = report.note === null ? `on ${report.name}` : `on ${report.name} (WebGPU: ${report.note})`;
        return;
      case 'progress': {
        const { progress, testAccuracy } = report;
        if (progress.steps === 0) history = [];
        if (progress.trainLoss !== null) history.push({ x: progress.epoch, y: progress.trainLoss });
        if (testAccuracy !== null) {
          accuracy = testAccuracy;
          status.dataset.testAccuracy = String(testAccuracy);
          // The net has changed: show what it now makes of the drawing.
          predict();
        }
        status.dataset.epoch = String(progress.epoch);
        const loss = history.length === 0 ? '—' : history[history.length - 1]!.y.toFixed(3);
        const acc = accuracy === null ? '—' : `${(accuracy * 100).toFixed(1)}%`;
        status.textContent = `${described} · epoch ${progress.epoch.toFixed(2)} · loss ${loss} · held-out accuracy ${acc}`;
        drawLineChart(lossCanvas, history, { xLabel: 'epochs', yLabel: 'training loss', colour: '#d62728' });
        setRunning(report.running);
        return;
      }
    }
  });
  worker.addEventListener('error', (event) => showError(`digits worker: ${event.message}`));

  const pad = new DrawingPad(required(section, 'canvas.pad', HTMLCanvasElement), (pixels) => {
    drawn = pixels;
    showSeen(seen, pixels);
    if (pixels === null) showProbabilities(null);
    else predict();
  });

  trainButton.addEventListener('click', () => {
    try {
      error.hidden = true;
      send({ type: 'start', epochs: readEpochs(form) });
    } catch (e) {
      showError((e as Error).message);
    }
  });
  pauseButton.addEventListener('click', () => send({ type: 'pause' }));
  resetButton.addEventListener('click', () => send({ type: 'reset', config: readConfig(form) }));
  clearButton.addEventListener('click', () => pad.clear());
  form.addEventListener('change', (event) => {
    const name = (event.target as HTMLElement).getAttribute('name');
    if (name === 'hidden' || name === 'webgpu') send({ type: 'reset', config: readConfig(form) });
  });
  form.addEventListener('submit', (e) => e.preventDefault());

  field(form, 'hidden').value = String(DEFAULT_DIGITS_CONFIG.hidden);
  status.textContent = described;
  setRunning(false);
  showProbabilities(null);
  showSeen(seen, null);
  send({ type: 'load', url: new URL(DIGITS_FILE, document.baseURI).href, config: readConfig(form) });
}

function field(form: HTMLFormElement, name: string): HTMLInputElement | HTMLSelectElement {
  const found = form.elements.namedItem(name);
  if (!(found instanceof HTMLInputElement || found instanceof HTMLSelectElement)) throw new Error(`digits: the controls have no '${name}' input`);
  return found;
}

function readConfig(form: HTMLFormElement): DigitsConfig {
  const gpu = field(form, 'webgpu') as HTMLInputElement;
  return { ...DEFAULT_DIGITS_CONFIG, hidden: Number(field(form, 'hidden').value), webgpu: 'gpu' in navigator && gpu.checked };
}

function readEpochs(form: HTMLFormElement): number {
  const text = field(form, 'epochs').value;
  const epochs = Number(text);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 50) throw new Error(`epochs: '${text}' must be a whole number from 1 to 50`);
  return epochs;
}

/** The 28×28 image the net is given, enlarged, white ink on black as in MNIST. */
function showSeen(canvas: HTMLCanvasElement, pixels: Float32Array | null): void {
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('digits: the preview canvas has no 2-D context');
  const image = new ImageData(28, 28);
  for (let i = 0; i < 28 * 28; i++) {
    const v = Math.round((pixels?.[i] ?? 0) * 255);
    image.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}
