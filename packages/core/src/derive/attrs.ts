import { Tensor } from '../tensor.js';
import type { PatchWalk } from './expr.js';
/**
 * Reads an op's recorded attributes (axes, shapes, windows, indices) with a check, so that a
 * change in how an op records them fails here with the op's name rather than as a wrong
 * equation further on.
 */
export class AttrReader {
  constructor(
    private readonly op: string,
    private readonly attrs: unknown,
  ) {}

  private fail(key: string, expected: string, got: unknown): never {
    const shown = got instanceof Uint8Array || got instanceof Int32Array ? `${got.constructor.name}(${got.length})` : JSON.stringify(got);
    throw new TypeError(`deriveBackward: op '${this.op}' recorded ${key} = ${shown}; expected ${expected}`);
  }

  private raw(key: string): unknown {
    return typeof this.attrs === 'object' && this.attrs !== null ? (this.attrs as Record<string, unknown>)[key] : undefined;
  }

  integer(key: string): number {
    const v = this.raw(key);
    return Number.isInteger(v) ? (v as number) : this.fail(key, 'an integer', v);
  }

  number(key: string): number {
    const v = this.raw(key);
    return typeof v === 'number' ? v : this.fail(key, 'a number', v);
  }

  boolean(key: string): boolean {
    const v = this.raw(key);
    return typeof v === 'boolean' ? v : this.fail(key, 'true or false', v);
  }

  string(key: string): string {
    const v = this.raw(key);
    return typeof v === 'string' ? v : this.fail(key, 'a string', v);
  }

  integers(key: string): number[] {
    const v = this.raw(key);
    const list = Array.isArray(v) || v instanceof Int32Array ? Array.from(v as ArrayLike<unknown>) : null;
    return list !== null && list.every((x) => Number.isInteger(x)) ? (list as number[]) : this.fail(key, 'a list of integers', v);
  }

  /** 1 where a recorded mask holds (where's condition, a tensor broadcast to the output), row-major. */
  flags(key: string): Uint8Array {
    const v = this.raw(key);
    if (v instanceof Uint8Array) return v;
    if (v instanceof Tensor) return Uint8Array.from(v.values(), (x) => (x !== 0 ? 1 : 0));
    return this.fail(key, 'a mask tensor (or a Uint8Array of 0s and 1s)', v);
  }

  /** A recorded tensor (max pooling's images, a constant of its rule). */
  tensor(key: string): Tensor {
    const v = this.raw(key);
    return v instanceof Tensor ? v : this.fail(key, 'a tensor', v);
  }

  /** A patch op's window walk: kernel, stride, padding and dilation, each [height, width]. */
  walk(key: string): PatchWalk {
    const v = this.raw(key);
    const pair = (name: string): [number, number] => {
      const p = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[name] : undefined;
      return Array.isArray(p) && p.length === 2 && p.every((x) => Number.isInteger(x)) ? (p as [number, number]) : this.fail(`${key}.${name}`, 'a pair of integers', p);
    };
    return { kernel: pair('kernel'), stride: pair('stride'), padding: pair('padding'), dilation: pair('dilation') };
  }
}
