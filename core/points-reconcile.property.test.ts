/**
 * The programme measures issued / redeemed / expired (core/analytics.ts, the summary's and the
 * daily report's definitions) account for every point on the ledger (points are a liability,
 * DOMAIN.md 9):  Σ signed points = issued − redeemed − expired, whatever the mix of kinds,
 * a supervisor's debit adjustment (netting issued) included. The daily read model's dayOf
 * (core/aggregates.ts) agrees.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAILY_MEASURES, dayOf, emptyMeasures } from './aggregates.js';
import { pointsExpired, pointsIssued, pointsRedeemed } from './analytics.js';
import { CREDIT_KINDS, DEBIT_KINDS } from './ledger/entry.js';

const KINDS = [...CREDIT_KINDS, ...DEBIT_KINDS];

describe('issued − redeemed − expired = Σ ledger (property)', () => {
  it('holds for any mix of credit and debit entries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ kind: fc.constantFrom(...KINDS), points: fc.integer({ min: 0, max: 10_000 }) }), {
          maxLength: 30,
        }),
        (entries) => {
          const byKind: Record<string, number> = {};
          let ledger = 0;
          for (const e of entries) {
            byKind[e.kind] = (byKind[e.kind] ?? 0) + e.points;
            ledger += (CREDIT_KINDS as readonly string[]).includes(e.kind) ? e.points : -e.points;
          }
          expect(pointsIssued(byKind) - pointsRedeemed(byKind) - pointsExpired(byKind)).toBe(ledger);
          // the daily report's day, from the read model's columns (only those it reads)
          const m = emptyMeasures();
          for (const [kind, points] of Object.entries(byKind)) {
            const col = `points_${kind}` as keyof typeof m;
            if (DAILY_MEASURES.includes(col)) m[col] = points;
          }
          const d = dayOf('2026-01-01', m);
          expect(d.pointsIssued - d.pointsRedeemed - d.pointsExpired).toBe(ledger);
        },
      ),
    );
  });
});
