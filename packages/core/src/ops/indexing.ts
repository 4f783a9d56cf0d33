import type { Backend } from '../backends/backend.js';
import { apply } from '../engine.js';
import { defineOp, type Op } from '../op.js';
import { checkShape, formatShape, sameShape, type Shape } from '../shape.js';
import type { Storage } from '../storage.js';
import type { Tensor } from '../tensor.js';
import { reshape } from './shape.js';

/** One axis of a slice, as in numpy: `null` (or an omitted axis) keeps the whole axis;
 *  `[start, stop, step]` is numpy's start:stop:step (each part optional, null for its default,
 *  negative positions count from the end, step ≥ 1); an integer picks one position and drops
 *  the axis (numpy's a[i]). */
export type SliceSpec = number | null | undefined | readonly [start?: number | null, stop?: number | null, step?: number | null];

/** Per axis, the first position, the step and how many positions: a strided window. */
export interface Window {
  start: number[];
  step: number[];
  count: number[];
}

/** The window as a view: no element is copied. */
function windowView(s: Storage, { start, step, count }: Window): Storage {
  return s.window(start, step, count);
}

/** Copies `src` (shaped like the window) into the window of `out`. */
export function writeWindow(backend: Backend, out: Storage, window: Window, src: Storage): void {
  if (src.size > 0) backend.copyInto(windowView(out, window), src);
}

const sliceOp: Op = defineOp<Window>({
  name: 'slice',
  forward: 'C = A[start:stop:step] per axis (a strided view)',
  identity: 'dA = unslice(dC): dC placed back at the sliced positions of zeros shaped like A',
  compute: ([a], window) => windowView(a!, window),
  gradients: [(dC, { inputs: [a], attrs }) => apply(unsliceOp, [dC], { ...attrs, shape: [...a!.shape] })],
});

const unsliceOp: Op = defineOp<Window & { shape: number[] }>({
  name: 'unslice',
  forward: 'C = zeros of a larger shape with A at the positions a slice picks',
  identity: 'dA = slice(dC) at the same positions',
  compute: ([a], attrs, backend) => {
    const out = backend.fill(a!.dtype, attrs.shape, 0);
    writeWindow(backend, out, attrs, a!);
    return out;
  },
  gradients: [(dC, { attrs: { start, step, count } }) => apply(sliceOp, [dC], { start, step, count })],
});

interface AxisWindow {
  start: number;
  step: number;
  count: number;
  /** An integer index picks one position and drops its axis. */
  drop: boolean;
}

/** The positions one spec selects from an axis of size `n`; `where` names the axis for errors
 *  (a function: the text is built only then). */
function resolveAxis(where: () => string, spec: SliceSpec, n: number): AxisWindow {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < -n || spec >= n) throw new RangeError(`${where()}: index ${spec} does not fit; expected an integer in [${-n}, ${n - 1}]`);
    return { start: spec < 0 ? spec + n : spec, step: 1, count: 1, drop: true };
  }
  if (spec !== null && spec !== undefined && (!Array.isArray(spec) || spec.length > 3)) {
    throw new TypeError(`${where()}: expected null, an integer index or [start, stop, step], got ${JSON.stringify(spec)}`);
  }
  const [start, stop, step] = spec ?? [];
  for (const [name, value] of [['start', start], ['stop', stop], ['step', step]] as const) {
    if (value !== null && value !== undefined && !Number.isInteger(value)) throw new TypeError(`${where()}: ${name} must be an integer or null, got ${JSON.stringify(value)}`);
  }
  const stride = step ?? 1;
  if (stride < 1) throw new RangeError(`${where()}: step ${stride} is not supported; expected an integer ≥ 1`);
  // numpy clamps the ends of a slice into the axis rather than failing.
  const from = clampEnd(start, 0, n);
  return { start: from, step: stride, count: Math.max(0, Math.ceil((clampEnd(stop, n, n) - from) / stride)), drop: false };
}

/** A slice's end clamped into an axis of size n (negative counts from the end), or `fallback` when absent. */
function clampEnd(value: number | null | undefined, fallback: number, n: number): number {
  return value === null || value === undefined ? fallback : Math.min(n, Math.max(0, value < 0 ? value + n : value));
}

/** The window that `specs` select from `shape`, and the axes an integer index drops. */
function resolve(op: string, specs: readonly SliceSpec[], shape: Shape): { window: Window; dropped: number[] } {
  if (!Array.isArray(specs)) throw new TypeError(`${op}: ranges must be an array with one entry per axis, got ${typeof specs}`);
  if (specs.length > shape.length) {
    throw new RangeError(`${op}: ${specs.length} ranges for a tensor of shape ${formatShape(shape)}; expected at most ${shape.length} (one per axis)`);
  }
  const axes = shape.map((n, axis) => resolveAxis(() => `${op}: axis ${axis} (size ${n}) of shape ${formatShape(shape)}`, specs[axis], n));
  return {
    window: { start: axes.map((w) => w.start), step: axes.map((w) => w.step), count: axes.map((w) => w.count) },
    dropped: axes.flatMap((w, axis) => (w.drop ? [axis] : [])),
  };
}

function isWhole(window: Window, shape: Shape): boolean {
  return shape.every((n, i) => window.start[i] === 0 && window.step[i] === 1 && window.count[i] === n);
}

function withoutAxes(shape: Shape, axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

/** numpy's basic slicing, one spec per leading axis (the rest are kept whole): a strided view
 *  of `a`, nothing is copied. `slice(x, [[1, -1], null, [0, null, 2]])` is x[1:-1, :, ::2]. */
export function slice(a: Tensor, ranges: readonly SliceSpec[]): Tensor {
  const { window, dropped } = resolve('slice', ranges, a.shape);
  const picked = sliceWindow(a, window);
  return dropped.length === 0 ? picked : reshape(picked, withoutAxes(window.count, dropped));
}

/** The adjoint of `slice`: zeros of `shape` with `a` at the positions `slice(·, ranges)` would
 *  pick, so that unslice(slice(x, r), x.shape, r) keeps exactly the sliced part of x. */
export function unslice(a: Tensor, shape: Shape, ranges: readonly SliceSpec[]): Tensor {
  const { window, dropped } = resolve('unslice', ranges, checkShape('unslice', shape));
  const expected = withoutAxes(window.count, dropped);
  if (!sameShape(a.shape, expected)) {
    throw new RangeError(`unslice: a tensor of shape ${formatShape(a.shape)} cannot fill the positions ${JSON.stringify(ranges)} of ${formatShape(shape)}; expected shape ${formatShape(expected)}`);
  }
  const embedded = reshape(a, window.count);
  return isWhole(window, shape) ? embedded : apply(unsliceOp, [embedded], { ...window, shape: [...shape] });
}

/** The window of positions [from, from + count) along one axis of `shape`, the rest whole. */
export function windowAlong(shape: Shape, axis: number, from: number, count: number): Window {
  return {
    start: shape.map((_, i) => (i === axis ? from : 0)),
    step: shape.map(() => 1),
    count: shape.map((n, i) => (i === axis ? count : n)),
  };
}

/** A slice by window (no node when it is the whole tensor); concat's rule knows its windows. */
export function sliceWindow(a: Tensor, window: Window): Tensor {
  return isWhole(window, a.shape) ? a : apply(sliceOp, [a], window);
}
