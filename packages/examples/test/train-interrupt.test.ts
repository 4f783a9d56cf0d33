import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const tsx = join(here, '..', '..', '..', 'node_modules', '.bin', 'tsx');

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'matgrad-interrupt-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('train: Ctrl-C while the run is written', () => {
  it('removes the unfinished temporary file, keeps the finished ones and the old weights, and says where the run folder is', async () => {
    const folder = join(root, 'run');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(folder);
    await writeFile(join(folder, 'model.safetensors'), 'weights of an earlier run');
    const child = spawn(tsx, ['--conditions=source', join(here, 'fixtures', 'interrupted-run-write.ts'), folder], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('half written')) resolve();
      });
      child.on('exit', () => reject(new Error(`the child exited before writing: ${stderr}`)));
    });
    expect((await readdir(folder)).filter((name) => name.endsWith('.tmp'))).toHaveLength(1);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain(`train: interrupted while writing the run; the run folder ${folder} holds loss.svg, model.safetensors (removed 1 unfinished temporary file)`);
    expect((await readdir(folder)).sort()).toEqual(['loss.svg', 'model.safetensors']);
    expect(await readFile(join(folder, 'model.safetensors'), 'utf8')).toBe('weights of an earlier run');
  });
});
