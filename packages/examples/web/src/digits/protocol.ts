import type { DigitsConfig, DigitsProgress } from './trainer.js';

/** What the page asks the digits worker. */
export type DigitsRequest =
  | { type: 'load'; url: string; config: DigitsConfig }
  | { type: 'reset'; config: DigitsConfig }
  /** Train until `epochs` epochs are done in all (counting those already done). */
  | { type: 'start'; epochs: number }
  | { type: 'pause' }
  | { type: 'predict'; pixels: Float32Array };

/** What the digits worker tells the page. */
export type DigitsReport =
  | { type: 'loaded'; train: number; test: number }
  /** `testAccuracy` is measured at the start, at each epoch's end and when training stops; null otherwise. */
  | { type: 'progress'; progress: DigitsProgress; testAccuracy: number | null; running: boolean }
  | { type: 'prediction'; probabilities: Float32Array }
  /** Where the net trains: 'webgpu', or the CPU backend, with why WebGPU is not used when asked for. */
  | { type: 'backend'; name: string; note: string | null }
  | { type: 'error'; message: string };
