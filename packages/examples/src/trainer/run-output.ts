import { readdirSync } from 'node:fs';
import { displayPath } from '../cli/command.js';
import { withInterruptCleanup } from '../cli/interrupt.js';
import { FileWriteError } from '../files/atomic-file.js';

/** The finished files in a run folder (temporary files of writes under way are not listed). */
function finishedFiles(folder: string): string {
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => !name.endsWith('.tmp'));
  } catch {
    return 'nothing readable';
  }
  return names.length === 0 ? 'nothing yet' : names.sort().join(', ');
}

/**
 * Runs the writing of a run's files (each written atomically). Ctrl-C meanwhile removes the
 * unfinished temporary files and says where the run folder is; a failed write is reported
 * with its file and what the folder holds.
 */
export async function writeRunFiles<T>(folder: string, write: () => Promise<T>): Promise<T> {
  const where = () => `the run folder ${displayPath(folder)} holds ${finishedFiles(folder)}`;
  try {
    return await withInterruptCleanup(() => `train: interrupted while writing the run; ${where()}`, write);
  } catch (error) {
    if (error instanceof FileWriteError) throw new Error(`train: ${error.message}; ${where()}`, { cause: error });
    throw error;
  }
}
