import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AtomicFile, abandonUnfinishedFiles, FileWriteError, writeFileAtomic } from '../src/files/atomic-file.js';
import { faults, type WriteStage } from './support/failing-fs.js';

vi.mock('node:fs/promises', async (importOriginal) => (await import('./support/failing-fs.js')).withInjectedFaults(await importOriginal()));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'matgrad-atomic-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  faults.length = 0;
});

describe('AtomicFile: a failed write leaves the old file intact, no temporary file behind, and names the file', () => {
  it.each<[WriteStage, string, string]>([
    ['open', 'EACCES', 'permission denied'],
    ['write', 'ENOSPC', 'no space left on device'],
    ['sync', 'EIO', 'i/o error'],
    ['rename', 'EXDEV', 'cross-device link not permitted'],
  ])('failing in %s (%s)', async (stage, code, message) => {
    const folder = join(dir, `fail-${stage}`);
    await mkdir(folder);
    const path = join(folder, 'metrics.json');
    await writeFile(path, 'the old contents');
    faults.push({ pattern: /metrics\.json/, stage, code, message });
    const error = await writeFileAtomic(path, 'x'.repeat(100_000)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FileWriteError);
    expect((error as FileWriteError).path).toBe(path);
    expect((error as Error).message).toMatch(new RegExp(`^could not write ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${code}: ${message}, `));
    expect(await readFile(path, 'utf8')).toBe('the old contents');
    expect(await readdir(folder)).toEqual(['metrics.json']);
    expect(await abandonUnfinishedFiles()).toEqual([]);
  });

  it('reports the real error for a path under a regular file, not the cleanup\'s', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    await expect(writeFileAtomic(join(file, 'loss.png'), 'x')).rejects.toThrow(`could not write ${join(file, 'loss.png')}: ENOTDIR: not a directory, open`);
  });

  it('writes the new contents whole when nothing fails, and replaces the old file', async () => {
    const path = join(dir, 'ok.json');
    await writeFile(path, 'old');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('AtomicFile: an interrupted write is removed by abandonUnfinishedFiles', () => {
  it('removes the temporary file of every write under way, and the destination keeps its old contents', async () => {
    const path = join(dir, 'model.safetensors');
    await writeFile(path, 'old weights');
    const file = await AtomicFile.create(path);
    await file.write('half of the new wei');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toHaveLength(1);
    expect(await abandonUnfinishedFiles()).toEqual([file.temporary]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await readFile(path, 'utf8')).toBe('old weights');
    await expect(file.commit()).rejects.toThrow(FileWriteError);
    expect(await readFile(path, 'utf8')).toBe('old weights');
  });
});
