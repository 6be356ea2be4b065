/**
 * Feed polls answered in batches (store/batcher.ts, store/feed.ts readChangePages): tills
 * asking at once, from different cursors and stores, each get exactly the page they get
 * asking alone, personal data included only where the till may have it.
 */
import type { ChangesResponse } from '../core/sync/protocol.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, changes, provision, startHq, uploadAll, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let tills: TillSim[];

beforeAll(async () => {
  t = await startHq();
  const [a, b, c, d] = [
    await provision(t, 'S1', 'S1-T1'),
    await provision(t, 'S1', 'S1-T2'),
    await provision(t, 'S2', 'S2-T1'),
    await provision(t, 'S3', 'S3-T1'),
  ] as [TillSim, TillSim, TillSim, TillSim];
  tills = [a, b, c, d];
  for (let i = 1; i <= 4; i++) {
    a.enrol(`M000000${i}`, at(i), { cards: [{ code: `NFC-M${i}`, kind: 'nfc', status: 'active' }] });
    a.bonus(`M000000${i}`, 1000 * i, at(i + 0.5));
  }
  c.enrol('N0000001', at(10));
  c.enrol('N0000002', at(11));
  // S2's till serves S1's member, S1's second till serves S2's member: both then get the name.
  c.sale('M0000001', 2500, at(12));
  b.sale('N0000001', 1800, at(13));
  a.sale('M0000002', 900, at(14));
  for (const till of [a, b, c]) await uploadAll(t, till, 3);
});
afterAll(async () => {
  await t.close();
});

describe('feed polls answered together', () => {
  it('gives every till, at any cursor and limit, the page it reads alone', async () => {
    const top = (await changes(t, tills[0] as TillSim, 0)).body.cursor as number;
    expect(top).toBeGreaterThan(10);
    const asks = tills.flatMap((till) =>
      [0, 1, 3, Math.floor(top / 2), top - 1, top].flatMap((after) =>
        [1, 3, 1000].map((limit) => ({ till, after, limit })),
      ),
    );
    // Over HTTP the polls of this test would arrive one by one; asked of the store in one turn
    // of the event loop they are read together, in batches of at most 64.
    const page = (a: (typeof asks)[number]): Promise<ChangesResponse> =>
      t.hq.store.changes(a.till.tillId, { after: a.after }, a.limit, new Date());
    const alone: ChangesResponse[] = [];
    for (const a of asks) alone.push(await page(a));
    const together = await Promise.all(asks.map(page));
    expect(together).toEqual(alone);
    // The pages differ by till where they must: S2's till sees S1's member it served by name,
    // S3's till sees the member with the name withheld.
    const member = (body: ChangesResponse): string => {
      const c = body.changes.find((x) => x.type === 'member' && x.member.memberNo === 'M0000001');
      return c?.type === 'member' ? c.member.name : 'absent';
    };
    const byTill = (i: number): string =>
      member(
        together[asks.findIndex((a) => a.till === tills[i] && a.after === 0 && a.limit === 1000)] as ChangesResponse,
      );
    expect(byTill(2)).toBe(byTill(0));
    expect(byTill(3)).not.toBe(byTill(0));
  });
});
