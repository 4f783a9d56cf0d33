import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview, type PreviewServer } from 'vite';

const CONFIG = join(dirname(fileURLToPath(import.meta.url)), '../../web/vite.config.ts');

export interface ServedPlayground {
  url: string;
  close(): Promise<void>;
}

/** Builds the playground with Vite into a temporary folder (leaving web/dist alone) and serves
 *  the static files on a free localhost port, as `pnpm playground:build` would produce them. */
export async function buildAndServePlayground(): Promise<ServedPlayground> {
  const outDir = await mkdtemp(join(tmpdir(), 'matgrad-playground-'));
  await build({ configFile: CONFIG, logLevel: 'warn', build: { outDir } });
  const server: PreviewServer = await preview({
    configFile: CONFIG,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error('playground e2e: the Vite preview server reported no local address');
  return {
    url,
    close: async () => {
      await server.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
