import { describe, expect, it } from 'vitest';
import { parseCpuList } from '../bench/peers.js';

describe('the benchmark reads the vCPUs it may pin peers to', () => {
  it('from a Linux CPU list', () => {
    expect(parseCpuList('0-1')).toEqual([0, 1]);
    expect(parseCpuList('0')).toEqual([0]);
    expect(parseCpuList('0-2,5,7-8')).toEqual([0, 1, 2, 5, 7, 8]);
  });

  it('and refuses what is not one', () => {
    expect(parseCpuList('')).toBeNull();
    expect(parseCpuList('3-1')).toBeNull();
    expect(parseCpuList('a-b')).toBeNull();
    expect(parseCpuList('0-1,')).toBeNull();
  });
});
