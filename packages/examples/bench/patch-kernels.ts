// `npx tsx --conditions=source packages/examples/bench/patch-kernels.ts`: im2col and col2im on
// the CNN's two layers (batch 100, float32) on the js backend (JavaScript loops) and the wasm
// backend (WebAssembly, copies into and out of its memory included), in CPU milliseconds per
// call: whether the WebAssembly kernels pay.
import { col2im, im2col, randn, setBackend, tidy } from '@matgrad/core';

function cpuMsPerCall(run: () => void): number {
  for (let i = 0; i < 10; i++) run();
  const start = process.cpuUsage();
  for (let i = 0; i < 80; i++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 80 / 1000;
}

const LAYERS = [
  { name: 'conv1', shape: [100, 1, 28, 28], padding: 2 },
  { name: 'conv2', shape: [100, 6, 14, 14], padding: 0 },
];
for (const { name, shape, padding } of LAYERS) {
  const cells: string[] = [];
  for (const backend of ['js', 'wasm']) {
    setBackend(backend);
    const x = randn(shape, { seed: 1, dtype: 'float32' });
    const col = im2col(x, 5, { padding });
    const forward = cpuMsPerCall(() => tidy(() => void im2col(x, 5, { padding })));
    const back = cpuMsPerCall(() => tidy(() => void col2im(col, shape, 5, { padding })));
    cells.push(`${backend}: im2col ${forward.toFixed(2)} ms, col2im ${back.toFixed(2)} ms`);
  }
  console.log(`${name} [${shape.join(',')}] 5×5 padding ${padding}: ${cells.join('; ')}`);
}
