import { composites } from './composite.js';
import { rules } from './op.js';

/** docs/rules.md, generated from the rules declared beside each op (a test keeps it fresh). */
export function rulesMarkdown(): string {
  const escape = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = rules().map((r) => `| ${escape(r.op)} | ${escape(r.forward)} | ${escape(r.backward)} |`);
  const composedRows = composites().map((c) => `| ${escape(c.name)} | ${escape(c.forward)} | ${escape(c.composition)} | ${escape(c.identity)} |`);
  return [
    '# matgrad backward rules',
    '',
    'Generated from the code by `pnpm docs:rules` (each op declares its rule beside its forward).',
    'C is an op\'s output, dC = ∂L/∂C arrives from upstream.',
    '',
    '| op | forward | backward (matrix identity) |',
    '|---|---|---|',
    ...rows,
    '',
    '## Composite ops',
    '',
    'These have no rule of their own: they are written with the ops above, and backward runs',
    'through the parts\' rules. `explainBackward` and `toDot` show which steps belong to each call.',
    'The last column is what the parts\' rules add up to.',
    '',
    '| op | forward | composed of | backward (from the parts) |',
    '|---|---|---|---|',
    ...composedRows,
    '',
  ].join('\n');
}
