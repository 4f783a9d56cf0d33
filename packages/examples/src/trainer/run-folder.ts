import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { userPath } from '../cli/command.js';
import { WEIGHTS_FILE } from './model-file.js';

/** Where runs go unless `--out` says otherwise. */
export const RUNS_FOLDER = 'runs';

/** 2025-01-31T14-05-09: sortable, and without the colons some file systems refuse. */
export function timestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/:/g, '-');
}

/** The folder `out` (created if needed), or a new runs/<timestamp>/ that no other run has taken. */
export async function createRunFolder(out: string | null, now = new Date(), runs = userPath(RUNS_FOLDER)): Promise<string> {
  if (out !== null) {
    const folder = userPath(out);
    await makeFolder(folder);
    return folder;
  }
  await makeFolder(runs);
  const stamp = timestamp(now);
  for (let attempt = 1; ; attempt++) {
    const folder = join(runs, attempt === 1 ? stamp : `${stamp}-${attempt}`);
    try {
      // Not recursive: it fails when a run started in the same second already has this name.
      await mkdir(folder);
      return folder;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

async function makeFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true }).catch((error: Error) => {
    throw new Error(`train: cannot create the run folder ${folder}: ${error.message}`, { cause: error });
  });
}

/** The run folder under runs/ whose weights were saved last; null when there is none. */
export async function latestRun(runs = userPath(RUNS_FOLDER)): Promise<string | null> {
  const entries = await readdir(runs, { withFileTypes: true }).catch(() => []);
  let latest: { folder: string; time: number } | null = null;
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const folder = join(runs, entry.name);
    const saved = await stat(join(folder, WEIGHTS_FILE)).catch(() => null);
    if (saved !== null && (latest === null || saved.mtimeMs > latest.time)) latest = { folder, time: saved.mtimeMs };
  }
  return latest?.folder ?? null;
}
