import { evaluateCommand } from '../cli/evaluate.js';
import { runCommand } from '../cli/command.js';

await runCommand('evaluate', async (argv) => {
  await evaluateCommand(argv);
});
