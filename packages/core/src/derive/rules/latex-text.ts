/**
 * The LaTeX subset the rule derivations are written in, read back as Unicode text
 * (`\frac{\partial L}{\partial c_{kl}}` → `∂L/∂c_kl`), so each derivation is written once.
 * Conventions of the sources: `\;` between two factors is a product (text ` · `), `\,` is a
 * thin space (nothing in text). An unknown command is an error, so a derivation cannot
 * silently print LaTeX where text was meant.
 */
export function latexToText(source: string): string {
  const parser = new Parser(source);
  const text = parser.sequence(false);
  return tidy(text);
}

const SYMBOLS: Record<string, string> = {
  partial: '∂', sum: 'Σ', prod: 'Π', int: '∫', pi: 'π', circ: ' ∘ ', cdot: ' · ', times: ' × ', top: 'ᵀ', infty: '∞',
  delta: 'δ', Delta: 'Δ', Phi: 'Φ', phi: 'φ', sigma: 'σ', lambda: 'λ', Lambda: 'Λ', alpha: 'α', mu: 'μ',
  // Relations are spaced as = is: k ≥ i, not k ≥i.
  neq: ' ≠ ', ne: ' ≠ ', le: ' ≤ ', leq: ' ≤ ', ge: ' ≥ ', geq: ' ≥ ', to: '→', in: ' ∈ ', ni: ' ∋ ', notin: ' ∉ ', mapsto: '↦',
  cdots: '⋯', ldots: '…', dots: '…', vdots: '⋮', because: '∵', therefore: '∴', quad: '   ', qquad: '     ',
  ',': ' ', ';': ' · ', '!': '', ' ': ' ', '{': '{', '}': '}', '|': '‖', '%': '%', '&': '&', '_': '_',
};
/** Operator names set upright in LaTeX; in text, a word. */
const WORDS = new Set(['log', 'exp', 'tanh', 'sin', 'cos', 'max', 'min', 'diag']);
/** Commands that take one argument and are only font or spacing in text. */
const FONTS = new Set(['mathbf', 'boldsymbol', 'mathrm', 'operatorname', 'mathit', 'textstyle', 'displaystyle']);

const SUPERSCRIPTS: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹',
  '(': '⁽', ')': '⁾', '+': '⁺', '−': '⁻', '-': '⁻', '=': '⁼', n: 'ⁿ', i: 'ⁱ', ᵀ: 'ᵀ', T: 'ᵀ',
};

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  private fail(why: string): never {
    throw new Error(`latexToText: ${why} at position ${this.i} of '${this.s}'`);
  }

  /** Items up to the end (or up to the closing brace of a group, when `inGroup`). */
  sequence(inGroup: boolean): string {
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '}') {
        if (!inGroup) this.fail("unbalanced '}'");
        this.i++;
        return out;
      }
      out += this.item(out);
    }
    if (inGroup) this.fail("missing '}'");
    return out;
  }

  /** One argument: a braced group or a single token. */
  private argument(): string {
    while (this.s[this.i] === ' ') this.i++;
    if (this.s[this.i] === '{') {
      this.i++;
      return this.sequence(true);
    }
    return this.item('');
  }

  private rawGroup(): string {
    if (this.s[this.i] !== '{') this.fail("expected '{'");
    const close = this.s.indexOf('}', this.i);
    if (close < 0) this.fail("missing '}'");
    const text = this.s.slice(this.i + 1, close);
    this.i = close + 1;
    return text;
  }

  private item(before: string): string {
    const c = this.s[this.i]!;
    if (c === '\\') return this.command();
    this.i++;
    switch (c) {
      case '{':
        return this.sequence(true);
      case '^':
        return raise(this.argument());
      case '_':
        return lower(this.argument());
      case '-':
        return /[(\[=,+−·∘]\s*$|^\s*$/.test(before) ? '−' : ' − ';
      case '+':
        return ' + ';
      case '=':
        return ' = ';
      case '~':
        return ' ';
      case "'":
        return '′';
      default:
        return c;
    }
  }

  private command(): string {
    this.i++;
    const match = /^[A-Za-z]+/.exec(this.s.slice(this.i));
    const name = match === null ? this.s[this.i]! : match[0];
    this.i += name.length;
    // As in LaTeX, a command spelled with letters swallows the spaces after it.
    if (match !== null) while (this.s[this.i] === ' ') this.i++;
    if (name === 'frac') {
      const [top, bottom] = [this.argument(), this.argument()];
      return `${grouped(top)}/${grouped(bottom)}`;
    }
    if (name === 'sqrt') return `√${grouped(this.argument())}`;
    if (name === 'text') return this.rawGroup();
    if (FONTS.has(name)) return this.argument();
    if (name === 'left' || name === 'right') {
      const delimiter = this.s[this.i] === '\\' ? (this.i++, this.s[this.i++]!) : this.s[this.i++]!;
      return delimiter === '.' ? '' : delimiter;
    }
    // A word runs into what follows unless that is its argument in parentheses or a script.
    if (WORDS.has(name)) return /^\s*(\(|\\left|\^|_)/.test(this.s.slice(this.i)) ? name : `${name} `;
    const symbol = SYMBOLS[name];
    if (symbol === undefined) this.fail(`unknown command \\${name}`);
    return symbol;
  }
}

/** One symbol with its scripts (b_ij, ∂c_kl, e^(a_ij), N, 2): a fraction's part that needs no parentheses. */
const ATOM = /^[∂√−]?[\p{L}\p{N}.]+(?:_(?:[\p{L}\p{N},]+|\([^()]*\)))?(?:\^(?:[\p{L}\p{N}]|\([^()]*\)))?[ᵀ⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁺⁻′]*$/u;

/** Parentheses where a fraction's part would otherwise run into its neighbours. */
function grouped(s: string): string {
  const t = tidy(s);
  return ATOM.test(t) || enclosed(t.replace(/^∂/, '')) ? t : `(${t})`;
}

/** Whether the parenthesis that opens `s` is the one that closes it: (a_kl + b_kl). */
function enclosed(s: string): boolean {
  if (!s.startsWith('(')) return false;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') depth--;
    if (depth === 0) return i === s.length - 1;
  }
  return false;
}

function raise(s: string): string {
  const t = s.trim();
  if (t === 'ᵀ' || t === 'T') return 'ᵀ';
  if (t === '′' || t === "'") return '′';
  const chars = [...t.replace(/\s+/g, '')];
  if (chars.every((c) => SUPERSCRIPTS[c] !== undefined)) return chars.map((c) => SUPERSCRIPTS[c]).join('');
  return chars.length === 1 ? `^${t}` : `^(${chars.join('')})`;
}

function lower(s: string): string {
  const t = s.trim();
  return /^[A-Za-z0-9,]+$/.test(t) ? `_${t}` : `_(${t})`;
}

function tidy(s: string): string {
  return s
    .replace(/\s+/g, ' ')
    .replace(/([(\[]) /g, '$1')
    .replace(/ ([)\]])/g, '$1')
    .replace(/ ,/g, ',')
    .trim();
}
