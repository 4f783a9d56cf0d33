import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rulesMarkdown } from '../src/index.js';

const target = fileURLToPath(new URL('../../../docs/rules.md', import.meta.url));
writeFileSync(target, rulesMarkdown());
console.log(`wrote ${target}`);
