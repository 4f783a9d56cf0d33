import { parseArgs } from 'node:util';
import { loadMnistSplit } from '../data/mnist.js';
import { graphFigures, writeGraphFigures } from '../figures/graphs.js';
import { displayPath, parseCommandLine, userPath } from './command.js';

const HELP = `Usage: graph [--out DIR]

Draws computational graphs after a backward pass, in the style of the seeds: each forward value
above its blue arrow, each gradient below its red returning arrow. Writes SVG and PNG:
  apple          2 apples at 100, tax 1.1
  apple-orange   2 apples at 100 and 3 oranges at 150, tax 1.1
  mlp            the 784-50-10 ReLU net after one batch of 100 MNIST digits (drawn top to bottom)
  conv           one convolution layer, Y = W·col(X) + b on a 4×4 image, each op with its identity

Options:
  -o, --out DIR  output folder (default runs/graphs)
  -h, --help     show this help
`;

/** The `graph` command: draws the figures into `--out` (runs/graphs) and returns the files written. */
export async function graphCommand(argv: readonly string[], log: (line: string) => void = console.log): Promise<string[]> {
  const { values } = parseCommandLine(argv, (args) =>
    parseArgs({
      args,
      strict: true,
      options: {
        out: { type: 'string', short: 'o', default: 'runs/graphs' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    log(HELP.trimEnd());
    return [];
  }
  const folder = userPath(values.out);
  const written = await writeGraphFigures(graphFigures(loadMnistSplit().train), folder);
  const files = written.flatMap((w) => [w.svgPath, w.pngPath]);
  for (const file of files) log(`wrote ${displayPath(file)}`);
  return files;
}
