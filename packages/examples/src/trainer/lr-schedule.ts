import type { Schedule } from './options.js';

/** The learning rate of epoch `epoch` (from 1) of `epochs`: cosine falls from lr towards 0. */
export function scheduledLr(schedule: Schedule, lr: number, epoch: number, epochs: number): number {
  return schedule === 'constant' ? lr : 0.5 * lr * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs));
}
