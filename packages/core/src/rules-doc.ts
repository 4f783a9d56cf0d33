import { rules } from './op.js';

/** docs/rules.md, generated from the rules declared beside each op (a test keeps it fresh). */
export function rulesMarkdown(): string {
  const escape = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = rules().map((r) => `| ${escape(r.op)} | ${escape(r.forward)} | ${escape(r.backward)} |`);
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
  ].join('\n');
}
