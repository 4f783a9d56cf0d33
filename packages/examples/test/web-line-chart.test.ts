import { describe, expect, it } from 'vitest';
import { tickText, yAxis } from '../web/src/shared/line-chart.js';

describe('line chart y axis', () => {
  it('an empty chart, or one of zeros, spans 0 to 1 with readable ticks', () => {
    for (const points of [[], [{ x: 1, y: 0 }]]) {
      const { max, ticks } = yAxis(points);
      expect(max).toBe(1);
      expect(ticks.map(tickText)).toEqual(['0', '0.5', '1']);
    }
  });

  it('a loss curve gets round ticks from 0 past its highest point', () => {
    const { max, ticks } = yAxis([{ x: 0, y: 2.3 }, { x: 1, y: 0.7 }]);
    expect(max).toBeCloseTo(2.415, 12);
    expect(ticks.map(tickText)).toEqual(['0', '1', '2']);
    expect(yAxis([{ x: 0, y: 0.031 }]).ticks.map(tickText)).toEqual(['0', '0.01', '0.02', '0.03']);
  });
});
