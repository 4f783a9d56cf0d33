/** JSON with two-space indents like JSON.stringify(value, null, 2), except that arrays of numbers
 *  (a confusion-matrix row, the layer sizes) stay on one line. */
export function toReadableJson(value: unknown, indent = ''): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'number')) return JSON.stringify(value).replace(/,/g, ', ');
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + toReadableJson(v ?? null, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toReadableJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
