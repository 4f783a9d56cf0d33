/// <reference lib="webworker" />
import { TimeSlicer } from '../train/slicer.js';
import { unpackDigitsFile, type PackedDigits } from './format.js';
import type { DigitsReport, DigitsRequest } from './protocol.js';
import { DigitsTrainer } from './trainer.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let data: PackedDigits | undefined;
let trainer: DigitsTrainer | undefined;
let targetSteps = 0;
/** Epochs completed when the held-out accuracy was last measured. */
let measuredAt = -1;

function post(report: DigitsReport, transfer: Transferable[] = []): void {
  scope.postMessage(report, transfer);
}

function loaded(): DigitsTrainer {
  if (trainer === undefined) throw new Error('digits worker: the digits are not loaded yet');
  return trainer;
}

function report(): void {
  const t = loaded();
  const progress = t.progress();
  const epochsDone = Math.floor(progress.epoch);
  const measure = epochsDone !== measuredAt || !slicer.running;
  if (measure) measuredAt = epochsDone;
  post({ type: 'progress', progress, testAccuracy: measure ? t.testAccuracy() : null, running: slicer.running });
}

const slicer = new TimeSlicer(() => {
  loaded().step();
  return loaded().training.steps < targetSteps;
}, report);

async function handle(request: DigitsRequest): Promise<void> {
  switch (request.type) {
    case 'load': {
      const response = await fetch(request.url);
      if (!response.ok) throw new Error(`digits worker: fetching ${request.url} gave HTTP ${response.status}`);
      data = await unpackDigitsFile(new Uint8Array(await response.arrayBuffer()));
      post({ type: 'loaded', train: data.train.count, test: data.test.count });
      await handle({ type: 'reset', config: request.config });
      return;
    }
    case 'reset':
      if (data === undefined) throw new Error('digits worker: reset before the digits are loaded');
      slicer.pause();
      trainer = new DigitsTrainer(data, request.config);
      measuredAt = -1;
      report();
      return;
    case 'start': {
      const t = loaded();
      if (!Number.isInteger(request.epochs) || request.epochs < 1) throw new RangeError(`digits worker: epochs must be a positive integer, got ${request.epochs}`);
      targetSteps = request.epochs * t.stepsPerEpoch;
      if (t.training.steps < targetSteps) slicer.start();
      else report();
      return;
    }
    case 'pause':
      slicer.pause();
      if (trainer !== undefined) report();
      return;
    case 'predict': {
      const probabilities = loaded().predict(request.pixels);
      post({ type: 'prediction', probabilities }, [probabilities.buffer]);
      return;
    }
  }
}

scope.addEventListener('message', (event: MessageEvent<DigitsRequest>) => {
  handle(event.data).catch((e: unknown) => {
    slicer.pause();
    post({ type: 'error', message: (e as Error).message });
  });
});
scope.addEventListener('error', (event) => post({ type: 'error', message: event.message }));
