import { Rng, Tensor, type DType } from '@matgrad/core';
import { formatShape } from './shapes.js';

/**
 * Argument checks for nn's public entry points. Each failure names the function (`where`), the
 * argument, what it got and what was expected, so a mistake is reported where it was made
 * rather than as a JavaScript error from deep inside.
 */

/** A short, readable account of any value, for the "got …" part of a message. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (value instanceof Tensor) return `a ${value.dtype} tensor of shape ${formatShape(value.shape)}`;
  if (Array.isArray(value)) return `a plain array of ${value.length} element${value.length === 1 ? '' : 's'}`;
  if (value instanceof DataView) return `a DataView of ${value.byteLength} bytes`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${(value as unknown as ArrayLike<unknown>).length} elements`;
  switch (typeof value) {
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `the bigint ${value}n`;
    case 'string':
      return value.length > 40 ? `the string ${JSON.stringify(value.slice(0, 40))}…` : `the string ${JSON.stringify(value)}`;
    case 'function':
      return 'a function';
    case 'symbol':
      return String(value);
  }
  const name = (value as object).constructor?.name;
  if (name !== undefined && name !== 'Object') return `a ${name}`;
  const keys = Object.keys(value as object);
  return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''}`;
}

export function argumentError(where: string, argument: string, expected: string, value: unknown, kind: 'type' | 'range' = 'type'): Error {
  const message = `${where}: ${argument} must be ${expected}, got ${describeValue(value)}`;
  return kind === 'type' ? new TypeError(message) : new RangeError(message);
}

/** An array or a typed array (what nn takes for labels and indices). */
export function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

export function checkTensor(where: string, argument: string, value: unknown, expected = 'a Tensor'): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw argumentError(where, argument, expected, value);
}

/**
 * An options object: `undefined` stands for `{}` unless `required`; any other non-object is
 * refused, and so is a key outside `known`, so that a misspelt option is not silently ignored.
 * `known` is a record over the options type's keys, so TypeScript flags a list that falls behind.
 */
export function checkOptions<T extends object>(
  where: string,
  value: T | undefined,
  known: Readonly<Record<keyof T, true>>,
  { required = false, example = '' }: { required?: boolean; example?: string } = {},
): T {
  const expected = `an options object${example === '' ? '' : ` such as ${example}`}`;
  if (value === undefined && !required) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Tensor) {
    throw argumentError(where, 'options', expected, value);
  }
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(known, key)) {
      throw new TypeError(`${where}: unknown option '${key}'; expected only ${Object.keys(known).join(', ')}`);
    }
  }
  return value;
}

export function checkInteger(where: string, argument: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const unbounded = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer ≥ ${min}`;
    const range = max === Number.MAX_SAFE_INTEGER ? unbounded : `an integer in [${min}, ${max}]`;
    throw argumentError(where, argument, range, value, typeof value === 'number' ? 'range' : 'type');
  }
}

export function checkBoolean(where: string, argument: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw argumentError(where, argument, 'true or false', value);
}

export function checkFunction(where: string, argument: string, value: unknown, expected = 'a function'): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw argumentError(where, argument, expected, value);
}

export function checkIterable(where: string, argument: string, value: unknown, expected: string): asserts value is Iterable<unknown> {
  if (value === null || value === undefined || typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    throw argumentError(where, argument, expected, value);
  }
}

export function checkDtype(where: string, value: unknown): asserts value is DType {
  if (value !== 'float32' && value !== 'float64') throw argumentError(where, 'dtype', "'float32' or 'float64'", value);
}

/** `seed` (an integer) or `rng` (a shared stream), as layers and loaders take them. */
export function checkSeeded(where: string, options: { seed?: unknown; rng?: unknown }): void {
  if (options.rng !== undefined && !(options.rng instanceof Rng)) throw argumentError(where, 'rng', "an Rng from '@matgrad/core'", options.rng);
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw argumentError(where, 'seed', 'an integer', options.seed);
}
