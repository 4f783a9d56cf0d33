import type { OptimizerRule } from '../../backend.js';
import { ELEMENTWISE_GROUP, PRELUDE } from './common.js';

/** How many slots (velocity, running averages) each rule keeps per parameter. */
export const SLOT_COUNT: Record<OptimizerRule, number> = { sgd: 0, momentum: 1, nesterov: 1, adagrad: 1, rmsprop: 1, adam: 2, adamw: 2 };

/** Adam and AdamW differ only in l2 and shrink, which the host sets. */
const ADAM_UPDATE =
  'let gw = scale * gi + l2 * wi; let mi = b1 * s0[i] + (1.0 - b1) * gw; let vi = b2 * s1[i] + (1.0 - b2) * gw * gw; s0[i] = mi; s1[i] = vi; w[i] = wi * shrink - (lr * (mi / c1)) / (sqrt(vi / c2) + eps);';

// The updates of cpu/optimizers.ts, element by element in float32. Parameters: [n,
// gradientOffset, lr, weightDecay, scale, momentum, rho, eps, beta1, beta2, c1, c2, shrink, l2].
const UPDATES: Record<OptimizerRule, string> = {
  sgd: 'w[i] = wi - lr * (scale * gi + wd * wi);',
  momentum: 'let vi = mom * s0[i] - lr * (scale * gi + wd * wi); s0[i] = vi; w[i] = wi + vi;',
  nesterov: 'let step = lr * (scale * gi + wd * wi); let vi = mom * s0[i] - step; s0[i] = vi; w[i] = wi + mom * vi - step;',
  adagrad: 'let gw = scale * gi + wd * wi; let hi = s0[i] + gw * gw; s0[i] = hi; w[i] = wi - (lr * gw) / (sqrt(hi) + eps);',
  rmsprop: 'let gw = scale * gi + wd * wi; let hi = rho * s0[i] + (1.0 - rho) * gw * gw; s0[i] = hi; w[i] = wi - (lr * gw) / (sqrt(hi) + eps);',
  adam: ADAM_UPDATE,
  adamw: ADAM_UPDATE,
};

export function optimizerShader(rule: OptimizerRule): string {
  const slots = Array.from({ length: SLOT_COUNT[rule] }, (_, k) => `@group(0) @binding(${3 + k}) var<storage, read_write> s${k}: array<f32>;`).join('\n');
  return `${PRELUDE}
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
${slots}
@compute @workgroup_size(${ELEMENTWISE_GROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = linearId(wid, nwg, lid, ${ELEMENTWISE_GROUP}u);
  if (i >= p[0]) { return; }
  let lr = pf(2u); let wd = pf(3u); let scale = pf(4u); let mom = pf(5u); let rho = pf(6u); let eps = pf(7u);
  let b1 = pf(8u); let b2 = pf(9u); let c1 = pf(10u); let c2 = pf(11u); let shrink = pf(12u); let l2 = pf(13u);
  let wi = w[i];
  let gi = g[p[1] + i];
  ${UPDATES[rule]}
}`;
}
