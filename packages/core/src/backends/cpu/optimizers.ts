import type { OptimizerHyperparameters, OptimizerRule } from '../backend.js';
import type { FloatArray, Kernels } from '../../kernels/types.js';

/** One parameter's update in place: w from its gradient g (times `scale`, the clipping
 *  factor) and its slots (velocity, running averages), as each nn optimizer documents it.
 *  Returns true where the kernel found w free of Inf and NaN afterwards. */
type Update = (w: FloatArray, g: FloatArray, slots: FloatArray[], h: OptimizerHyperparameters, matrices: Kernels) => boolean | void;

export const OPTIMIZER_UPDATES: Record<OptimizerRule, Update> = {
  sgd(w, g, _slots, { lr, weightDecay, scale }, matrices) {
    if (scale === 1 && weightDecay === 0) return matrices.axpy(-lr, g, w);
    for (let i = 0; i < w.length; i++) w[i] = w[i]! - lr * (scale * g[i]! + weightDecay * w[i]!);
  },
  momentum(w, g, [v], { lr, weightDecay, scale, momentum = 0 }) {
    for (let i = 0; i < w.length; i++) {
      const vi = momentum * v![i]! - lr * (scale * g[i]! + weightDecay * w[i]!);
      v![i] = vi;
      w[i] = w[i]! + vi;
    }
  },
  nesterov(w, g, [v], { lr, weightDecay, scale, momentum = 0 }) {
    for (let i = 0; i < w.length; i++) {
      const step = lr * (scale * g[i]! + weightDecay * w[i]!);
      const vi = momentum * v![i]! - step;
      v![i] = vi;
      w[i] = w[i]! + momentum * vi - step;
    }
  },
  adagrad(w, g, [h], { lr, weightDecay, scale, eps = 0 }) {
    for (let i = 0; i < w.length; i++) {
      const gi = scale * g[i]! + weightDecay * w[i]!;
      const hi = h![i]! + gi * gi;
      h![i] = hi;
      w[i] = w[i]! - (lr * gi) / (Math.sqrt(hi) + eps);
    }
  },
  rmsprop(w, g, [h], { lr, weightDecay, scale, rho = 0, eps = 0 }) {
    for (let i = 0; i < w.length; i++) {
      const gi = scale * g[i]! + weightDecay * w[i]!;
      const hi = rho * h![i]! + (1 - rho) * gi * gi;
      h![i] = hi;
      w[i] = w[i]! - (lr * gi) / (Math.sqrt(hi) + eps);
    }
  },
  adam: (w, g, slots, h) => adamStep(w, g, slots, h, false),
  adamw: (w, g, slots, h) => adamStep(w, g, slots, h, true),
};

/** Adam's step; AdamW decays the weights directly instead of adding λ·w to the gradient. */
function adamStep(w: FloatArray, g: FloatArray, [m, v]: FloatArray[], h: OptimizerHyperparameters, decoupled: boolean): void {
  const { lr, weightDecay, scale, step, beta1 = 0, beta2 = 0, eps = 0 } = h;
  const l2 = decoupled ? 0 : weightDecay;
  const shrink = decoupled ? 1 - lr * weightDecay : 1;
  const c1 = 1 - beta1 ** step;
  const c2 = 1 - beta2 ** step;
  for (let i = 0; i < w.length; i++) {
    const gi = scale * g[i]! + l2 * w[i]!;
    const mi = beta1 * m![i]! + (1 - beta1) * gi;
    const vi = beta2 * v![i]! + (1 - beta2) * gi * gi;
    m![i] = mi;
    v![i] = vi;
    w[i] = w[i]! * shrink - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
  }
}
