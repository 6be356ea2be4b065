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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTill, type Till } from '../main/service/till.js';
import { POS_KEY, TestClock, enrolRequest, foodLine, shanghaiAt, testConfig } from './helpers/till.js';

let till: Till | null = null;
let dir = '';
afterEach(async () => {
  await till?.close();
  till = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a return after a review date, before the review is recorded', () => {
  for (const linked of [true, false]) {
    it(`leaves the tier the review keeps (${linked ? 'till linked to head office, offline' : 'standalone till'})`, async () => {
      dir = mkdtempSync(join(tmpdir(), 'return-review-'));
      const clock = new TestClock(shanghaiAt('2025-02-10', '10:00'));
      const link = {
        hqUrl: 'http://127.0.0.1:9',
        tillId: 'till-return-review-1',
        tillSecret: 'secret-for-tests-0123456789',
        syncIntervalMs: 3_600_000,
      };
      till = await createTill(testConfig(dir, linked ? link : {}), { now: clock.now, quiet: true });
      const t = till;
      const post = async (path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
        const res = await fetch(`${t.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${POS_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: await res.json() };
      };
      const m = (await post('/v1/members', enrolRequest())).body.memberNo as string;
      const sale = await post('/v1/sales', {
        saleId: 'S1',
        memberNo: m,
        lines: [foodLine('A', 400_000), foodLine('B', 100_000)],
      });
      expect(sale.body).toMatchObject({ tier: 'silver', tierChanged: true });

      clock.set(shanghaiAt('2025-07-05', '10:00'));
      const ret = await post('/v1/returns', {
        returnId: 'R1',
        originalSaleId: 'S1',
        lines: [{ sku: 'B', quantity: 1 }],
      });
      expect(ret.status, JSON.stringify(ret.body)).toBe(201);

      clock.set(shanghaiAt('2025-07-06', '10:00'));
      const next = await post('/v1/sales', { saleId: 'S2', memberNo: m, lines: [foodLine('C', 10_000)] });
      expect(next.status, JSON.stringify(next.body)).toBe(201);
      expect(next.body).toMatchObject({ tier: 'silver', pointsEarned: 120 });
    });
  }
});
