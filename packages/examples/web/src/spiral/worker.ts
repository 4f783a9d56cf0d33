/// <reference lib="webworker" />
import { TimeSlicer } from '../train/slicer.js';
import type { SpiralReport, SpiralRequest } from './protocol.js';
import { SpiralTrainer } from './trainer.js';

/** Grid cells per side of the painted decision regions. */
const REGION_SIZE = 64;

const scope = self as unknown as DedicatedWorkerGlobalScope;
let trainer: SpiralTrainer | undefined;

function post(report: SpiralReport, transfer: Transferable[] = []): void {
  scope.postMessage(report, transfer);
}

function report(): void {
  if (trainer === undefined) return;
  const regions = trainer.regions(REGION_SIZE);
  post({ type: 'progress', score: trainer.score(), size: REGION_SIZE, regions, running: slicer.running }, [regions.buffer]);
}

const slicer = new TimeSlicer(
  () => {
    trainer!.step();
    return true;
  },
  report,
);

function handle(request: SpiralRequest): void {
  switch (request.type) {
    case 'reset': {
      slicer.pause();
      trainer = new SpiralTrainer(request.config);
      const { xy, labels } = trainer.points();
      post({ type: 'points', xy, labels }, [xy.buffer, labels.buffer]);
      report();
      return;
    }
    case 'start':
      if (trainer === undefined) throw new Error('spiral worker: start before reset');
      slicer.start();
      return;
    case 'pause':
      slicer.pause();
      report();
      return;
    case 'lr':
      if (trainer === undefined) throw new Error('spiral worker: lr before reset');
      trainer.lr = request.lr;
      return;
    case 'pace':
      slicer.maxPerSlice = request.stepsPerSlice;
      return;
  }
}

scope.addEventListener('message', (event: MessageEvent<SpiralRequest>) => {
  try {
    handle(event.data);
  } catch (e) {
    slicer.pause();
    post({ type: 'error', message: (e as Error).message });
  }
});
scope.addEventListener('error', (event) => post({ type: 'error', message: event.message }));
