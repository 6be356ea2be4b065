/**
 * Hand-computed end-to-end scenarios through the real service (HTTP, real SQLite file) with
 * a hand-driven clock and the POS's occurredAt. The arithmetic is written out next to every
 * expectation, from DOMAIN.md's formulas, so a reader can check each point by hand.
 *
 * Dates: 2025-03-03 is a Monday. Asia/Shanghai is UTC+8 all year (no DST), so local 10:00
 * is 02:00Z, and local 00:30 on day D+1 is 16:30Z on day D.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { verifyCache, verifyTillChain } from '../main/db/rebuild.js';
import { prepareBatch } from '../main/sync/batch.js';
import { count, enrolRequest, installRuleSet, shanghaiAt, startTill, type TestTill } from './helpers/till.js';

const MEMBER_DAY = {
  id: 'member-day',
  name: { zh: '会员日', en: 'member day' },
  multiplier: '2',
  weekdays: [3], // Wednesday
};

const food = (sku: string, unitPrice: number, quantity = 1, discount = 0): Record<string, unknown> => ({
  sku,
  category: 'food',
  quantity,
  unitPrice,
  discount,
});

let tills: TestTill[] = [];

async function till(opts: Parameters<typeof startTill>[0]): Promise<TestTill> {
  const t = await startTill(opts);
  tills.push(t);
  return t;
}

afterEach(async () => {
  for (const t of tills) {
    // Every scenario ends with a cache that the ledger rebuilds exactly and a valid chain.
    expect(verifyCache(t.ctx.db, t.ctx.ledger, 'ordinary')).toEqual([]);
    expect(verifyTillChain(t.ctx.db)).toMatchObject({ ok: true });
    await t.close();
  }
  tills = [];
});

/** Sets the clock to a local time and records a sale that closed at that instant. */
async function saleAt(
  t: TestTill,
  local: [string, string],
  body: Record<string, unknown>,
): Promise<Record<string, unknown> & { [k: string]: unknown }> {
  const at = shanghaiAt(local[0], local[1]);
  t.clock.set(at);
  const r = await t.post('/v1/sales', { occurredAt: at, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

async function identifyAt(t: TestTill, instant: string, memberNo: string): Promise<Record<string, unknown>> {
  t.clock.set(instant);
  const r = await t.post('/v1/members/identify', { code: memberNo });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

function lots(t: TestTill, memberNo: string): { earnedOn: string; expiresOn: string | null; remaining: number }[] {
  return t.ctx.db
    .prepare(
      `SELECT earned_on AS earnedOn, expires_on AS expiresOn, remaining FROM lots WHERE member_no = ?
       ORDER BY expires_on, earned_on, CAST(substr(lot_id, instr(lot_id, ':') + 1) AS INTEGER)`,
    )
    .all(memberNo) as { earnedOn: string; expiresOn: string | null; remaining: number }[];
}

function entries(t: TestTill, memberNo: string): { kind: string; points: number; spend: number; data: string }[] {
  return t.ctx.db
    .prepare('SELECT kind, points, spend, local_date AS localDate, data FROM ledger WHERE member_no = ? ORDER BY seq')
    .all(memberNo) as { kind: string; points: number; spend: number; data: string }[];
}

describe('a Gold member on a member day', () => {
  it('climbs to Gold (crossing sales earn at the old tier), then earns at Gold ×1.5 × member day ×2', async () => {
    const t = await till({
      now: shanghaiAt('2025-03-03', '09:00'),
      ruleSet: { version: 2, effectiveFrom: '2025-01-01T00:00:00+08:00', promotions: [MEMBER_DAY] },
    });
    const enrolled = await t.post('/v1/members', enrolRequest());
    const m = enrolled.body.memberNo as string;

    // G1 Mon 03-03: ¥4,000 at Ordinary ×1 -> 4,000 points. Rolling spend 400,000 fen < Silver 500,000.
    const g1 = await saleAt(t, ['2025-03-03', '10:00'], { saleId: 'G1', memberNo: m, lines: [food('TV', 400_000)] });
    expect(g1).toMatchObject({
      pointsEarned: 4000,
      balance: 4000,
      tier: 'ordinary',
      tierChanged: false,
      ruleVersion: 2,
    });

    // G2 Tue 03-04: ¥3,000. Rolling 700,000 >= Silver: the crossing sale still earns at Ordinary ×1 = 3,000.
    const g2 = await saleAt(t, ['2025-03-04', '10:00'], { saleId: 'G2', memberNo: m, lines: [food('SOFA', 300_000)] });
    expect(g2).toMatchObject({
      pointsEarned: 3000,
      balance: 7000,
      tier: 'silver',
      tierChanged: true,
      previousTier: 'ordinary',
    });

    // G3 Thu 03-06 (not a member day): ¥3,000 at Silver ×1.2 -> 3,600. Rolling 1,000,000 >= Gold:
    // this crossing sale earns at Silver, the old tier.
    const g3 = await saleAt(t, ['2025-03-06', '10:00'], { saleId: 'G3', memberNo: m, lines: [food('BED', 300_000)] });
    expect(g3).toMatchObject({
      pointsEarned: 3600,
      balance: 10_600,
      tier: 'gold',
      tierChanged: true,
      previousTier: 'silver',
    });

    // G4 Wed 03-12, member day, the next sale: at Gold.
    //   A: 2 × ¥60.00 = 12,000; B: ¥30.00 − own discount 500 = 2,500; T (tobacco): ¥50.00 = 5,000.
    //   Basket discount 1,000 over 12,000 / 2,500 / 5,000 (Σ 19,500), largest remainder:
    //     A 615 (r 7,500), B 128 (r 4,000), T 256 (r 8,000) = 999; +1 to T -> 257.
    //   net: A 11,385, B 2,372, T 4,743 = 18,500.
    //   Points tender 500 points = ¥5.00 = 500 fen over the nets (tobacco included):
    //     A 307 (r 13,000), B 64 (r 2,000), T 128 (r 3,500) = 499; +1 to A -> 308.
    //   eligible: A 11,385 − 308 = 11,077; B 2,372 − 64 = 2,308; T excluded. Σ 13,385.
    //   points = floor(13,385 × 1 × 1.5 × 2 / 100) = floor(401.55) = 401.
    //   qualifying spend = 11,385 + 2,372 = 13,757.
    const basket = {
      saleId: 'G4',
      memberNo: m,
      lines: [
        food('A', 6000, 2),
        { ...food('B', 3000, 1, 500), category: 'household' },
        {
          sku: 'T',
          category: 'tobacco',
          quantity: 1,
          unitPrice: 5000,
        },
      ],
      basketDiscount: 1000,
      tenders: [
        { type: 'points', points: 500 },
        { type: 'cash', amount: 18_000 },
      ],
    };
    const at = shanghaiAt('2025-03-12', '10:00');
    t.clock.set(at);
    const ledgerBefore = count(t.ctx, 'ledger');
    const quote = await t.post('/v1/baskets/quote', { ...basket, occurredAt: at });
    expect(quote.status).toBe(200);
    expect(quote.body).toMatchObject({
      total: 18_500,
      qualifyingSpend: 13_757,
      pointsEarned: 401,
      pointsRedeemed: 500,
      redemptionValue: 500,
      // 50 % of 18,500 = 9,250 fen -> 9,200 points in steps of 100; the balance allows more.
      maxRedeemablePoints: 9200,
      balance: 10_600,
      redemptionProblem: null,
    });
    expect(count(t.ctx, 'ledger')).toBe(ledgerBefore);

    const g4 = await saleAt(t, ['2025-03-12', '10:00'], basket);
    expect(g4).toMatchObject({
      total: 18_500,
      pointsEarned: 401,
      pointsRedeemed: 500,
      redemptionValue: 500,
      // 10,600 − 500 + 401
      balance: 10_501,
      tier: 'gold',
      tierChanged: false,
      ruleVersion: 2,
    });
    expect(g4.breakdown).toEqual([
      { kind: 'base', eligibleSpend: 13_385, baseRateMilli: 1000, points: 133 },
      { kind: 'excluded', amount: 4743, categories: ['tobacco'] },
      { kind: 'pointsTender', amount: 500 },
      { kind: 'tier', tier: 'gold', multiplierMilli: 1500 },
      { kind: 'promotion', promotionId: 'member-day', multiplierMilli: 2000, categories: null },
    ]);
    expect((g4.breakdownText as { en: string }).en).toBe(
      'base 133, excluded ¥47.43 (tobacco), paid by points ¥5.00, Gold ×1.5, member day ×2 = 401',
    );
    // The redemption is written before the earning, and consumed the earliest-expiring lot (G1's).
    const written = entries(t, m).slice(-2);
    expect(written.map((e) => [e.kind, e.points, e.spend])).toEqual([
      ['redeem', 500, 0],
      ['earn', 401, 13_757],
    ]);
    expect(JSON.parse(written[1]?.data ?? '{}')).toMatchObject({ ruleVersion: 2 });
    expect(lots(t, m)).toEqual([
      { earnedOn: '2025-03-03', expiresOn: '2026-03-03', remaining: 3500 },
      { earnedOn: '2025-03-04', expiresOn: '2026-03-04', remaining: 3000 },
      { earnedOn: '2025-03-06', expiresOn: '2026-03-06', remaining: 3600 },
      { earnedOn: '2025-03-12', expiresOn: '2026-03-12', remaining: 401 },
    ]);

    // ------------------------------------------------------------------------------------
    // Partial returns after part of the points were spent.
    //
    // G5 Thu 03-13: ¥300.00 paid partly with 10,200 points (¥102; 50 % of 30,000 = 15,000 allows it).
    //   eligible 30,000 − 10,200 = 19,800 -> floor(19,800 × 1.5 / 100) = 297 (Thursday: no promotion).
    //   The 10,200 points take G1 3,500 + G2 3,000 + G3 3,600 = 10,100, then 100 of G4's 401.
    //   Balance 10,501 − 10,200 + 297 = 598.
    const g5 = await saleAt(t, ['2025-03-13', '10:00'], {
      saleId: 'G5',
      memberNo: m,
      lines: [food('C', 30_000)],
      tenders: [{ type: 'points', points: 10_200 }],
    });
    expect(g5).toMatchObject({ pointsEarned: 297, pointsRedeemed: 10_200, balance: 598 });
    expect(lots(t, m)).toEqual([
      { earnedOn: '2025-03-12', expiresOn: '2026-03-12', remaining: 301 },
      { earnedOn: '2025-03-13', expiresOn: '2026-03-13', remaining: 297 },
    ]);

    // Return 1 of the 2 A from G4 on Fri 03-14.
    //   Earned: kept = floor(401 × remainingEligible / 13,385), remainingEligible =
    //   11,077 × 1/2 + 2,308 = 7,846.5 -> floor(401 × 7,846.5 / 13,385) = floor(235.07) = 235;
    //   reversed 401 − 235 = 166.
    //   Redeemed: tender shares A 308, B 64, T 128; remaining 154 + 64 + 128 = 346 of 500 ->
    //   kept floor(500 × 346 / 500) = 346; restored 500 − 346 = 154.
    //   Qualifying spend drops floor(13,757) − floor(11,385/2 + 2,372 = 8,064.5) = 13,757 − 8,064 = 5,693.
    //   Balance 598 + 154 − 166 = 586.
    t.clock.set(shanghaiAt('2025-03-14', '10:00'));
    const r1 = await t.post('/v1/returns', {
      returnId: 'G4-R1',
      originalSaleId: 'G4',
      lines: [{ sku: 'A', quantity: 1 }],
    });
    expect(r1.status).toBe(201);
    expect(r1.body).toMatchObject({
      pointsReversed: 166,
      pointsRestored: 154,
      pointsShort: 0,
      refundDeduction: 0,
      returnedAmount: 5693,
      balance: 586,
      tier: 'gold', // a return never downgrades by itself
      fullyReturned: false,
    });
    expect(
      entries(t, m)
        .slice(-2)
        .map((e) => [e.kind, e.points, e.spend]),
    ).toEqual([
      ['restore', 154, 0],
      ['reverse', 166, -5693],
    ]);
    // The reversal takes G4's own lot first (301 -> 135); the restored points expire as if
    // earned on the original sale's date (2025-03-12 -> 2026-03-12).
    expect(lots(t, m)).toEqual([
      { earnedOn: '2025-03-12', expiresOn: '2026-03-12', remaining: 135 },
      { earnedOn: '2025-03-14', expiresOn: '2026-03-12', remaining: 154 },
      { earnedOn: '2025-03-13', expiresOn: '2026-03-13', remaining: 297 },
    ]);

    // The rest of G4 comes back: reversed 235 − 0 = 235, restored 346 − 0 = 346, so the two
    // returns add up to exactly what G4 earned (166 + 235 = 401) and redeemed (154 + 346 = 500).
    //   Balance 586 + 346 − 235 = 697. The 235 take G4's lot (135), then 100 of the first lot in
    //   expiry order (the 154 restored on 03-14 -> 54).
    const r2 = await t.post('/v1/returns', {
      returnId: 'G4-R2',
      originalSaleId: 'G4',
      lines: [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 1 },
        { sku: 'T', quantity: 1 },
      ],
    });
    expect(r2.status).toBe(201);
    expect(r2.body).toMatchObject({ pointsReversed: 235, pointsRestored: 346, balance: 697, fullyReturned: true });
    expect(lots(t, m)).toEqual([
      // Both restores of the day joined one lot (core/ledger/state.ts lotKey): 54 + 346.
      { earnedOn: '2025-03-14', expiresOn: '2026-03-12', remaining: 400 },
      { earnedOn: '2025-03-13', expiresOn: '2026-03-13', remaining: 297 },
    ]);
    const g4Entries = t.ctx.ledger.entriesOf(m).filter((e) => e.saleId === 'G4');
    const sum = (kind: string): number => g4Entries.filter((e) => e.kind === kind).reduce((a, e) => a + e.points, 0);
    expect([sum('earn'), sum('reverse'), sum('redeem'), sum('restore')]).toEqual([401, 401, 500, 500]);
    // Qualifying spend is back to what it was without G4: 1,000,000 + 30,000 (G5).
    const who = await identifyAt(t, shanghaiAt('2025-03-14', '11:00'), m);
    expect(who).toMatchObject({ balance: 697, tier: 'gold', rollingSpend: 1_030_000 });
  });
});

describe('expiry across a year boundary (Asia/Shanghai)', () => {
  it('rollingMonths 12: points earned on local 2025-12-31 expire after 2026-12-31', async () => {
    // 2025-12-31T12:00Z is 20:00 on 12-31 in Shanghai.
    const t = await till({ now: '2025-12-31T12:00:00Z' });
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
    // E1 at local 2025-12-31 20:00: ¥100 -> 100 points, expire after 2026-12-31.
    t.clock.set('2025-12-31T12:00:00Z');
    expect((await t.post('/v1/sales', { saleId: 'E1', memberNo: m, lines: [food('A', 10_000)] })).body.balance).toBe(
      100,
    );
    // E2 at 2025-12-31T16:30Z: UTC still says 12-31, but it is 00:30 on 2026-01-01 in the store,
    // so its 50 points expire after 2027-01-01.
    t.clock.set('2025-12-31T16:30:00Z');
    expect((await t.post('/v1/sales', { saleId: 'E2', memberNo: m, lines: [food('B', 5000)] })).body.balance).toBe(150);
    expect(lots(t, m)).toEqual([
      { earnedOn: '2025-12-31', expiresOn: '2026-12-31', remaining: 100 },
      { earnedOn: '2026-01-01', expiresOn: '2027-01-01', remaining: 50 },
    ]);

    // 2026-11-15: both lots fall within the next 60 days (until 2027-01-14) and are announced.
    const nov = await identifyAt(t, '2026-11-15T04:00:00Z', m);
    expect(nov).toMatchObject({
      balance: 150,
      expiringSoon: [
        { on: '2026-12-31', points: 100 },
        { on: '2027-01-01', points: 50 },
      ],
    });

    // The last second of 2026-12-31 local: still valid, nothing written.
    const ledger = count(t.ctx, 'ledger');
    expect(await identifyAt(t, '2026-12-31T15:59:59Z', m)).toMatchObject({ balance: 150 });
    expect(count(t.ctx, 'ledger')).toBe(ledger);

    // 2026-12-31T16:00Z = 2027-01-01 00:00 local: the first activity after the date writes the
    // expire entry, and the balance shown no longer includes the 100.
    const jan1 = await identifyAt(t, '2026-12-31T16:00:00Z', m);
    expect(jan1).toMatchObject({ balance: 50, spendable: 50, expiringSoon: [{ on: '2027-01-01', points: 50 }] });
    const last = t.ctx.ledger.entriesOf(m).at(-1);
    expect(last).toMatchObject({
      kind: 'expire',
      points: 100,
      localDate: '2027-01-01',
      data: { before: '2027-01-01' },
    });
    expect(count(t.ctx, 'ledger')).toBe(ledger + 1);
    // Seen again the same day: nothing more to write.
    await identifyAt(t, '2027-01-01T03:00:00Z', m);
    expect(count(t.ctx, 'ledger')).toBe(ledger + 1);

    // 2027-01-02 local: the 50 from 2026-01-01 go too.
    expect(await identifyAt(t, '2027-01-01T16:00:00Z', m)).toMatchObject({ balance: 0, expiringSoon: [] });
    expect(t.ctx.ledger.entriesOf(m).at(-1)).toMatchObject({ kind: 'expire', points: 50 });
  });

  it('a quote never counts points that expired, even before any entry was written', async () => {
    const t = await till({ now: '2025-12-31T12:00:00Z' });
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
    await t.post('/v1/sales', { saleId: 'E1', memberNo: m, lines: [food('A', 50_000)] });
    t.clock.set('2026-12-31T16:00:00Z');
    const ledger = count(t.ctx, 'ledger');
    const q = await t.post('/v1/baskets/quote', { memberNo: m, lines: [food('A', 100_000)], redeemPoints: 200 });
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({ balance: 0, maxRedeemablePoints: 0 });
    expect(q.body.redemptionProblem?.code).toBe('insufficient_points');
    expect(count(t.ctx, 'ledger')).toBe(ledger);
  });

  it('endOfNextYear: earned in 2025 expire after 2026-12-31, earned on local 2026-01-01 after 2027-12-31', async () => {
    const t = await till({
      now: '2025-12-31T12:00:00Z',
      ruleSet: { version: 2, expiry: { policy: 'endOfNextYear' } },
    });
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
    await t.post('/v1/sales', { saleId: 'E1', memberNo: m, lines: [food('A', 10_000)] });
    // Local 2026-01-01 00:30: a year later than the UTC date says.
    t.clock.set('2025-12-31T16:30:00Z');
    await t.post('/v1/sales', {
      saleId: 'E2',
      memberNo: m,
      lines: [food('B', 5000)],
      occurredAt: '2025-12-31T16:30:00Z',
    });
    expect(lots(t, m)).toEqual([
      { earnedOn: '2025-12-31', expiresOn: '2026-12-31', remaining: 100 },
      { earnedOn: '2026-01-01', expiresOn: '2027-12-31', remaining: 50 },
    ]);
    expect(await identifyAt(t, '2026-12-31T15:59:59Z', m)).toMatchObject({ balance: 150 });
    expect(await identifyAt(t, '2026-12-31T16:00:00Z', m)).toMatchObject({ balance: 50 });
    expect(await identifyAt(t, '2027-12-31T15:59:59Z', m)).toMatchObject({
      balance: 50,
      expiringSoon: [{ on: '2027-12-31', points: 50 }],
    });
    expect(await identifyAt(t, '2027-12-31T16:00:00Z', m)).toMatchObject({ balance: 0 });
    const expired = t.ctx.ledger.entriesOf(m).filter((e) => e.kind === 'expire');
    expect(expired.map((e) => [e.localDate, e.points])).toEqual([
      ['2027-01-01', 100],
      ['2028-01-01', 50],
    ]);
  });
});

describe('tier reviews', () => {
  /** Enrols and makes one ¥10,000 sale on 2025-01-15: Ordinary straight to Gold. */
  async function goldSince15Jan(t: TestTill): Promise<string> {
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
    // 1,000,000 fen of qualifying spend reaches Gold (threshold ¥10,000) at once. The sale earns
    // at Ordinary: 10,000 points, of which the daily cap (5,000) grants 5,000.
    const s = await saleAt(t, ['2025-01-15', '10:00'], {
      saleId: `GOLD-${m}`,
      memberNo: m,
      lines: [food('A', 1_000_000)],
    });
    expect(s).toMatchObject({ pointsEarned: 5000, withheldByCaps: 5000, tier: 'gold', tierChanged: true });
    return m;
  }

  it('a quarterly review drops a Gold member with no spend by one tier only', async () => {
    const t = await till({ now: shanghaiAt('2025-01-15', '09:00') });
    const m = await goldSince15Jan(t);

    // Q1 (reached mid-quarter) is not judged. 2025-06-30: rolling spend over (2024-06-30, 2025-06-30]
    // is 1,000,000 >= Gold: stays Gold; the review is recorded.
    expect(await identifyAt(t, shanghaiAt('2025-07-01', '10:00'), m)).toMatchObject({ tier: 'gold' });
    const reviews = (): { from?: string; to?: string; before?: string }[] =>
      t.ctx.ledger
        .entriesOf(m)
        .filter((e) => e.kind === 'tier' && e.data.reason === 'review')
        .map((e) => ({ from: e.data.fromTier, to: e.data.toTier, before: e.data.before }));
    expect(reviews()).toEqual([{ from: 'gold', to: 'gold', before: '2025-06-30' }]);

    // 2026-04-01: reviews 2025-09-30 and 2025-12-31 still see the January sale (Gold); 2026-03-31's
    // window (2025-03-31, 2026-03-31] is empty: 0 < Gold's threshold, and also below Silver's,
    // but a review drops one tier only: Silver. The 5,000 points (expired 2026-01-15) are gone too.
    const apr = await identifyAt(t, shanghaiAt('2026-04-01', '10:00'), m);
    expect(apr).toMatchObject({ tier: 'silver', balance: 0, rollingSpend: 0 });
    expect(reviews()).toEqual([
      { from: 'gold', to: 'gold', before: '2025-06-30' },
      { from: 'gold', to: 'gold', before: '2025-09-30' },
      { from: 'gold', to: 'gold', before: '2025-12-31' },
      { from: 'gold', to: 'silver', before: '2026-03-31' },
    ]);
    // A sale now earns at Silver ×1.2: ¥100 -> 120 points. Spend 10,000 fen keeps the member Silver.
    const s = await saleAt(t, ['2026-04-02', '10:00'], { saleId: 'AFTER', memberNo: m, lines: [food('A', 10_000)] });
    expect(s).toMatchObject({ pointsEarned: 120, tier: 'silver', tierChanged: false });
  });

  // A review's tier begins on the review date, so the outcome does not depend on whether
  // the member was seen between reviews.
  it('the outcome of reviews does not depend on when the member was seen in between', async () => {
    const t = await till({ now: shanghaiAt('2025-01-15', '09:00') });
    const seen = await goldSince15Jan(t);
    const unseen = await goldSince15Jan(t);
    await identifyAt(t, shanghaiAt('2026-04-01', '10:00'), seen);
    const a = await identifyAt(t, shanghaiAt('2026-07-05', '10:00'), seen);
    const b = await identifyAt(t, shanghaiAt('2026-07-05', '10:00'), unseen);
    // Silver was held for all of Q2 2026 with no spend: the 2026-06-30 review drops both to Ordinary.
    expect(b.tier).toBe('ordinary');
    expect(a.tier).toBe(b.tier);
  });
});

describe('the daily cap', () => {
  it('grants at most 5,000 sale points per member per local day', async () => {
    const t = await till({ now: shanghaiAt('2025-03-05', '09:00') });
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
    // 10:00 ¥4,000 -> 4,000 (1,000 of the day's 5,000 left).
    const s1 = await saleAt(t, ['2025-03-05', '10:00'], { saleId: 'C1', memberNo: m, lines: [food('A', 400_000)] });
    expect(s1).toMatchObject({ pointsEarned: 4000, withheldByCaps: 0 });
    // 15:00 ¥3,000 -> 3,000 computed, 1,000 granted, 2,000 withheld. Rolling 700,000 -> Silver next.
    const s2 = await saleAt(t, ['2025-03-05', '15:00'], { saleId: 'C2', memberNo: m, lines: [food('B', 300_000)] });
    expect(s2).toMatchObject({ pointsEarned: 1000, withheldByCaps: 2000, balance: 5000, tier: 'silver' });
    expect(s2.breakdown).toContainEqual({ kind: 'cap', cap: 'daily', limit: 5000, withheld: 2000 });
    expect((s2.breakdownText as { en: string }).en).toBe('base 3000 = 3000; daily cap: 2000 withheld → 1000');
    // 23:59 ¥10 at Silver: floor(1,000 × 1.2 / 100) = 12 computed, none left today.
    const s3 = await saleAt(t, ['2025-03-05', '23:59'], { saleId: 'C3', memberNo: m, lines: [food('C', 1000)] });
    expect(s3).toMatchObject({ pointsEarned: 0, withheldByCaps: 12, balance: 5000 });
    // 00:30 local on 03-06 (16:30Z, the same UTC date): a new store day. ¥20 × 1.2 = 24.
    const s4 = await saleAt(t, ['2025-03-06', '00:30'], { saleId: 'C4', memberNo: m, lines: [food('D', 2000)] });
    expect(s4).toMatchObject({ pointsEarned: 24, withheldByCaps: 0, balance: 5024 });
    // Later that day a quote shows the cap as the sale would apply it, and writes nothing:
    // 24 of 5,000 used; ¥5,000 at Silver = 6,000 computed, 4,976 granted, 1,024 withheld.
    t.clock.set(shanghaiAt('2025-03-06', '09:00'));
    const ledger = count(t.ctx, 'ledger');
    const q = await t.post('/v1/baskets/quote', { memberNo: m, lines: [food('E', 500_000)] });
    expect(q.body).toMatchObject({ pointsEarned: 4976, withheldByCaps: 1024 });
    expect(count(t.ctx, 'ledger')).toBe(ledger);
  });
});

describe('the daily cap and sales that reach the till late', () => {
  // A sale the POS delivers late (dated an earlier day) counts against that day's cap and
  // does not reopen today's (the state keeps recent days' earnings).
  it("a late sale from an earlier day does not reopen the current day's cap", async () => {
    const t = await till({ now: shanghaiAt('2025-03-05', '09:00') });
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
    // 03-05 10:00: ¥5,000 -> 5,000 points, the whole daily cap (and Silver from the next sale).
    const a = await saleAt(t, ['2025-03-05', '10:00'], { saleId: 'A', memberNo: m, lines: [food('A', 500_000)] });
    expect(a).toMatchObject({ pointsEarned: 5000, tier: 'silver' });
    // Delivered now, closed yesterday 18:00: ¥10 at Silver -> 12 points, within 03-04's cap.
    t.clock.set(shanghaiAt('2025-03-05', '10:30'));
    const late = await t.post('/v1/sales', {
      saleId: 'LATE',
      memberNo: m,
      lines: [food('B', 1000)],
      occurredAt: shanghaiAt('2025-03-04', '18:00'),
    });
    expect(late.body).toMatchObject({ pointsEarned: 12 });
    // 03-05 11:00: the day's cap is used up, so ¥1,000 earns nothing.
    const b = await saleAt(t, ['2025-03-05', '11:00'], { saleId: 'B', memberNo: m, lines: [food('C', 100_000)] });
    expect(b).toMatchObject({ pointsEarned: 0, withheldByCaps: 1200 });
  });
});

describe('stamp card and returns', () => {
  it('takes a stamp back once the spend the customer keeps falls below the threshold', async () => {
    const t = await till({
      now: shanghaiAt('2025-03-05', '10:00'),
      ruleSet: { version: 2, stampCard: { threshold: 5000, stampsForReward: 3, rewardPoints: 200 } },
    });
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
    const stamps = async (): Promise<unknown> => (await t.post('/v1/members/identify', { code: m })).body.stamps;
    const ret = async (returnId: string, saleId: string, quantity: number): Promise<void> => {
      const r = await t.post('/v1/returns', { returnId, originalSaleId: saleId, lines: [{ sku: 'A', quantity }] });
      expect(r.status).toBe(201);
    };
    // S1: 2 × ¥30 = 6,000 eligible >= 5,000: a stamp.
    await t.post('/v1/sales', { saleId: 'S1', memberNo: m, lines: [food('A', 3000, 2)] });
    expect(await stamps()).toBe(1);
    // 0.1 back: 5,700 kept, still >= 5,000. Then the rest: nothing kept, the stamp goes.
    await ret('S1-R1', 'S1', 0.1);
    expect(await stamps()).toBe(1);
    await ret('S1-R2', 'S1', 1.9);
    expect(await stamps()).toBe(0);
    // S2: 3 × ¥30 = 9,000. One back: 6,000 kept. Another: 3,000 kept < 5,000, the stamp goes,
    // though this return alone was only 3,000.
    await t.post('/v1/sales', { saleId: 'S2', memberNo: m, lines: [food('A', 3000, 3)] });
    expect(await stamps()).toBe(1);
    await ret('S2-R1', 'S2', 1);
    expect(await stamps()).toBe(1);
    await ret('S2-R2', 'S2', 1);
    expect(await stamps()).toBe(0);
    await ret('S2-R3', 'S2', 1);
    expect(await stamps()).toBe(0);
    const taken = t.ctx.ledger.entriesOf(m).filter((e) => e.kind === 'stamp_return');
    expect(taken.map((e) => e.saleId)).toEqual(['S1', 'S2']);
    // Three qualifying sales fill the card: the third brings the 200-point reward.
    for (const id of ['S3', 'S4']) await t.post('/v1/sales', { saleId: id, memberNo: m, lines: [food('A', 5000)] });
    const third = await t.post('/v1/sales', { saleId: 'S5', memberNo: m, lines: [food('A', 5000)] });
    expect(third.body).toMatchObject({ pointsEarned: 50, bonusPoints: 200 });
    expect((third.body.breakdownText as { en: string }).en).toBe('base 50 = 50; stamp reward +200; stamp 3/3');
  });
});

describe('sales and returns dated in the future', () => {
  it('are refused, so a wrong POS clock cannot expire points or apply reviews early', async () => {
    const t = await till({ now: shanghaiAt('2025-03-05', '10:00') });
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
    await saleAt(t, ['2025-03-05', '10:00'], { saleId: 'NOW', memberNo: m, lines: [food('A', 100_000)] });
    const ledger = count(t.ctx, 'ledger');
    // Dated 2030: settling the member at that date would expire today's 1,000 points for good.
    const future = await t.post('/v1/sales', {
      saleId: 'FUTURE',
      memberNo: m,
      lines: [food('B', 100)],
      occurredAt: '2030-01-01T00:00:00Z',
    });
    expect(future.status).toBe(422);
    expect(future.body.error).toMatchObject({ code: 'occurred_in_future', field: 'occurredAt' });
    // Local 10:05 sent as UTC ("Z"): 8 hours ahead, the classic time-zone slip.
    const slip = await t.post('/v1/sales', {
      saleId: 'SLIP',
      memberNo: m,
      lines: [food('B', 100)],
      occurredAt: '2025-03-05T10:05:00Z',
    });
    expect(slip.body.error?.code).toBe('occurred_in_future');
    const ret = await t.post('/v1/returns', {
      returnId: 'RF',
      originalSaleId: 'NOW',
      lines: [{ sku: 'A', quantity: 1 }],
      occurredAt: '2027-01-01T00:00:00Z',
    });
    expect(ret.body.error?.code).toBe('occurred_in_future');
    expect(count(t.ctx, 'ledger')).toBe(ledger);
    expect(await identifyAt(t, shanghaiAt('2025-03-05', '10:01'), m)).toMatchObject({ balance: 1000 });
    // A POS clock a few minutes ahead is ordinary skew and accepted.
    const skew = await t.post('/v1/sales', {
      saleId: 'SKEW',
      memberNo: m,
      lines: [food('B', 100)],
      occurredAt: shanghaiAt('2025-03-05', '10:06'),
    });
    expect(skew.status).toBe(201);
  });
});

describe('rule-set versions', () => {
  it("a sale uses the highest version in force at occurredAt; a return reverses with the sale's version", async () => {
    const t = await till({ now: shanghaiAt('2025-03-05', '09:00') });
    // v2 from 03-10: member day ×2. v3 from 06-01: member day ×3. v4, published after v3 but
    // effective from 05-01, cancels member days: being the higher version it supersedes v3 too.
    installRuleSet(t.ctx, { version: 2, effectiveFrom: '2025-03-10T00:00:00+08:00', promotions: [MEMBER_DAY] });
    installRuleSet(t.ctx, {
      version: 3,
      effectiveFrom: '2025-06-01T00:00:00+08:00',
      promotions: [{ ...MEMBER_DAY, multiplier: '3' }],
    });
    installRuleSet(t.ctx, { version: 4, effectiveFrom: '2025-05-01T00:00:00+08:00', promotions: [] });
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
    const wed = async (saleId: string, date: string): Promise<Record<string, unknown>> =>
      saleAt(t, [date, '10:00'], { saleId, memberNo: m, lines: [food('A', 10_000)] });
    // Wednesdays, ¥100 each.
    expect(await wed('V1', '2025-03-05')).toMatchObject({ ruleVersion: 1, pointsEarned: 100 });
    expect(await wed('V2', '2025-03-12')).toMatchObject({ ruleVersion: 2, pointsEarned: 200 });
    expect(await wed('V4', '2025-06-04')).toMatchObject({ ruleVersion: 4, pointsEarned: 100 });
    // A POS clock set years back is refused (DOMAIN.md 12: late sales at most lateSaleMaxDays).
    t.clock.set(shanghaiAt('2025-06-04', '11:00'));
    const old = await t.post('/v1/sales', {
      saleId: 'V0',
      memberNo: m,
      lines: [food('A', 10_000)],
      occurredAt: shanghaiAt('2019-06-05', '10:00'),
    });
    expect(old.status).toBe(422);
    expect(old.body.error.code).toBe('occurred_too_long_ago');
    // A quote refuses what the sale would (it must not promise points the sale then refuses).
    const basket = { memberNo: m, lines: [food('A', 10_000)] };
    const oldQuote = await t.post('/v1/baskets/quote', { ...basket, occurredAt: shanghaiAt('2019-06-05', '10:00') });
    expect([oldQuote.status, oldQuote.body.error?.code]).toEqual([422, 'occurred_too_long_ago']);
    const ahead = await t.post('/v1/baskets/quote', { ...basket, occurredAt: shanghaiAt('2025-06-04', '12:00') });
    expect([ahead.status, ahead.body.error?.code]).toEqual([422, 'occurred_in_future']);
    const lateQuote = await t.post('/v1/baskets/quote', { ...basket, occurredAt: shanghaiAt('2025-06-03', '10:00') });
    expect(lateQuote.status).toBe(200);
    // The member-day sale comes back under v4: v2 computed it, so exactly its 200 are reversed.
    const r = await t.post('/v1/returns', {
      returnId: 'V2R',
      originalSaleId: 'V2',
      lines: [{ sku: 'A', quantity: 1 }],
    });
    expect(r.body).toMatchObject({ pointsReversed: 200, fullyReturned: true });
  });
});

describe('enrolment and referral bonuses', () => {
  it('grants the enrolment bonus, and the referral bonus to both members, as fixed entries', async () => {
    const t = await till({
      now: shanghaiAt('2025-03-05', '10:00'),
      ruleSet: { version: 2, bonuses: { enrolment: 200, referral: 300 } },
    });
    const a = await t.post('/v1/members', enrolRequest());
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ bonusPoints: 200, balance: 200 });
    const referrer = a.body.memberNo as string;

    // An unknown referrer is refused and nothing is written (not even a member number).
    const before = { ledger: count(t.ctx, 'ledger'), members: count(t.ctx, 'members') };
    const bad = await t.post('/v1/members', enrolRequest({ referrerMemberNo: '2000000000008' }));
    expect(bad.status).toBe(404);
    expect(bad.body.error.code).toBe('unknown_member');
    expect({ ledger: count(t.ctx, 'ledger'), members: count(t.ctx, 'members') }).toEqual(before);

    // B, referred by A: 200 (enrolment) + 300 (referral) = 500. A gets 300: 200 + 300 = 500.
    const b = await t.post('/v1/members', enrolRequest({ referrerMemberNo: referrer }));
    expect(b.status).toBe(201);
    expect(b.body).toMatchObject({ bonusPoints: 500, balance: 500 });
    const referred = b.body.memberNo as string;
    expect(await identifyAt(t, shanghaiAt('2025-03-05', '10:05'), referrer)).toMatchObject({ balance: 500 });
    const bonuses = (m: string): [string, number, string | undefined][] =>
      t.ctx.ledger
        .entriesOf(m)
        .filter((e) => e.kind === 'bonus')
        .map((e) => [e.kind, e.points, e.data.bonus]);
    expect(bonuses(referrer)).toEqual([
      ['bonus', 200, 'enrolment'],
      ['bonus', 300, 'referral'],
    ]);
    expect(bonuses(referred)).toEqual([
      ['bonus', 200, 'enrolment'],
      ['bonus', 300, 'referral'],
    ]);
    // Bonuses are not sale points: the same day, the daily cap still grants a full 5,000.
    const s = await saleAt(t, ['2025-03-05', '11:00'], {
      saleId: 'B1',
      memberNo: referred,
      lines: [food('A', 500_000)],
    });
    expect(s).toMatchObject({ pointsEarned: 5000, withheldByCaps: 0, balance: 5500 });
    // Bonus points expire like any other (12 months): gone on 2026-03-06.
    expect(await identifyAt(t, shanghaiAt('2026-03-06', '10:00'), referrer)).toMatchObject({ balance: 0 });
  });
});

describe('returns when the balance is too low to reverse', () => {
  /** X earns 1,000; Y spends 900 of them (¥9 of a ¥20 basket) and earns floor(1,100 / 100) = 11. */
  async function spentMost(t: TestTill): Promise<string> {
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
    await saleAt(t, ['2025-03-05', '10:00'], { saleId: 'X', memberNo: m, lines: [food('A', 100_000)] });
    const y = await saleAt(t, ['2025-03-05', '11:00'], {
      saleId: 'Y',
      memberNo: m,
      lines: [food('B', 2000)],
      tenders: [{ type: 'points', points: 900 }],
    });
    expect(y).toMatchObject({ pointsEarned: 11, balance: 111 });
    return m;
  }

  it('deductFromRefund: reverses what the balance covers and deducts the rest from the refund', async () => {
    const t = await till({
      now: shanghaiAt('2025-03-05', '09:00'),
      ruleSet: { version: 2, returns: { insufficientBalance: 'deductFromRefund' } },
    });
    const m = await spentMost(t);
    // Full return of X: 1,000 to reverse, the balance covers 111; 889 points short, worth
    // 889 fen at 100 points = ¥1 -> the refund is ¥8.89 smaller. Balance 0, never negative.
    t.clock.set(shanghaiAt('2025-03-06', '10:00'));
    const r = await t.post('/v1/returns', { returnId: 'XR', originalSaleId: 'X', lines: [{ sku: 'A', quantity: 1 }] });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      pointsReversed: 111,
      pointsRestored: 0,
      pointsShort: 889,
      refundDeduction: 889,
      returnedAmount: 100_000,
      balance: 0,
      fullyReturned: true,
    });
    expect(t.ctx.ledger.entriesOf(m).at(-1)).toMatchObject({ kind: 'reverse', points: 111, spend: -100_000 });
    expect(lots(t, m)).toEqual([]);
    expect(await identifyAt(t, shanghaiAt('2025-03-06', '10:01'), m)).toMatchObject({ balance: 0, spendable: 0 });
    // Uploaded with the view it was decided on (no confirmation yet: cursor 0), for head office to check the 889.
    const { batch } = prepareBatch(t.ctx, { seq: 0, outboxId: 0 }, { maxEntries: 1_000, maxBytes: 1e6 });
    expect(batch?.returns).toEqual([
      expect.objectContaining({ returnId: 'XR', basis: { cursor: 0, confirmedThrough: 0 } }),
    ]);
  });

  it('allowNegative (default): the balance goes negative and later earnings pay the debt first', async () => {
    const t = await till({ now: shanghaiAt('2025-03-05', '09:00') });
    const m = await spentMost(t);
    t.clock.set(shanghaiAt('2025-03-06', '10:00'));
    const r = await t.post('/v1/returns', { returnId: 'XR', originalSaleId: 'X', lines: [{ sku: 'A', quantity: 1 }] });
    expect(r.body).toMatchObject({ pointsReversed: 1000, pointsShort: 0, refundDeduction: 0, balance: -889 });
    expect(await identifyAt(t, shanghaiAt('2025-03-06', '10:01'), m)).toMatchObject({ balance: -889, spendable: 0 });
    // No redemption while in debt.
    const refused = await t.post('/v1/sales', {
      saleId: 'Z0',
      memberNo: m,
      lines: [food('C', 100_000)],
      tenders: [{ type: 'points', points: 100 }],
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('insufficient_points');
    // ¥1,000 earns 1,000: 889 pay the debt, a lot of 111 remains.
    const z = await saleAt(t, ['2025-03-07', '10:00'], { saleId: 'Z', memberNo: m, lines: [food('C', 100_000)] });
    expect(z).toMatchObject({ pointsEarned: 1000, balance: 111 });
    expect(lots(t, m)).toEqual([{ earnedOn: '2025-03-07', expiresOn: '2026-03-07', remaining: 111 }]);
  });
});
