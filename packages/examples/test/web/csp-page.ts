// A page that imports core and nn and trains a small MLP: bundled by the CSP test and served
// under `script-src 'self' 'wasm-unsafe-eval'`, where anything compiled from a string fails.
import { getBackend, jsKernels, ready } from '@matgrad/core';
import { Adam, DataLoader, evaluate, fit, MLP, spiral } from '@matgrad/nn';

async function main(): Promise<void> {
  await ready();
  const data = spiral({ pointsPerClass: 40, classes: 3, seed: 1, dtype: 'float32' });
  const model = new MLP({ sizes: [2, 32, 3], activation: 'relu', seed: 1, dtype: 'float32' });
  const history = fit(model, new DataLoader(data, { batchSize: 30, shuffle: true, seed: 2 }), { epochs: 60, optimizer: new Adam(model, { lr: 0.02 }) });
  const result = evaluate(model, new DataLoader(data, { batchSize: 120 }));
  // The wasm backend falls back to the JavaScript products only if its module failed to compile.
  const compiled = (getBackend() as { matrices?: unknown }).matrices !== jsKernels;
  document.body.dataset.result = JSON.stringify({ backend: getBackend().name, compiled, firstLoss: history[0]!.loss, accuracy: result.accuracy });
}

main().catch((e: unknown) => {
  document.body.dataset.error = String(e);
});
