import { composed, defineComposite } from '../composite.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, sub } from './arithmetic.js';
import { sqrt } from './elementwise.js';
import { mean } from './reduce.js';

const layerNormComposite = defineComposite({
  name: 'layerNorm',
  forward: 'Y = γ∘(X − μ)/√(σ² + ε) + β, μ and σ² over the last axes of each sample',
  composition: 'mean → sub → square → mean → + ε → sqrt → div, then ∘ γ + β',
  identity: 'dX = (dX̂ − mean(dX̂) − X̂∘mean(dX̂∘X̂))/√(σ² + ε) with dX̂ = dY∘γ; dγ = Σ dY∘X̂, dβ = Σ dY over the other axes',
});

/** Layer normalization over the trailing axes `normalizedShape` (PyTorch's layer_norm), with
 *  optional elementwise weight γ and bias β of that shape. */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.shape.length - k);
  if (k === 0 || k > x.shape.length || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new RangeError(`layerNorm: normalizedShape ${formatShape(normalizedShape)} must be the last axes of the input ${formatShape(x.shape)}`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t !== null && formatShape(t.shape) !== formatShape(normalizedShape)) throw new RangeError(`layerNorm: ${name} has shape ${formatShape(t.shape)}, expected ${formatShape(normalizedShape)}`);
  }
  if (!(eps > 0)) throw new RangeError(`layerNorm: eps must be positive, got ${eps}`);
  const axes = normalizedShape.map((_, i) => x.shape.length - k + i);
  const inputs = [x, ...(weight === null ? [] : [weight]), ...(bias === null ? [] : [bias])];
  return composed(layerNormComposite, inputs, () => {
    const centered = sub(x, mean(x, axes, true));
    const normalized = div(centered, sqrt(add(mean(mul(centered, centered), axes, true), eps)));
    const scaled = weight === null ? normalized : mul(normalized, weight);
    return bias === null ? scaled : add(scaled, bias);
  });
}
