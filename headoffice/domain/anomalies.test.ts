/**
 * The anomaly rules' time buckets (anomalies.ts): the fast path for instants already in
 * toISOString's form gives what parsing them gives, and other forms are parsed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayBucket, hourBucket } from './anomalies.js';

const slow = (iso: string, n: number): string => new Date(iso).toISOString().slice(0, n);

describe('hourBucket and dayBucket', () => {
  it('equal the parsed instant for any instant in toISOString form, with or without milliseconds', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (d) => {
        for (const iso of [d.toISOString(), d.toISOString().replace(/\.\d{3}Z$/, 'Z')]) {
          expect(hourBucket(iso)).toBe(slow(iso, 13));
          expect(dayBucket(iso)).toBe(slow(iso, 10));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('parse other forms: an offset, and a day a short month lacks', () => {
    expect(hourBucket('2026-12-06T07:30:00+08:00')).toBe('2026-12-05T23');
    expect(dayBucket('2026-12-06T07:30:00.000+08:00')).toBe('2026-12-05');
    expect(dayBucket('2026-02-30T10:00:00Z')).toBe(slow('2026-02-30T10:00:00Z', 10));
  });
});
