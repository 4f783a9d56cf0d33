import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { derivationsMarkdown } from '../src/index.js';

const target = fileURLToPath(new URL('../../../docs/derivations.md', import.meta.url));
writeFileSync(target, derivationsMarkdown());
console.log(`wrote ${target}`);
