/**
 * DOMAIN.md 5 and 6: a review judges the spend known on its date, and a return never triggers a
 * downgrade by itself. A connected till applies due reviews in memory until head office's
 * arrive; a return it takes after the review date lowers spend on the sale's date, inside the
 * review's window. Before (found by an audit in the twenty-first session) the till's in-memory
 * review counted that return and dropped the member a tier, where head office (which records the
 * review just after midnight) and a standalone till (which records it on the next activity,
 * before the return) keep it.
 *
 * Default programme (Silver 5,000 yuan, x1.2):
 *  - 2025-02-10: two lines, 4,000 + 1,000 yuan: 5,000 yuan, Silver.
 *  - 2025-03-31: the review of the quarter Silver was reached in is skipped.
 *  - 2025-06-30: the review is due; 5,000 yuan in its window: Silver kept.
 *  - 2025-07-05: the 1,000 yuan line is returned (the till has not heard from head office).
 *  - 2025-07-06: a 100 yuan sale earns at Silver: floor(10,000 x 1.2 / 100) = 120 points.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UNANSWERING_HQ, enrolRequest, foodLine, shanghaiAt, startTill, type TestTill } from './helpers/till.js';

let t: TestTill | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe('a return after a review date, before the review is recorded', () => {
  for (const linked of [true, false]) {
    it(`leaves the tier the review keeps (${linked ? 'till linked to head office, offline' : 'standalone till'})`, async () => {
      t = await startTill({ now: shanghaiAt('2025-02-10', '10:00'), config: linked ? UNANSWERING_HQ : {} });
      const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
      const sale = await t.post('/v1/sales', {
        saleId: 'S1',
        memberNo: m,
        lines: [foodLine('A', 400_000), foodLine('B', 100_000)],
      });
      expect(sale.body).toMatchObject({ tier: 'silver', tierChanged: true });

      t.clock.set(shanghaiAt('2025-07-05', '10:00'));
      const ret = await t.post('/v1/returns', {
        returnId: 'R1',
        originalSaleId: 'S1',
        lines: [{ sku: 'B', quantity: 1 }],
      });
      expect(ret.status, JSON.stringify(ret.body)).toBe(201);

      t.clock.set(shanghaiAt('2025-07-06', '10:00'));
      const next = await t.post('/v1/sales', { saleId: 'S2', memberNo: m, lines: [foodLine('C', 10_000)] });
      expect(next.status, JSON.stringify(next.body)).toBe(201);
      expect(next.body).toMatchObject({ tier: 'silver', pointsEarned: 120 });
    });
  }
});
