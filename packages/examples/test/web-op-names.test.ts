import { explainBackward, toDot } from '@matgrad/core';
import { describe, expect, it } from 'vitest';
import { describeNode } from '../web/src/graphs/describe.js';
import { evaluate, initialValues, SCENARIOS } from '../web/src/graphs/scenarios.js';

/** The op of every box and circle of a DOT graph, by node id. */
function figureLabels(dot: string): string[] {
  return [...dot.matchAll(/^ {2}t\d+ \[shape=(?:box|circle)[^\n]*label="([^"]+)"/gm)].map((m) => m[1]!);
}

const SYMBOLS: Record<string, string> = { '+': 'add', '−': 'sub', '×': 'mul', '÷': 'div' };

describe('every op has one name in the figures, the hover cards and the backward steps', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.title, () => {
      const root = evaluate(scenario, initialValues(scenario));
      const inFigure = figureLabels(toDot(root)).map((label) => SYMBOLS[label] ?? label).sort();
      const inSteps = explainBackward(root).steps.map((step) => step.op).sort();
      const inCards: string[] = [];
      const seen = new Set();
      const stack = [root];
      while (stack.length > 0) {
        const t = stack.pop()!;
        if (t.creator === null || seen.has(t)) continue;
        seen.add(t);
        inCards.push(describeNode(t).title.split(' ')[0]!);
        stack.push(...t.creator.inputs);
      }
      expect(inFigure.length).toBeGreaterThan(0);
      expect(inFigure).toEqual(inSteps);
      expect(inCards.sort()).toEqual(inSteps);
    });
  }
});
