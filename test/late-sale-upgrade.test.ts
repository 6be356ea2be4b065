/**
 * DOMAIN.md 5 ("Upgrade is immediate: the sale that crosses the threshold earns at the old tier,
 * and the member is on the new tier from the next sale") with DOMAIN.md 12's late sales: a sale
 * delivered after later ones is judged for an upgrade on the member's rolling spend as of the
 * day it is recorded too, so spend recorded since its own date counts. Before, it was judged as
 * of its own date only, and the upgrade waited for the next sale, which earned at the old tier.
 *
 * Default programme, standalone till (Silver 5,000, Gold 10,000 yuan; Silver x1.2, Gold x1.5):
 *  - 2025-04-10 10:00: sale A 9,000 yuan -> Silver.
 *  - 2025-04-10 10:05: the POS delivers sale B dated 2025-04-08, 2,000 yuan: rolling spend is
 *    now 11,000 yuan, over Gold's threshold.
 *  - 2025-04-11: sale C 100 yuan earns at Gold: floor(10,000 x 1.5 / 100) = 150 points.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { enrolRequest, shanghaiAt, startTill, type TestTill, foodLine } from './helpers/till.js';

let t: TestTill | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe('a late sale that takes the rolling spend over a threshold', () => {
  it('puts the member on the new tier from the next sale', async () => {
    t = await startTill({ now: shanghaiAt('2025-04-10', '10:00') });
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;

    const a = await t.post('/v1/sales', { saleId: 'A', memberNo: m, lines: [foodLine('A', 900_000)] });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(a.body).toMatchObject({ tier: 'silver', tierChanged: true });

    t.clock.set(shanghaiAt('2025-04-10', '10:05'));
    const b = await t.post('/v1/sales', {
      saleId: 'B',
      memberNo: m,
      occurredAt: shanghaiAt('2025-04-08', '10:00'),
      lines: [foodLine('B', 200_000)],
    });
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    // Rolling spend is 1,100,000 fen now: the member has reached Gold.
    expect(b.body.tier).toBe('gold');

    t.clock.set(shanghaiAt('2025-04-11', '10:00'));
    const c = await t.post('/v1/sales', { saleId: 'C', memberNo: m, lines: [foodLine('C', 10_000)] });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    // Earned at Gold ×1.5 (Silver would give 120).
    expect(c.body.pointsEarned).toBe(150);
  });
});
