import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Every module specifier reachable from `entry` through relative imports. */
function importsReachable(entry: string): { files: string[]; external: Set<string> } {
  const files: string[] = [];
  const external = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      if (spec!.startsWith('.')) pending.push(join(dirname(file), spec!.replace(/\.js$/, '.ts')));
      else external.add(spec!);
    }
  }
  return { files, external };
}

describe('the main entry point', () => {
  it('reaches no Node built-in, so browser bundles can import it (file I/O lives in @matgrad/nn/node)', () => {
    const { files, external } = importsReachable(join(src, 'index.ts'));
    expect(files.length).toBeGreaterThan(10);
    expect([...external]).toEqual(['@matgrad/core']);
    expect(files.some((f) => f.endsWith('node.ts'))).toBe(false);
  });

  it('the node entry is the one that uses node:fs', () => {
    expect([...importsReachable(join(src, 'node.ts')).external].sort()).toEqual(['@matgrad/core', 'node:crypto', 'node:fs/promises', 'node:path']);
  });
});
