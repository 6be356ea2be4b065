/**
 * DOMAIN.md 5 and 12: a linked till leaves tier reviews to head office and applies the due ones
 * in memory. A Gold member whose quarter-end review is due (rolling spend below Gold) earns at
 * Silver; when that sale crosses Gold's threshold again, the till's upgrade entry (silver ->
 * gold) re-establishes Gold from its date, so the member earns at Gold from the next sale and
 * the due review, which judges the tier held on its own date, no longer lowers it. Before, the
 * fold dropped the entry (the stored, unreviewed state already said Gold), and the member stayed
 * Silver until the next crossing sale.
 *
 * Default programme (Gold 10,000 yuan, x1.5; Silver x1.2):
 *  - 2024-03-20: a 10,000 yuan sale -> Gold.
 *  - at 2025-03-31 that spend has left the 12-month window: the review is due, Silver.
 *  - 2025-04-02: a 10,000 yuan sale earns at Silver and crosses Gold's threshold again.
 *  - 2025-04-03: a 100 yuan sale earns at Gold: floor(10,000 x 1.5 / 100) = 150 points.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../core/ruleset/default.js';
import { UNANSWERING_HQ, enrolRequest, foodLine, shanghaiAt, startTill, type TestTill } from './helpers/till.js';

let t: TestTill | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe('re-qualifying for the tier a pending review takes away', () => {
  it('puts the member on the re-reached tier from the next sale (connected till)', async () => {
    t = await startTill({ now: shanghaiAt('2024-03-20', '10:00'), config: UNANSWERING_HQ });
    const post = t.post.bind(t);
    const m = (await post('/v1/members', enrolRequest())).body.memberNo as string;

    const first = await post('/v1/sales', { saleId: 'S1', memberNo: m, lines: [foodLine('A', 1_000_000)] });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ tier: 'gold', tierChanged: true });

    t.clock.set(shanghaiAt('2025-04-02', '10:00'));
    const crossing = await post('/v1/sales', { saleId: 'S2', memberNo: m, lines: [foodLine('B', 1_000_000)] });
    expect(crossing.status, JSON.stringify(crossing.body)).toBe(201);
    // Earned at Silver (the 2025-03-31 review is due): correct.
    expect(crossing.body.previousTier).toBe('silver');
    // ...and crossed the Gold threshold again: the member is Gold from the next sale.
    expect(crossing.body.tier).toBe('gold');

    t.clock.set(shanghaiAt('2025-04-03', '10:00'));
    const next = await post('/v1/sales', { saleId: 'S3', memberNo: m, lines: [foodLine('C', 10_000)] });
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    // Gold ×1.5: floor(10000 × 1.5 / 100) = 150 (Silver would be 120).
    expect(next.body.pointsEarned).toBe(150);
  });
});

describe('an upgrade below the stored tier, after reviews applied in memory', () => {
  it('puts the member on the tier reached from the next sale (connected till, two reviews pending)', async () => {
    // Diamond at once on a 3,000 yuan sale (a programme's instant upgrade): little rolling spend.
    const tiers = DEFAULT_RULE_SET_INPUT.tiers.map((x) =>
      x.code === 'diamond' ? { ...x, instantUpgradeSale: 300_000 } : x,
    );
    t = await startTill({ now: shanghaiAt('2024-01-10', '10:00'), config: UNANSWERING_HQ, ruleSet: { tiers } });
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
    const first = await t.post('/v1/sales', { saleId: 'D1', memberNo: m, lines: [foodLine('A', 300_000)] });
    expect(first.body).toMatchObject({ tier: 'diamond', tierChanged: true });

    // 30 June (Diamond -> Gold) and 30 September (Gold -> Silver) are due and unrecorded: the
    // third 2,500 yuan sale earns at Silver and crosses Gold (10,500 yuan in 12 months).
    for (const [i, day] of ['2024-10-13', '2024-10-14', '2024-10-15'].entries()) {
      t.clock.set(shanghaiAt(day, '10:00'));
      const r = await t.post('/v1/sales', { saleId: `D${i + 2}`, memberNo: m, lines: [foodLine('B', 250_000)] });
      expect(r.body, JSON.stringify(r.body)).toMatchObject({ previousTier: i === 2 ? 'silver' : null });
      if (i === 2) expect(r.body).toMatchObject({ tier: 'gold', tierChanged: true });
    }

    t.clock.set(shanghaiAt('2024-10-16', '10:00'));
    const next = await t.post('/v1/sales', { saleId: 'D5', memberNo: m, lines: [foodLine('C', 10_000)] });
    // Gold x1.5: floor(10,000 x 1.5 / 100) = 150 (Silver would be 120).
    expect(next.body).toMatchObject({ tier: 'gold', pointsEarned: 150 });
  });
});
