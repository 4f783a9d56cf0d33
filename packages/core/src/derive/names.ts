/** How a tensor, a gradient or a constant is written: as Unicode text and as LaTeX. `simple`
 *  names (one symbol, maybe indexed) take a `d` prefix as they are; others are parenthesized. */
export interface MathName {
  /** As Unicode text, e.g. `W⁽¹⁾` or `W1`. */
  text: string;
  /** As LaTeX, e.g. `\mathbf{W}^{(1)}`. */
  latex: string;
  /** One symbol (maybe indexed): its gradient is written d + name, without parentheses. */
  simple: boolean;
}

/** How a layer number is attached: `W1` (digits, as names in code are written) or `W⁽¹⁾` (the notes). */
export type IndexStyle = 'digits' | 'super';

const SUPERSCRIPT_DIGITS = '⁰¹²³⁴⁵⁶⁷⁸⁹';

export function superscript(digits: string): string {
  return digits.replace(/[0-9]/g, (d) => SUPERSCRIPT_DIGITS[Number(d)]!);
}

function fromSuperscript(digits: string): string {
  return [...digits].map((d) => String(SUPERSCRIPT_DIGITS.indexOf(d))).join('');
}

const GREEK: Record<string, string> = {
  α: 'alpha', β: 'beta', γ: 'gamma', δ: 'delta', ε: 'epsilon', η: 'eta', θ: 'theta', λ: 'lambda', μ: 'mu',
  ξ: 'xi', π: 'pi', ρ: 'rho', σ: 'sigma', τ: 'tau', φ: 'phi', χ: 'chi', ψ: 'psi', ω: 'omega',
  Γ: 'Gamma', Δ: 'Delta', Θ: 'Theta', Λ: 'Lambda', Ξ: 'Xi', Π: 'Pi', Σ: 'Sigma', Φ: 'Phi', Ψ: 'Psi', Ω: 'Omega',
};
/** Greek letters spelled out in ASCII names (`Phi1`, as figures need) are typeset as the letter. */
const SPELLED_GREEK = new Set(Object.values(GREEK));

/** The LaTeX of a base symbol: bold for a matrix or vector (rank ≥ 1), as the notes write them. */
function latexBase(base: string, bold: boolean): string {
  const greek = GREEK[base] ?? (SPELLED_GREEK.has(base) ? base : undefined);
  if (greek !== undefined) return bold ? `\\boldsymbol{\\${greek}}` : `\\${greek}`;
  if (base.length === 1) return bold ? `\\mathbf{${base}}` : base;
  return bold ? `\\mathbf{${base}}` : `\\mathrm{${base}}`;
}

export function escapeLatexText(s: string): string {
  return s.replace(/[\\{}$&#^_%~]/g, (c) => (c === '\\' ? '\\textbackslash{}' : c === '^' ? '\\^{}' : c === '~' ? '\\~{}' : `\\${c}`));
}

/** A name given in code (`W1`, `Z⁽²⁾`, `Phi1`, `apple count`) written as text and LaTeX. */
export function parseName(name: string, rank: number): MathName {
  const bold = rank > 0;
  const match = /^([A-Za-z]+|[α-ωΑ-Ω])(?:(\d+)|⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾|_([A-Za-z0-9]+))?$/u.exec(name);
  if (match === null) return { text: name, latex: `\\text{${escapeLatexText(name)}}`, simple: !/\s/.test(name) };
  const [, base, digits, sup, sub] = match;
  const b = latexBase(base!, bold);
  if (digits !== undefined || sub !== undefined) return { text: name, latex: `${b}_{${digits ?? sub}}`, simple: true };
  if (sup !== undefined) return { text: name, latex: `${b}^{(${fromSuperscript(sup)})}`, simple: true };
  return { text: name, latex: b, simple: true };
}

/** A name made up for an unnamed tensor: `base` with an optional index in the given style. */
export function madeName(base: string, rank: number, index?: number, style: IndexStyle = 'super'): MathName {
  if (index === undefined) return parseName(base, rank);
  const text = style === 'digits' ? `${base}${index}` : `${base}⁽${superscript(String(index))}⁾`;
  return parseName(text, rank);
}

/** The gradient of a tensor named `of`: dW1, dΦ⁽¹⁾, d(apple count). */
export function gradientName(of: MathName): MathName {
  return of.simple
    ? { text: `d${of.text}`, latex: `d${of.latex}`, simple: true }
    : { text: `d(${of.text})`, latex: `d\\left(${of.latex}\\right)`, simple: false };
}

/** The part of a name after its base letters that says which layer it belongs to: `1` of W1, `⁽²⁾` of Z⁽²⁾. */
export function nameIndex(name: string): { index: string; style: IndexStyle } | null {
  const match = /^(?:[A-Za-z]+|[α-ωΑ-Ω])(?:(\d+)|⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾)$/u.exec(name);
  if (match === null) return null;
  return match[1] !== undefined ? { index: match[1], style: 'digits' } : { index: fromSuperscript(match[2]!), style: 'super' };
}
