import type { Module } from '../src/index.js';

/** Every parameter's and buffer's values by name: to show that a model did or did not change. */
export function snapshot(model: Module): Array<[string, number[]]> {
  return [...model.stateDict()].map(([name, t]) => [name, [...t.values()]]);
}
