import { abandonUnfinishedFiles } from '../files/atomic-file.js';

/** The exit status of a process ended by SIGINT, as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * Runs `work` (asynchronous file writing) so that Ctrl-C (SIGINT) during it removes the
 * temporary files of unfinished writes, prints `farewell()` (e.g. where the output folder is
 * and what it holds) and exits with status 130. Outside `work` SIGINT keeps its default.
 *
 * Only asynchronous work can be interrupted this way: Node runs the handler when the event
 * loop is free, so it would wait for a long synchronous computation to end.
 */
export async function withInterruptCleanup<T>(farewell: () => string, work: () => Promise<T>): Promise<T> {
  let interrupted = false;
  const onInterrupt = () => {
    if (interrupted) return;
    interrupted = true;
    void abandonUnfinishedFiles().then((removed) => {
      const cleaned = removed.length === 0 ? '' : ` (removed ${removed.length} unfinished temporary file${removed.length === 1 ? '' : 's'})`;
      process.stderr.write(`\n${farewell()}${cleaned}\n`);
      process.exit(INTERRUPTED_EXIT_CODE);
    });
  };
  process.on('SIGINT', onInterrupt);
  try {
    return await work();
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
