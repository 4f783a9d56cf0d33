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
  });

  it('shows the backward pass as KaTeX equations, linked to the graph, with their numbers', async () => {
    // The apples: the product apple × count has no name, so its gradient is dt1.
    await page.waitForSelector('#graphs .derivation li.equation .katex');
    expect(await page.$$eval('#graphs .derivation li.equation', (rows) => rows.map((r) => (r as HTMLElement).dataset.gradient))).toEqual(['dtax', 'dt1', 'dcount', 'dapple']);

    await redrawnAfter(() => page.click('#graphs .scenario-picker button[value="two-layer"]'));
    await page.waitForSelector('#graphs .derivation[data-equations="7"] li.equation .katex');
    const gradients = await page.$$eval('#graphs .derivation li.equation', (rows) => rows.map((r) => (r as HTMLElement).dataset.gradient));
    expect(gradients).toEqual(['Δ2', 'db2', 'dW2', 'dH', 'Δ1', 'db1', 'dW1']);
    expect(await page.$$eval('#graphs .derivation h4', (hs) => hs.map((h) => h.textContent))).toEqual(['layer 2 (output: softmax with cross-entropy)', 'layer 1 (sigmoid)']);
    // KaTeX typeset every equation (MathML beside the HTML carries the source for screen readers).
    expect(await page.$$eval('#graphs .derivation .typeset-failed', (failed) => failed.length)).toBe(0);
    expect(await page.textContent('#graphs .derivation li.equation[data-gradient="dW2"] annotation')).toBe('d\\mathbf{W}_{2} = {\\mathbf{H}}^{\\top}\\,\\boldsymbol{\\Delta}_{2}');

    // Hovering the node of Z1 (the add that makes it) highlights Δ1, the equation of its gradient.
    const deltaNodes = (await page.getAttribute('#graphs .derivation li.equation[data-gradient="Δ1"]', 'data-nodes'))!.split(' ');
    expect(deltaNodes.length).toBeGreaterThan(0);
    await page.hover(`#graphs svg g.node[id="${deltaNodes[0]}"]`);
    expect(await page.$$eval('#graphs .derivation li.equation.defines', (rows) => rows.map((r) => (r as HTMLElement).dataset.gradient))).toEqual(['Δ1']);

    // The numbers of dW1 = Xᵀ·Δ1: three matrices, the last one the gradient the table shows for W1.
    await page.click('#graphs .derivation li.equation[data-gradient="dW1"] summary');
    await page.waitForSelector('#graphs .derivation li.equation[data-gradient="dW1"] .numbers-math .katex-display');
    const matrices = await page.$$eval('#graphs .derivation li.equation[data-gradient="dW1"] .numbers-math annotation', (a) => a[0]!.textContent!.split('\\begin{bmatrix}').length - 1);
    expect(matrices).toBe(3);
    const firstGradient = (await shownGradients()).W1!.split(/[\[\],\s]+/).filter(Boolean)[0]!;
    expect(await page.textContent('#graphs .derivation li.equation[data-gradient="dW1"] .numbers-math annotation')).toContain(firstGradient);
  });

  it('trains the spiral in a worker without freezing the page, and the loss falls', async () => {
    await page.waitForSelector('#spiral .spiral-status[data-initial-loss]');
    const initial = Number(await page.getAttribute('#spiral .spiral-status', 'data-initial-loss'));
    expect(initial).toBeGreaterThan(0.9); // about ln 3 = 1.1 for an untrained net on three classes
    await page.selectOption('#spiral select[name="pace"]', 'fast');
    await page.click('#spiral button.start');
    await page.waitForSelector('#spiral[data-running="true"]');
    // The page stays responsive while the worker trains: timers on the main thread keep firing.
    const lateness = await page.evaluate(async () => {
      let worst = 0;
      for (let i = 0; i < 20; i++) {
        const asked = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 50));
        worst = Math.max(worst, performance.now() - asked - 50);
      }
      return worst;
    });
    expect(lateness).toBeLessThan(500);
    await page.waitForTimeout(2000);
    await page.click('#spiral button.pause');
    await page.waitForSelector('#spiral[data-running="false"]');
    const steps = Number(await page.getAttribute('#spiral .spiral-status', 'data-steps'));
    const loss = Number(await page.getAttribute('#spiral .spiral-status', 'data-loss'));
    console.log(`playground e2e: spiral ${steps} steps in about 3 s, loss ${initial.toFixed(3)} -> ${loss.toFixed(3)}`);
    expect(steps).toBeGreaterThan(100);
    expect(loss).toBeLessThan(initial * 0.5);
    // Paused means paused: no more steps arrive.
    await page.waitForTimeout(300);
    expect(Number(await page.getAttribute('#spiral .spiral-status', 'data-steps'))).toBe(steps);
  });

  it('trains on the MNIST digits, then reads a digit drawn with the mouse', async () => {
    await page.waitForSelector('#digits[data-loaded="true"] .digits-status[data-test-accuracy]');
    const untrained = Number(await page.getAttribute('#digits .digits-status', 'data-test-accuracy'));
    await page.fill('#digits input[name="epochs"]', '1');
    await page.click('#digits button.train');
    await page.waitForFunction(() => Number(document.querySelector('#digits .digits-status')?.getAttribute('data-epoch')) >= 1, null, { timeout: 30_000 });
    await page.waitForSelector('#digits[data-running="false"]');
    const trained = Number(await page.getAttribute('#digits .digits-status', 'data-test-accuracy'));
    console.log(`playground e2e: digits held-out accuracy ${untrained} -> ${trained} after one epoch`);
    expect(untrained).toBeLessThan(0.3);
    expect(trained).toBeGreaterThan(0.85);

    // A one: a vertical stroke down the middle of the pad.
    const pad = (await page.$('#digits canvas.pad'))!;
    await pad.scrollIntoViewIfNeeded();
    const box = (await pad.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.52, box.y + box.height * 0.15);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.48, box.y + box.height * 0.85, { steps: 12 });
    await page.mouse.up();
    await page.waitForSelector('#digits ol.probabilities[data-top]');
    const shown = await page.$$eval('#digits ol.probabilities li .value', (values) => values.map((v) => Number.parseFloat(v.textContent!)));
    expect(shown.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    expect(await page.getAttribute('#digits ol.probabilities', 'data-top')).toBe('1');
  });

  it('looks right (screenshot for a person to check)', async () => {
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'playground.png'), fullPage: true });
  });
});

