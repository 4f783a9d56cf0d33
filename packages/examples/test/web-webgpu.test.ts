// The playground's WebGPU switch in headless Chromium, whose WebGPU runs on SwiftShader (its
// CPU Vulkan) when asked to: the digits train on the GPU, are scored there and read a drawn
// digit, and the switch takes them back to the CPU. Skipped, with the reason, where this
// Chromium offers no WebGPU adapter.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ensureChromium, launchChromium } from './web/chromium.js';
import { buildAndServePlayground, type ServedPlayground } from './web/serve.js';

let served: ServedPlayground | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  ensureChromium();
  served = await buildAndServePlayground();
  browser = await launchChromium(['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader']);
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(served.url);
  await page.waitForSelector('#digits[data-loaded="true"][data-backend] .digits-status[data-test-accuracy]', { timeout: 120_000 });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

describe('playground on WebGPU (SwiftShader in headless Chromium)', () => {
  it('trains the digits on the GPU with the switch on, reads a drawn digit, and goes back to the CPU with it off', async (ctx: TestContext) => {
    const backend = await page.getAttribute('#digits', 'data-backend');
    if (backend !== 'webgpu') ctx.skip(`this Chromium gave no WebGPU adapter: ${await page.textContent('#digits .digits-backend')}`);
    expect(await page.isVisible('#digits .webgpu-switch')).toBe(true);
    expect(await page.textContent('#digits .digits-backend')).toBe('on webgpu');
    const untrained = Number(await page.getAttribute('#digits .digits-status', 'data-test-accuracy'));
    expect(untrained).toBeGreaterThanOrEqual(0);

    await page.fill('#digits input[name="epochs"]', '1');
    await page.click('#digits button.train');
    await page.waitForFunction(() => Number(document.querySelector('#digits .digits-status')?.getAttribute('data-epoch')) >= 0.05, null, { timeout: 60_000 });
    await page.click('#digits button.pause');
    await page.waitForSelector('#digits[data-running="false"]');
    const status = (await page.textContent('#digits .digits-status'))!;
    const loss = Number(/loss ([\d.]+)/.exec(status)?.[1]);
    expect(loss).toBeGreaterThan(0);
    expect(loss).toBeLessThan(2.3);

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

    await page.uncheck('#digits input[name="webgpu"]');
    await page.waitForFunction(() => document.querySelector('#digits')?.getAttribute('data-backend') !== 'webgpu');
    expect(await page.getAttribute('#digits', 'data-backend')).toMatch(/^(wasm|js)$/);
  });
});
