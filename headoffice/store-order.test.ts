/**
 * Lists head office builds from several rows come out in one order on both stores, whatever
 * order the rows come back in (PostgreSQL answers without ORDER BY in heap order, where an updated
 * row moves to the end; SQLite in rowid order):
 * - 409 segment_in_use names the campaigns still targeting the segment in GET /v1/campaigns's
 *   order, created_at then id (store/saved-segments.ts deleteSegment);
 * - GET /v1/reports/summary lists `members.classes` A to D then unclassified, and `members.tiers`
 *   by the rule set's rank, lowest first (store/summary.ts); the dashboard shows the keys in order;
 * - a redeem_after_earn case lists its earn entries in ledger order, time then till and seq
 *   (store/anomalies.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { at, hqCli, operator, provision, startHq, upload, type TestHq } from './test-helpers.js';

let t: TestHq;
beforeEach(async () => {
  t = await startHq();
});
afterEach(async () => {
  await t.close();
});

const tokenOf = (out: string): string => (/^OPERATOR_TOKEN=(\S+)$/m.exec(out) as RegExpExecArray)[1] as string;

async function call(token: string, method: string, path: string, body?: unknown) {
  const r = await fetch(`${t.hq.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: r.status, json: (await r.json()) as any };
}

describe('a segment still in use', () => {
  it('names the campaigns using it in the order they are listed', async () => {
    const adm = tokenOf(await hqCli(t, ['add-operator', '--id', 'adm', '--role', 'admin']));
    const ana = tokenOf(await hqCli(t, ['add-operator', '--id', 'ana', '--role', 'admin']));
    const seg = await call(adm, 'POST', '/v1/segments', { name: 'everyone', rule: {} });
    expect(seg.status).toBe(201);
    for (const id of ['c-one', 'c-two', 'c-three']) {
      const c = await call(adm, 'POST', '/v1/campaigns', {
        id,
        name: id,
        target: { segmentId: seg.json.id },
        offer: { kind: 'multiplier', multiplierMilli: 2000, days: 7, name: { zh: '双倍', en: 'double' } },
        holdoutPercent: 20,
        budgetPoints: 100_000,
        costPerGrant: 10,
      });
      expect(c.status).toBe(201);
    }
    // The first campaign is approved by a second operator: its row is updated.
    expect((await call(ana, 'POST', '/v1/campaigns/c-one/approve', {})).status).toBe(200);
    const listed = (await call(adm, 'GET', '/v1/campaigns')).json.campaigns.map((c: { id: string }) => c.id);
    expect(listed).toEqual(['c-one', 'c-two', 'c-three']);
    const del = await call(adm, 'POST', `/v1/segments/${seg.json.id}/delete`, {});
    expect(del.status).toBe(409);
    expect(del.json.campaigns).toEqual(listed);
    expect(del.json.error.message).toBe('campaigns not ended target it: c-one, c-two, c-three');
  });
});

describe('the summary lists classes and tiers in a stable order', () => {
  it('A, C, D whatever order the class refresh updated the rows in', async () => {
    const A = await provision(t, 'S1', 'A');
    for (const no of ['M1', 'M2', 'M3']) A.enrol(no, at(0));
    A.sale('M2', 10_000, at(1));
    expect((await upload(t, A, A.batch(1))).status).toBe(200);
    expect((await operator(t, 'POST', '/v1/segments/refresh', {})).status).toBe(200);
    // M1 now outspends M2: the refresh moves M1 D -> A and M2 A -> C; M3 stays D.
    const from = A.headSeq + 1;
    A.sale('M1', 90_000, at(2));
    expect((await upload(t, A, A.batch(from))).status).toBe(200);
    expect((await operator(t, 'POST', '/v1/segments/refresh', {})).status).toBe(200);
    const summary = await operator(t, 'GET', '/v1/reports/summary');
    expect(summary.body.members.classes).toEqual({ A: 1, C: 1, D: 1 });
    expect(Object.keys(summary.body.members.classes)).toEqual(['A', 'C', 'D']);
  });

  it("tiers by the rule set's rank, lowest first, whatever order members reached them in", async () => {
    const A = await provision(t, 'S1', 'A');
    // M1's state is written first and climbs to the top tier (¥50,000); M2 stays at the lowest.
    for (const no of ['M1', 'M2']) A.enrol(no, at(0));
    A.sale('M1', 6_000_000, at(1));
    // The simulator records sales only: the upgrade is the till's tier entry.
    A.append('M1', 'tier', 0, at(1), { data: { fromTier: 'ordinary', toTier: 'diamond', reason: 'threshold' } });
    expect((await upload(t, A, A.batch(1))).status).toBe(200);
    const summary = await operator(t, 'GET', '/v1/reports/summary');
    expect(summary.body.members.tiers).toEqual({ ordinary: 1, diamond: 1 });
    expect(Object.keys(summary.body.members.tiers)).toEqual(['ordinary', 'diamond']);
  });
});

describe('a redemption right after earning', () => {
  it('lists the earn entries in ledger order, not in the order they arrived', async () => {
    const A = await provision(t, 'S1', 'A');
    const B = await provision(t, 'S2', 'B');
    A.enrol('M1', at(0));
    A.sale('M1', 200_000, at(5));
    expect((await upload(t, A, A.batch(1))).status).toBe(200);
    // Till B's earlier sale arrives after A's: stored after it, ordered before it.
    B.sale('M1', 200_000, at(3));
    expect((await upload(t, B, B.batch(1))).status).toBe(200);
    // Any read applies the accepted batches first (inbox.ts), so the redemption below is applied
    // with both earnings in the ledger rather than maybe in one pass before B's.
    expect((await operator(t, 'GET', '/v1/members/M1')).status).toBe(200);
    const earnA = A.headSeq;
    const earnB = B.headSeq;
    const from = A.headSeq + 1;
    A.redeem('M1', 1_500, at(8));
    expect((await upload(t, A, A.batch(from))).status).toBe(200);
    const cases = (await operator(t, 'GET', '/v1/reports/summary')).body.doubleSpendCases as {
      kind: string;
      detail: { earnEntries: string[] };
    }[];
    const found = cases.find((c) => c.kind === 'redeem_after_earn');
    expect(found?.detail.earnEntries).toEqual([`B:${earnB}`, `A:${earnA}`]);
  });
});
