import { workedExamplesText } from '../worked/index.js';

process.stdout.write(`${workedExamplesText()}\n`);
