import type { Tensor } from '@matgrad/core';

/**
 * How many rows of `output` [N, C] pick the right class (the arg-max), for targets given as
 * class indices [N] or one-hot rows [N, C]; null when accuracy does not apply (regression).
 */
export function countCorrect(output: Tensor, target: Tensor): number | null {
  if (output.shape.length !== 2 || output.shape[1]! < 2) return null;
  const [n, c] = output.shape as [number, number];
  const scores = output.values();
  const labels = target.values();
  const indexTargets = target.shape.length === 1 && target.shape[0] === n;
  const oneHotTargets = target.shape.length === 2 && target.shape[0] === n && target.shape[1] === c;
  if (!indexTargets && !oneHotTargets) return null;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const predicted = argmax(scores, i * c, c);
    const expected = indexTargets ? labels[i] : argmax(labels, i * c, c);
    if (predicted === expected) correct++;
  }
  return correct;
}

function argmax(values: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  for (let k = 1; k < length; k++) if (values[offset + k]! > values[offset + best]!) best = k;
  return best;
}

/** Sums of per-batch losses (weighted by batch size) and correct counts over an epoch. */
export class RunningScore {
  #loss = 0;
  #correct = 0;
  #count = 0;
  #hasAccuracy = true;

  add(loss: number, size: number, correct: number | null): void {
    this.#loss += loss * size;
    this.#count += size;
    if (correct === null) this.#hasAccuracy = false;
    else this.#correct += correct;
  }

  get count(): number {
    return this.#count;
  }
  get loss(): number {
    return this.#count === 0 ? NaN : this.#loss / this.#count;
  }
  get accuracy(): number | null {
    return this.#hasAccuracy && this.#count > 0 ? this.#correct / this.#count : null;
  }
}
