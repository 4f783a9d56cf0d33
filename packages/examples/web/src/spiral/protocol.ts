import type { SpiralConfig, SpiralScore } from './trainer.js';

/** What the page asks the spiral worker. */
export type SpiralRequest =
  | { type: 'reset'; config: SpiralConfig }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'lr'; lr: number }
  /** Training steps per slice of about 40 ms; Infinity for as many as fit. */
  | { type: 'pace'; stepsPerSlice: number };

/** What the spiral worker tells the page. */
export type SpiralReport =
  | { type: 'points'; xy: Float32Array; labels: Uint8Array }
  | { type: 'progress'; score: SpiralScore; size: number; regions: Float32Array; running: boolean }
  | { type: 'error'; message: string };
