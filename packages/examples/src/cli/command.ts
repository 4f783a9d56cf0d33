import { isAbsolute, relative, resolve, sep } from 'node:path';

/** A mistake on the command line: reported with a hint to --help, exit code 2. */
export class UsageError extends Error {}

/** Runs node:util parseArgs (given as `parse`) and turns its errors into UsageErrors. A leading
 *  `--` is dropped: `pnpm train -- --epochs 2` passes it along. */
export function parseCommandLine<T>(argv: readonly string[], parse: (args: string[]) => T): T {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  try {
    return parse(args);
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) throw new UsageError((error as Error).message);
    throw error;
  }
}

/**
 * A path the user typed, or a default, is meant relative to the folder they ran the command in:
 * pnpm runs package scripts in the package's folder but keeps the caller's folder in INIT_CWD.
 */
export function userPath(path: string): string {
  return isAbsolute(path) ? path : resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

/** A written file as the user finds it: relative to their folder when inside it, else absolute. */
export function displayPath(path: string): string {
  const rel = relative(userPath('.'), path);
  return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? path : rel;
}

/** Runs a command's main, printing errors as one line (usage errors with a hint) and setting the exit code. */
export async function runCommand(name: string, main: (argv: readonly string[]) => Promise<void>): Promise<void> {
  try {
    await main(process.argv.slice(2));
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // Library errors name their function; one that already names this command needs no second prefix.
    const message = text.startsWith(`${name}: `) ? text.slice(name.length + 2) : text;
    if (error instanceof UsageError) {
      process.stderr.write(`${name}: ${message}\nRun '${name} --help' for the options.\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`${name}: ${message}\n`);
      process.exitCode = 1;
    }
  }
}
