import { graphCommand } from '../cli/graph.js';
import { runCommand } from '../cli/command.js';

await runCommand('graph', async (argv) => {
  await graphCommand(argv);
});
