import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import * as core from '../src/index.js';

it("the README's ten-line example runs and prints the identities and gradients", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const imported = /import \{([^}]*)\} from '@matgrad\/core';\n/.exec(code)!;
  const names = imported[1]!.split(',').map((s) => s.trim());
  const printed: string[] = [];
  const body = code.replace(imported[0], '');
  new Function(...names, 'console', body)(...names.map((n) => (core as Record<string, unknown>)[n]), { log: (s: string) => printed.push(s) });
  expect(printed[0]).toContain('dA = dC·Bᵀ, dB = Aᵀ·dC');
  expect(printed[0]).toContain('db = 1ᵀ·dC');
  expect(printed[2]).toBe('tensor([-0.22542694,  0.599561  , -0.37413406], requiresGrad=false)'.replace(', requiresGrad=false', ''));
});
