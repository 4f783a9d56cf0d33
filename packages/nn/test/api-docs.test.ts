import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApiDocs } from '../../../scripts/api-docs.js';

describe('the API reference (pnpm docs:api)', () => {
  it('builds from the doc comments without a warning: every export of nn documented, every link resolved', async () => {
    const out = await mkdtemp(join(tmpdir(), 'matgrad-api-'));
    try {
      expect(await buildApiDocs({ out })).toEqual([]);
      const page = await readFile(join(out, 'functions', '_matgrad_nn._matgrad_nn.fromSafetensors.html'), 'utf8');
      expect(page).toContain('Loads safetensors bytes into a module');
      expect(page).toMatch(/Example[\s\S]*pytorch/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 120_000);
});
