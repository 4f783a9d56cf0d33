/**
 * The largest MLP that train builds and evaluate loads: 50 million parameters. In float64 that is
 * 400 MB of weights, and training holds about four times as much (gradients, and Adam's two
 * running averages), which fits a machine with a few GB to spare; MNIST needs far less (the
 * default 784-256-10 has 203,530).
 */
export const MAX_MODEL_PARAMETERS = 50_000_000;

/** Weights and biases of an MLP with these layer widths: Σ (in + 1)·out. */
export function mlpParameterCount(sizes: readonly number[]): number {
  let count = 0;
  for (let i = 0; i + 1 < sizes.length; i++) count += (sizes[i]! + 1) * sizes[i + 1]!;
  return count;
}

const formatCount = (n: number) => n.toLocaleString('en-US');

/** Why an MLP of these widths is too large, or null when it is within MAX_MODEL_PARAMETERS. */
export function modelSizeProblem(sizes: readonly number[]): string | null {
  const count = mlpParameterCount(sizes);
  if (count <= MAX_MODEL_PARAMETERS) return null;
  return (
    `a ${sizes.join('-')} MLP has ${formatCount(count)} parameters (${formatBytes(count * 8)} in float64), ` +
    `more than the limit of ${formatCount(MAX_MODEL_PARAMETERS)}`
  );
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}
