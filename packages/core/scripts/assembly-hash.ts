import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** SHA-256 over the AssemblyScript sources, so a stale generated module can be detected. */
export async function assemblySourceHash(coreDir: string): Promise<string> {
  const dir = join(coreDir, 'assembly');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.ts')).sort();
  const hash = createHash('sha256');
  for (const name of names) hash.update(name).update('\0').update(await readFile(join(dir, name))).update('\0');
  return hash.digest('hex');
}
