import { trainCommand } from '../cli/train.js';
import { runCommand } from '../cli/command.js';

await runCommand('train', async (argv) => {
  await trainCommand(argv);
});
