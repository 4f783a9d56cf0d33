import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import * as core from '../src/index.js';

it("the README's derivation example runs and prints what the README shows", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Derivations you can run'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  const shown = /```text\n([\s\S]*?)```/.exec(section)![1]!;
  const imported = /import \{([^}]*)\} from '@matgrad\/core';\n/.exec(code)!;
  const names = imported[1]!.split(',').map((s) => s.trim());
  const printed: string[] = [];
  new Function(...names, 'console', code.replace(imported[0], ''))(...names.map((n) => (core as Record<string, unknown>)[n]), { log: (s: string) => printed.push(s) });
  expect(printed).toEqual([shown.trimEnd()]);
});
