/**
 * t(0.975, df) for the uplift's 95 % interval (docs/campaigns.md "Result"): within 0.002 of
 * the t table from df = 3, exact at the table's integer df, and for Welch's fractional df never
 * below the exact quantile (an interval never narrower than it should be).
 */
import { describe, expect, it } from 'vitest';
import { tQuantile975, welchUplift } from './campaigns.js';

describe('t(0.975, df) for the uplift interval (docs/campaigns.md)', () => {
  it('is within 0.002 of the t table at df = 3', () => {
    expect(Math.abs(tQuantile975(3) - 3.182446)).toBeLessThanOrEqual(0.002);
  });

  it('gives a Welch interval with df = 3 its table half-width', () => {
    // target 0, 0, 0, 12 (n 4, s^2 36), holdout with no variance: se^2 = 9, df = n_t - 1 = 3
    const u = welchUplift([0, 0, 0, 12], [0, 0]);
    expect(u.df).toBeCloseTo(3, 12);
    const halfWidth = ((u.high as number) - (u.low as number)) / 2;
    // 3.182446 x 3 = 9.5473
    expect(Math.abs(halfWidth - 3.182446 * 3)).toBeLessThanOrEqual(0.006);
  });

  it('follows the table at integer df and stays just above the exact value between them', () => {
    // exact quantiles (R: qt(0.975, df))
    const exact: [number, number][] = [
      [2, 4.302653],
      [2.5, 3.574655],
      [3.5, 2.940089],
      [4, 2.776445],
      [7.3, 2.345067],
      [10, 2.228139],
      [15.5, 2.125477],
    ];
    for (const [df, q] of exact) {
      const d = tQuantile975(df) - q;
      expect(d, `df ${df}`).toBeGreaterThanOrEqual(-0.00001);
      expect(d, `df ${df}`).toBeLessThanOrEqual(df >= 3 ? 0.0005 : 0.006);
    }
    // df below 1 (or not a number) is taken as 1
    expect(tQuantile975(0.5)).toBeCloseTo(12.7062, 4);
    expect(tQuantile975(Number.NaN)).toBeCloseTo(12.7062, 4);
  });
});