describe('playground on a phone (390×844, touch)', () => {
  let phone: Page;

  beforeAll(async () => {
    const context = await browser!.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    phone = await context.newPage();
    await phone.goto(served!.url);
    await phone.waitForSelector('#graphs[data-drawn] .graph-host svg');
  }, 120_000);

  /** How far the page reaches past the right edge of the 390 px screen (0 when it fits). */
  const overflow = () => phone.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - 390);

  async function showScenario(title: string): Promise<void> {
    const before = await phone.getAttribute('#graphs', 'data-drawn');
    await phone.click(`#graphs .scenario-picker button:text-is("${title}")`);
    await phone.waitForFunction((b) => document.querySelector('#graphs')!.getAttribute('data-drawn') !== b, before);
  }

  it('no tab reaches past the screen, whichever graph is shown', async () => {
    for (const title of ['Apples', 'Apples and oranges', 'Two-layer net']) {
      await showScenario(title);
      expect(await overflow(), title).toBe(0);
    }
    for (const tab of await phone.$$eval('nav a', (links) => links.map((a) => a.getAttribute('href')!))) {
      await phone.click(`nav a[href="${tab}"]`);
      expect(await overflow(), tab).toBe(0);
    }
  });

  it('draws the two-layer graph with labels of at least 11 px, scrolling inside its box', async () => {
    await showScenario('Two-layer net');
    const sizes = await phone.$eval('#graphs .graph-host svg', (svg) => {
      const scale = svg.getBoundingClientRect().width / (svg as SVGSVGElement).viewBox.baseVal.width;
      return [...svg.querySelectorAll('text')].map((t) => Number(t.getAttribute('font-size')) * scale);
    });
    expect(sizes.length).toBeGreaterThan(20);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11);
    const host = await phone.$eval('#graphs .graph-host', (el) => ({ right: el.getBoundingClientRect().right, width: window.innerWidth }));
    expect(host.right).toBeLessThanOrEqual(host.width);
  });

  it('keeps value tables inside their box', async () => {
    await showScenario('Two-layer net');
    for (const selector of ['#graphs table.leaf-gradients', '#graphs .graph-details details']) {
      const right = await phone.$eval(selector, (el) => el.getBoundingClientRect().right);
      expect(right, selector).toBeLessThanOrEqual(390);
    }
  });

  it('opens the card of any node tapped, inside the screen', async () => {
    await showScenario('Two-layer net');
    const ids = await phone.$$eval('#graphs svg g.node.hoverable', (nodes) => nodes.map((n) => n.id));
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) {
      const node = (await phone.$(`#graphs svg g.node[id="${id}"]`))!;
      await node.scrollIntoViewIfNeeded();
      // The middle of the node's shape (a label or a point on its own otherwise); tapped
      // where a finger would, whatever lies on top.
      const shape = (await node.$(':scope > :is(ellipse, polygon, path)')) ?? (await node.$(':scope > text'))!;
      const box = (await shape.boundingBox())!;
      await phone.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
      await phone.waitForSelector('#node-card:not([hidden])');
      const card = await phone.$eval('#node-card', (el) => {
        const box = el.getBoundingClientRect();
        return { left: box.left, top: box.top, right: box.right, bottom: box.bottom, width: window.innerWidth, height: window.innerHeight, title: el.querySelector('.card-title')?.textContent };
      });
      expect(card.title, id).toBeTruthy();
      expect(card.left, id).toBeGreaterThanOrEqual(0);
      expect(card.top, id).toBeGreaterThanOrEqual(0);
      expect(card.right, id).toBeLessThanOrEqual(card.width);
      expect(card.bottom, id).toBeLessThanOrEqual(card.height);
    }
    // A tap outside closes it.
    await phone.tap('#graphs h2');
    await phone.waitForSelector('#node-card', { state: 'hidden' });
  });

  it('looks right on a phone (screenshot for a person to check)', async () => {
    await mkdir(SHOTS, { recursive: true });
    await phone.screenshot({ path: join(SHOTS, 'playground-phone.png'), fullPage: true });
  });
});

