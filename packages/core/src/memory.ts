import type { BufferRef } from './storage.js';
import { Tensor } from './tensor.js';

/** The buffers that ops allocated inside each open `tidy`, innermost last. (Arrays: each
 *  buffer is tracked once, when it is allocated; a Set's add and walk cost more, at the few
 *  dozen buffers of a training step.) */
const scopes: BufferRef[][] = [];

/** Records a buffer an op just allocated, so the innermost `tidy` can take it back. */
export function track(ref: BufferRef): void {
  if (ref.pooled) innermostScope()?.push(ref);
}

/** The innermost open tidy's list; undefined outside every tidy. (Reading `scopes[-1]` of an
 *  empty array is a named-property lookup, about 0.1 µs: a fifth of a small op outside tidy.) */
function innermostScope(): BufferRef[] | undefined {
  return scopes.length > 0 ? scopes[scopes.length - 1] : undefined;
}

/** Hands back the buffers of `scope` that no enclosing code may still use: all but those kept. */
function releaseAll(scope: BufferRef[]): void {
  for (const ref of scope) if (!ref.keptFromTidy) ref.release();
}

/**
 * Runs `fn`, then hands every buffer that ops allocated inside it back to the backend's pool,
 * except those that what `fn` returns still needs (returned tensors, arrays or objects of
 * tensors, and the graphs behind them) and those passed to `keep`. Gradients stored in
 * `.grad` are kept. A tensor made inside and used after it throws a clear error rather than
 * reading reused memory. `fit` runs each training step in one; a hand-written loop should too.
 * Synchronous code only.
 *
 * @throws TypeError when `fn` returns a promise.
 * @example
 * ```ts
 * for (const [x, y] of batches) {
 *   const loss = tidy(() => {
 *     optimizer.zeroGrad();
 *     const l = softmaxCrossEntropy(model.forward(x), y);
 *     l.backward();
 *     optimizer.step();
 *     return l.item(); // a number: every buffer made inside goes back to the pool
 *   });
 * }
 * ```
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`tidy: expected a function, got ${typeof fn}`);
  const scope: BufferRef[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    releaseAll(scope);
    throw error;
  }
  scopes.pop();
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    throw new TypeError('tidy: the function returned a promise; tidy covers synchronous code only (call it around the synchronous part of each step)');
  }
  // A number or nothing (a training step's loss) needs no buffer: skip the graph walk.
  if (result === null || typeof result !== 'object') {
    releaseAll(scope);
    return result;
  }
  const needed = reachableBuffers(result);
  const parent = innermostScope();
  for (const ref of scope) {
    if (ref.keptFromTidy) continue;
    if (!needed.has(ref)) ref.release();
    else parent?.push(ref);
  }
  return result;
}

/** Keeps a tensor made inside `tidy` (and the graph it was computed from) alive after it. */
export function keep<T extends Tensor>(t: T): T {
  if (!(t instanceof Tensor)) throw new TypeError(`keep: expected a Tensor, got ${t === null ? 'null' : typeof t}`);
  for (const ref of reachableBuffers(t)) ref.keptFromTidy = true;
  return t;
}

/** The buffers behind the tensors in `value` and behind the graphs they were computed from. */
function reachableBuffers(value: unknown): Set<BufferRef> {
  const found = new Set<BufferRef>();
  const seen = new Set<unknown>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Tensor) {
      found.add(v.storage.ref);
      if (v.grad !== null) stack.push(v.grad);
      if (v.creator !== null && !v.creator.freed) stack.push(...v.creator.inputs, v.creator.attrs);
    } else if (Array.isArray(v)) {
      stack.push(...v);
    } else if (v instanceof Map) {
      stack.push(...v.values());
    } else if (Object.getPrototypeOf(v) === Object.prototype) {
      stack.push(...Object.values(v));
    }
  }
  return found;
}
