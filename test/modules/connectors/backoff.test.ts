import { describe, expect, it } from 'vitest';
import { backoffSeconds } from '../../../src/modules/connectors/admin-call.js';

describe('backoffSeconds', () => {
  it('starts at 5 s and doubles with each failure in a row', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5].map((n) => backoffSeconds(n, middle))).toEqual([5, 10, 20, 40, 80]);
  });

  it('spreads each wait by ±20%', () => {
    expect(backoffSeconds(1, () => 0)).toBe(4);
    expect(backoffSeconds(1, () => 0.999_999)).toBeCloseTo(6, 4);
    expect(backoffSeconds(3, () => 0)).toBe(16);
  });

  it('never waits more than 5 minutes, however long the run', () => {
    for (const failures of [7, 8, 50, 10_000]) {
      expect(backoffSeconds(failures, () => 0.999_999)).toBe(300);
      expect(backoffSeconds(failures, () => 0)).toBeGreaterThanOrEqual(240);
    }
  });
});
