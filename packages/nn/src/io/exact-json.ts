/**
 * JSON that carries every number exactly: JSON has no Infinity, NaN or −0 (JSON.stringify
 * writes null and 0), yet optimizer hyperparameters hold Infinity (no gradient clipping).
 * Those numbers are written as `{ "$number": "Infinity" }` (or "-Infinity", "NaN", "-0");
 * every other number round-trips through JSON exactly already.
 */

const SPECIAL = new Map<string, number>([['Infinity', Infinity], ['-Infinity', -Infinity], ['NaN', NaN], ['-0', -0]]);

function specialName(value: number): string | null {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return Object.is(value, -0) ? '-0' : null;
}

export function stringifyExact(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    const name = typeof v === 'number' ? specialName(v) : null;
    return name === null ? v : { $number: name };
  });
}

export function parseExact(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const name = (v as { $number?: unknown }).$number;
      if (keys.length === 1 && typeof name === 'string' && SPECIAL.has(name)) return SPECIAL.get(name);
    }
    return v;
  });
}
