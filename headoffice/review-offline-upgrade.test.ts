/**
 * DOMAIN.md 5 and 12: a tier review head office wrote before an offline till uploaded an upgrade
 * dated before it. The review judged the tier it names; folded onto the upgraded member it is
 * void, and the review is judged again on the state as it now is. Before (found by an audit in
 * the twenty-first session), it set its tier regardless: a Silver member who reached Gold at an
 * offline till on 20 June was put back to Silver by the 30 June review that had kept Silver,
 * and a later review could take them two tiers down.
 *
 * The same for spend: a downgrade judged before an offline till uploaded sales dated before the
 * review is kept from taking the tier when the spend now known meets what the review judged
 * against (the review entry's `threshold`).
 *
 * Default programme: Silver 5,000 yuan, Gold 10,000 yuan of rolling 12-month spend.
 */
import { describe, expect, it } from 'vitest';
import { HQ_TILL_ID } from './domain/decisions.js';
import { rowToEntry, type LedgerRow } from '../core/ledger/row.js';
import { operator, uploadAll, useTwoTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;

useTwoTillHq((x) => ({ t, A, B } = x));

async function reviews(): Promise<{ before?: string; fromTier?: string; toTier?: string }[]> {
  const rows = await t.sql<LedgerRow>(
    "SELECT * FROM ledger WHERE till_id = ? AND kind = 'tier' ORDER BY seq",
    HQ_TILL_ID,
  );
  return rows.map((r) => rowToEntry(r).data);
}

async function tier(memberNo: string): Promise<string> {
  return (await operator(t, 'GET', `/v1/members/${memberNo}`)).body.tier as string;
}

describe('a review written before an offline till uploaded an earlier upgrade', () => {
  it('leaves the tier the upgrade reached, and is judged again on that tier', async () => {
    // Silver in January with 6,000 yuan: the 30 June review keeps Silver.
    A.enrol('M1', '2025-01-10T02:00:00.000Z');
    A.append('M1', 'earn', 6_000, '2025-01-10T02:01:00.000Z', { spend: 600_000, expiresOn: '2026-01-10' });
    A.append('M1', 'tier', 0, '2025-01-10T02:01:00.000Z', {
      data: { fromTier: 'ordinary', toTier: 'silver', reason: 'threshold', rank: 1 },
    });
    await uploadAll(t, A, 100);
    // Till B, offline, sold 3,000 yuan on 20 June and moved the member up: Silver -> Gold (9,000
    // yuan would not reach Gold, so an instant upgrade, as a programme may set one).
    B.append('M1', 'earn', 3_600, '2025-06-20T03:00:00.000Z', { spend: 300_000, expiresOn: '2026-06-20' });
    B.append('M1', 'tier', 0, '2025-06-20T03:00:00.000Z', {
      data: { fromTier: 'silver', toTier: 'gold', reason: 'instant', rank: 2 },
    });

    // Head office's end of day on 5 July, before B comes back: the 30 June review keeps Silver.
    const july = await operator(t, 'POST', '/v1/eod', { date: '2025-07-05' });
    expect(july.body.reviews).toEqual({ held: 1, downgrades: 0 });
    expect(await reviews()).toEqual([
      expect.objectContaining({ before: '2025-06-30', fromTier: 'silver', toTier: 'silver' }),
    ]);

    // B uploads. Gold was reached on 20 June: the quarter it was reached in is not judged.
    await uploadAll(t, B, 100);
    expect(await tier('M1')).toBe('gold');
    expect((await operator(t, 'POST', '/v1/eod', { date: '2025-07-06' })).body.entries).toBe(0);

    // The 30 September review judges Gold: 9,000 yuan is below it, one tier down, to Silver.
    const october = await operator(t, 'POST', '/v1/eod', { date: '2025-10-05' });
    expect(october.body.reviews).toEqual({ held: 1, downgrades: 1 });
    expect((await reviews())[1]).toMatchObject({ before: '2025-09-30', fromTier: 'gold', toTier: 'silver' });
    expect(await tier('M1')).toBe('silver');
  });

  it('a downgrade judged without an offline till’s spend dated before it: the member keeps the tier', async () => {
    // Silver in January (instant) on 3,000 yuan: the 30 June review, on 3,000 yuan, takes it away.
    A.enrol('M2', '2025-01-10T02:00:00.000Z');
    A.append('M2', 'earn', 3_000, '2025-01-10T02:01:00.000Z', { spend: 300_000, expiresOn: '2026-01-10' });
    A.append('M2', 'tier', 0, '2025-01-10T02:01:00.000Z', {
      data: { fromTier: 'ordinary', toTier: 'silver', reason: 'instant', rank: 1 },
    });
    await uploadAll(t, A, 100);
    // Till B, offline, sold 2,500 yuan on 20 June: 5,500 yuan in the review's window.
    B.append('M2', 'earn', 3_000, '2025-06-20T03:00:00.000Z', { spend: 250_000, expiresOn: '2026-06-20' });

    const july = await operator(t, 'POST', '/v1/eod', { date: '2025-07-05' });
    expect(july.body.reviews).toEqual({ held: 1, downgrades: 1 });
    expect(await reviews()).toEqual([
      expect.objectContaining({ before: '2025-06-30', fromTier: 'silver', toTier: 'ordinary', threshold: 500_000 }),
    ]);
    expect(await tier('M2')).toBe('ordinary');

    // B uploads: on the spend now known the member met Silver on 30 June.
    await uploadAll(t, B, 100);
    expect(await tier('M2')).toBe('silver');
    // That review is done; the next one (30 September, 5,500 yuan in its window) keeps Silver.
    expect((await operator(t, 'POST', '/v1/eod', { date: '2025-07-06' })).body.entries).toBe(0);
    const october = await operator(t, 'POST', '/v1/eod', { date: '2025-10-05' });
    expect(october.body.reviews).toEqual({ held: 1, downgrades: 0 });
    expect((await reviews())[1]).toMatchObject({ before: '2025-09-30', fromTier: 'silver', toTier: 'silver' });
    expect(await tier('M2')).toBe('silver');
  });

  it('a void review still due is written again by the next end of day, judging the tier now held', async () => {
    A.enrol('M3', '2025-01-10T02:00:00.000Z');
    A.append('M3', 'earn', 6_000, '2025-01-10T02:01:00.000Z', { spend: 600_000, expiresOn: '2026-01-10' });
    A.append('M3', 'tier', 0, '2025-01-10T02:01:00.000Z', {
      data: { fromTier: 'ordinary', toTier: 'silver', reason: 'threshold', rank: 1 },
    });
    await uploadAll(t, A, 100);
    // Till B, offline since March: Gold on 15 March (instant), 3,000 yuan.
    B.append('M3', 'earn', 3_600, '2025-03-15T03:00:00.000Z', { spend: 300_000, expiresOn: '2026-03-15' });
    B.append('M3', 'tier', 0, '2025-03-15T03:00:00.000Z', {
      data: { fromTier: 'silver', toTier: 'gold', reason: 'instant', rank: 2 },
    });
    // 30 June, without B: Silver on 6,000 yuan, kept.
    expect((await operator(t, 'POST', '/v1/eod', { date: '2025-07-05' })).body.reviews).toEqual({
      held: 1,
      downgrades: 0,
    });

    // B uploads: Gold since 15 March, so 30 June judges Gold, which that review did not.
    await uploadAll(t, B, 100);
    expect(await tier('M3')).toBe('gold');
    const next = await operator(t, 'POST', '/v1/eod', { date: '2025-07-06' });
    expect(next.body.reviews).toEqual({ held: 1, downgrades: 1 });
    expect((await reviews())[1]).toMatchObject({ before: '2025-06-30', fromTier: 'gold', toTier: 'silver' });
    expect(await tier('M3')).toBe('silver');
  });

  it('an upgrade a till decided after reviews it applied in memory stands, when head office has not recorded them', async () => {
    // Diamond on 10 January (instant) on 3,000 yuan.
    A.enrol('M4', '2024-01-10T02:00:00.000Z');
    A.append('M4', 'earn', 6_000, '2024-01-10T02:01:00.000Z', { spend: 300_000, expiresOn: '2025-01-10' });
    A.append('M4', 'tier', 0, '2024-01-10T02:01:00.000Z', {
      data: { fromTier: 'ordinary', toTier: 'diamond', reason: 'instant', rank: 3 },
    });
    // Offline since: 30 June and 30 September applied in memory (Diamond -> Gold -> Silver), then
    // 7,500 yuan in October crosses Gold: Silver -> Gold, with the reviews it was decided after.
    A.append('M4', 'earn', 9_000, '2024-10-15T02:00:00.000Z', { spend: 750_000, expiresOn: '2025-10-15' });
    A.append('M4', 'tier', 0, '2024-10-15T02:00:00.000Z', {
      data: {
        fromTier: 'silver',
        toTier: 'gold',
        reason: 'threshold',
        rank: 2,
        reviewedInMemory: [
          { before: '2024-06-30', from: 'diamond', to: 'gold', threshold: 5_000_000 },
          { before: '2024-09-30', from: 'gold', to: 'silver', threshold: 1_000_000 },
        ],
      },
    });
    await uploadAll(t, A, 100);
    expect(await tier('M4')).toBe('gold');
    // Gold from 15 October: the quarter it was reached in is not judged, so nothing is due yet.
    expect((await operator(t, 'POST', '/v1/eod', { date: '2024-10-20' })).body.reviews).toEqual({
      held: 0,
      downgrades: 0,
    });
  });
});
