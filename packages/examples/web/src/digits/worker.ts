/// <reference lib="webworker" />
import { backendNames, createWebGpuBackend, getBackend, setBackend } from '@matgrad/core';
import { TimeSlicer } from '../train/slicer.js';
import { unpackDigitsFile, type PackedDigits } from './format.js';
import type { DigitsReport, DigitsRequest } from './protocol.js';
import { DigitsTrainer } from './trainer.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let data: PackedDigits | undefined;
let trainer: DigitsTrainer | undefined;
let targetSteps = 0;
/** Whether the trainer's tensors live on the GPU (values then come back through promises). */
let onGpu = false;
/** The CPU backend the worker started on, for when WebGPU is not asked for or not there. */
const cpuBackend = getBackend().name;
let webgpuFailure: string | null = null;
/** Epochs completed when the held-out accuracy was last measured. */
let measuredAt = -1;

function post(report: DigitsReport, transfer: Transferable[] = []): void {
  scope.postMessage(report, transfer);
}

function loaded(): DigitsTrainer {
  if (trainer === undefined) throw new Error('digits worker: the digits are not loaded yet');
  return trainer;
}

async function report(): Promise<void> {
  const t = loaded();
  const progress = t.progress();
  const epochsDone = Math.floor(progress.epoch);
  const measure = epochsDone !== measuredAt || !slicer.running;
  if (measure) measuredAt = epochsDone;
  const testAccuracy = measure ? (onGpu ? await t.testAccuracyAsync() : t.testAccuracy()) : null;
  post({ type: 'progress', progress, testAccuracy, running: slicer.running });
}

const slicer = new TimeSlicer(
  () => {
    const t = loaded();
    if (onGpu) return t.stepAsync().then(() => t.training.steps < targetSteps);
    t.step();
    return t.training.steps < targetSteps;
  },
  () => void report().catch((e: unknown) => post({ type: 'error', message: (e as Error).message })),
);

/** Makes the backend the config asks for current: WebGPU (created once) where the browser has
 *  it, else the CPU backend; tells the page which one it is. */
async function useBackend(webgpu: boolean): Promise<void> {
  if (webgpu && webgpuFailure === null && !backendNames().includes('webgpu')) {
    try {
      await createWebGpuBackend();
    } catch (e) {
      webgpuFailure = (e as Error).message;
    }
  }
  onGpu = webgpu && webgpuFailure === null;
  setBackend(onGpu ? 'webgpu' : cpuBackend);
  post({ type: 'backend', name: getBackend().name, note: webgpu && !onGpu ? webgpuFailure : null });
}

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
      await useBackend(request.config.webgpu);
      trainer = new DigitsTrainer(data, request.config);
      measuredAt = -1;
      await report();
      return;
    case 'start': {
      const t = loaded();
      if (!Number.isInteger(request.epochs) || request.epochs < 1) throw new RangeError(`digits worker: epochs must be a positive integer, got ${request.epochs}`);
      targetSteps = request.epochs * t.stepsPerEpoch;
      if (t.training.steps < targetSteps) slicer.start();
      else await report();
      return;
    }
    case 'pause':
      slicer.pause();
      if (trainer !== undefined) await report();
      return;
    case 'predict': {
      const t = loaded();
      const probabilities = onGpu ? await t.predictAsync(request.pixels) : t.predict(request.pixels);
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
