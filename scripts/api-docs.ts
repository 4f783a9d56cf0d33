/**
 * Builds the API reference with TypeDoc (options in typedoc.config.mjs) and fails on any
 * warning or error: `pnpm docs:api [output folder]`, run by packages/nn/test/api-docs.test.ts.
 */
import { Application, ConsoleLogger, LogLevel, TSConfigReader, TypeDocReader, PackageJsonReader } from 'typedoc';

/** Prints as TypeDoc does and keeps every warning and error. */
class CountingLogger extends ConsoleLogger {
  readonly problems: string[] = [];

  override log(message: string, level: Exclude<LogLevel, LogLevel.None>): void {
    if (level >= LogLevel.Warn) this.problems.push(message);
    super.log(message, level);
  }
}

/** Builds the reference into `out` (default: typedoc.config.mjs's, docs/api) and returns the
 *  warnings and errors; `emit: false` checks without writing the pages. */
export async function buildApiDocs(options: { out?: string; emit?: boolean } = {}): Promise<string[]> {
  const app = await Application.bootstrapWithPlugins(
    { ...(options.out === undefined ? {} : { out: options.out }), ...(options.emit === false ? { emit: 'none' as const } : {}) },
    [new TypeDocReader(), new PackageJsonReader(), new TSConfigReader()],
  );
  const logger = new CountingLogger();
  logger.level = LogLevel.Warn;
  app.logger = logger;
  const project = await app.convert();
  if (project === undefined) return [...logger.problems, 'api-docs: TypeDoc could not convert the packages'];
  app.validate(project);
  if (options.emit !== false) await app.generateOutputs(project);
  return logger.problems;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const problems = await buildApiDocs({ out: process.argv[2] });
  if (problems.length > 0) {
    process.stderr.write(`api-docs: ${problems.length} warning(s) or error(s); the reference must build without any\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write('api-docs: built without warnings\n');
  }
}
