import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium: Playwright's own browser download cannot reach its servers from here. */
export const CHROMIUM = '/usr/bin/chromium';

/** Installs Debian's chromium with apt-get when it is missing (a fresh CI machine); returns the
 *  seconds the install took, 0 when it was already there. */
export function ensureChromium(): number {
  if (existsSync(CHROMIUM)) return 0;
  if (process.getuid?.() !== 0) {
    throw new Error(`playground e2e: ${CHROMIUM} is missing and apt-get needs root; install it with 'apt-get update && apt-get install -y chromium'`);
  }
  const started = performance.now();
  execFileSync('bash', ['-c', 'apt-get update -qq && apt-get install -y -qq chromium'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!existsSync(CHROMIUM)) throw new Error(`playground e2e: apt-get install chromium finished but ${CHROMIUM} is still missing`);
  return (performance.now() - started) / 1000;
}

/** Headless Chromium (Playwright gives it a fresh temporary profile), `extraArgs` added;
 *  without the background-networking flags it keeps trying to reach Google's hosts, which this
 *  machine's closed network refuses. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...extraArgs,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
