import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';

/** Runs a TypeScript snippet that imports from @matgrad/core; returns what it logged. */
function run(snippet: string): string[] {
  const imports = /import \{([^}]*)\} from '@matgrad\/core';\n/.exec(snippet)!;
  const names = imports[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => !s.startsWith('type '));
  const { code } = transformSync(snippet.replace(imports[0], ''), { loader: 'ts' });
  const printed: string[] = [];
  const log = (...values: unknown[]) => printed.push(values.map(String).join(' '));
  new Function(...names, 'console', code)(...names.map((n) => (core as Record<string, unknown>)[n]), { log });
  return printed;
}

const guide = readFileSync(new URL('../../../docs/guide.md', import.meta.url), 'utf8');
const snippets = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/guide.md', () => {
  it('has its snippets', () => expect(snippets.length).toBe(5));
  snippets.forEach((snippet, i) => {
    it(`snippet ${i + 1} prints what its comments say`, () => {
      const expected = [...snippet.matchAll(/console\.log\(.*\); \/\/ → (.*)$/gm)].map((m) => m[1]!);
      expect(expected.length).toBeGreaterThan(0);
      expect(run(snippet)).toEqual(expected);
    });
  });
});
