/** A learning rate per epoch (epochs counted from 1); `fit` sets it before each epoch. */
export type LrSchedule = (epoch: number) => number;

function checkPositive(who: string, values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new RangeError(`${who}: ${name} must be a finite number > 0, got ${String(value)}`);
    }
  }
}

/** The same learning rate `lr` (finite, > 0) every epoch. */
export function constantLr(lr: number): LrSchedule {
  checkPositive('constantLr', { lr });
  return () => lr;
}

/** Cosine annealing: lr at epoch 1, falling along half a cosine towards `minLr` after `epochs`. */
export function cosineLr({ lr, epochs, minLr = 0 }: { lr: number; epochs: number; minLr?: number }): LrSchedule {
  checkPositive('cosineLr', { lr, epochs });
  if (!(minLr >= 0 && minLr <= lr)) throw new RangeError(`cosineLr: minLr must be in [0, lr = ${lr}], got ${minLr}`);
  return (epoch) => minLr + 0.5 * (lr - minLr) * (1 + Math.cos((Math.PI * (Math.min(epoch, epochs + 1) - 1)) / epochs));
}

/** Step decay: lr multiplied by `gamma` every `every` epochs. */
export function stepLr({ lr, every, gamma }: { lr: number; every: number; gamma: number }): LrSchedule {
  checkPositive('stepLr', { lr, every, gamma });
  return (epoch) => lr * gamma ** Math.floor((epoch - 1) / every);
}

/** Exponential decay: lr·gammaᵉᵖᵒᶜʰ⁻¹. */
export function exponentialLr({ lr, gamma }: { lr: number; gamma: number }): LrSchedule {
  checkPositive('exponentialLr', { lr, gamma });
  return (epoch) => lr * gamma ** (epoch - 1);
}
