import { deriveRule, ruleHeading, ruleNames } from './derive-rule.js';

/** docs/derivations.md, generated from the derivations and the ops' twins (a test keeps it fresh). */
export function derivationsMarkdown(): string {
  const names = ruleNames();
  return [
    '# matgrad: each backward rule derived in index notation',
    '',
    'Generated from the code by `pnpm docs:derivations`. Each derivation follows the notes the project grew from:',
    'write the forward element by element, expand ∂L/∂(an input element) by the chain rule over every output element,',
    'keep the terms that survive, and read off the matrix identity. The matrix form at the end of each derivation is',
    "rendered from the op's structured twin, which the tests evaluate against the op's own backward rule.",
    'C is an op\'s output, dC = ∂L/∂C arrives from upstream; `deriveRule(name)` prints any of them.',
    '',
    names.map((name) => `- [${name}](#${anchor(name)})`).join('\n'),
    '',
    ...names.map((name) => deriveRule(name).toMarkdown()),
  ].join('\n');
}

/** GitHub's heading anchors: lower case, spaces to dashes, other punctuation dropped. */
function anchor(name: string): string {
  return ruleHeading(deriveRule(name))
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}
