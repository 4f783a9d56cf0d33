import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium, launchChromium } from './web/chromium.js';

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";

let server: Server;
let origin: string;
let browser: Browser;

/** Serves `pages` (path → [content type, body]) with the strict policy on every response. */
async function serve(pages: Record<string, [string, string]>): Promise<void> {
  server = createServer((req, res) => {
    const page = pages[req.url ?? ''];
    res.writeHead(page ? 200 : 404, { 'Content-Type': page?.[0] ?? 'text/plain', 'Content-Security-Policy': CSP });
    res.end(page?.[1] ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  ensureChromium();
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./web/csp-page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['source'],
    write: false,
    logLevel: 'silent',
  });
  const html = (script: string) => `<!doctype html><html><body><script type="module" src="/${script}"></script></body></html>`;
  await serve({
    '/': ['text/html', html('app.js')],
    '/app.js': ['text/javascript', bundle.outputFiles[0]!.text],
    '/eval.html': ['text/html', html('eval.js')],
    '/eval.js': ['text/javascript', "try { new Function('return 1')(); document.body.dataset.result = 'evaluated'; } catch (e) { document.body.dataset.error = String(e); }"],
  });
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function open(path: string): Promise<{ result?: string; error?: string; pageErrors: string[] }> {
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${origin}${path}`);
  await page.waitForFunction(() => document.body.dataset.result !== undefined || document.body.dataset.error !== undefined, null, { timeout: 60_000 });
  const data = await page.evaluate(() => ({ ...document.body.dataset }));
  await page.close();
  return { ...data, pageErrors };
}

describe("core and nn under Content-Security-Policy: script-src 'self' 'wasm-unsafe-eval'", () => {
  it('the policy is enforced: code compiled from a string is refused', async () => {
    const { result, error } = await open('/eval.html');
    expect(result).toBeUndefined();
    expect(error).toMatch(/EvalError/);
  });

  it('imports core and nn and trains an MLP with the WebAssembly kernels, nothing evaluated from strings', async () => {
    const { result, error, pageErrors } = await open('/');
    expect(pageErrors).toEqual([]);
    expect(error).toBeUndefined();
    const { backend, compiled, firstLoss, accuracy } = JSON.parse(result!) as { backend: string; compiled: boolean; firstLoss: number; accuracy: number };
    expect(backend).toBe('wasm');
    expect(compiled).toBe(true);
    expect(firstLoss).toBeGreaterThan(0.9);
    expect(accuracy).toBeGreaterThan(0.9);
  });
});
