import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium, launchChromium } from './web/chromium.js';
import { buildAndServePlayground, type ServedPlayground } from './web/serve.js';

/** Screenshots land in the workspace's gitignored .vitest folder. */
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '../../../.vitest/playground');

let served: ServedPlayground | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  const installSeconds = ensureChromium();
  if (installSeconds > 0) console.log(`playground e2e: installed Debian's chromium in ${installSeconds.toFixed(1)} s`);
  served = await buildAndServePlayground();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`);
  });
  await page.goto(served.url);
  await page.waitForSelector('#graphs[data-drawn] .graph-host svg');
  expect(errors).toEqual([]);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

/** The gradients column of the inputs table, by input name. */
async function shownGradients(): Promise<Record<string, string>> {
  return page.$$eval('#graphs table.leaf-gradients tr[data-input]', (rows) =>
    Object.fromEntries(rows.map((r) => [(r as HTMLElement).dataset.input!, r.querySelector('td.gradient')!.textContent!])),
  );
}

/** The labels Graphviz drew in red (the gradients on the returning arrows), in drawing order. */
async function redLabels(): Promise<string[]> {
  return page.$$eval('#graphs .graph-host svg g.edge text[fill="#d62728"]', (texts) => texts.map((t) => t.textContent!));
}

async function redrawnAfter(action: () => Promise<void>): Promise<void> {
  const before = await page.getAttribute('#graphs', 'data-drawn');
  await action();
  await page.waitForFunction((b) => document.querySelector('#graphs')!.getAttribute('data-drawn') !== b, before);
}

describe('playground in headless Chromium', () => {
  it('shows the apples gradients and updates them when an input changes', async () => {
    expect(await shownGradients()).toEqual({ apple: '2.2', count: '110', tax: '200' });
    expect((await redLabels()).sort()).toEqual(['1', '1.1', '110', '2.2', '200']);

    await redrawnAfter(() => page.fill('#graphs input[name="count"]', '3'));
    // total = 100 × 3 × 1.1: d(apple) = count·tax, d(count) = apple·tax, d(tax) = apple·count.
    expect(await shownGradients()).toEqual({ apple: '3.3', count: '110', tax: '300' });
    expect((await redLabels()).sort()).toEqual(['1', '1.1', '110', '3.3', '300']);

    // Hovering the second × node explains the Hadamard rule with the shapes involved.
    await page.hover('#graphs svg g.node[id="tensor-4"]');
    expect(await page.textContent('#node-card .card-identity')).toBe('backward: dA = dC∘B, dB = dC∘A');
    const operands = await page.$$eval('#node-card tbody tr', (rows) => rows.map((r) => [...(r as HTMLTableRowElement).cells].map((c) => c.textContent)));
    expect(operands).toEqual([
      ['A', 'mul output', 'scalar', '300', '1.1'],
      ['B', 'tax', 'scalar', '1.1', '300'],
      ['C', 'total', 'scalar', '330', '1'],
    ]);
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'graphs.png') });
  });
});
