/** The change feed and rule-set publishing against a real head office. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../core/ruleset/default.js';
import { ChangesResponse, type Change } from '../core/sync/protocol.js';
import { at, changes, operator, uploadAll, type TestHq, type TillSim, useTwoTillHq } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;

useTwoTillHq((x) => ({ t, A, B } = x));

async function feed(till: TillSim, after: number, limit?: number): Promise<{ changes: Change[]; cursor: number }> {
  const r = await changes(t, till, after, limit);
  expect(r.status).toBe(200);
  return ChangesResponse.parse(r.body);
}

describe('change feed', () => {
  it('says whether more follows: a page of `limit` rows may have more behind it; one that reached the head has not', async () => {
    const start = (await feed(B, 0)).cursor;
    A.enrol('M1', at(0));
    A.sale('M1', 30_000, at(1));
    await uploadAll(t, A, 10);
    // member, card, balance: three rows after `start`.
    const full = ChangesResponse.parse((await changes(t, B, start, 2)).body);
    expect(full.changes).toHaveLength(2);
    expect(full.more).toBe(true);
    const last = ChangesResponse.parse((await changes(t, B, full.cursor, 2)).body);
    expect(last.changes).toHaveLength(1);
    expect(last.more).toBe(false);
    const head = ChangesResponse.parse((await changes(t, B, last.cursor, 2)).body);
    expect(head).toMatchObject({ changes: [], cursor: last.cursor, more: false });
  });

  it('starts with the seeded default rule set', async () => {
    const f = await feed(B, 0);
    expect(f.changes[0]).toMatchObject({ type: 'ruleset', cursor: 1, ruleSet: { version: 1 } });
    expect(f.cursor).toBe(f.changes[f.changes.length - 1]?.cursor);
  });

  it("brings a member enrolled at till A to till B from B's cursor, without name and phone (another store)", async () => {
    const start = (await feed(B, 0)).cursor;
    A.enrol('M1', at(0), { birthday: '05-17', cards: [{ code: 'M1', kind: 'barcode', status: 'active' }] });
    A.sale('M1', 30_000, at(1));
    await uploadAll(t, A, 10);
    const f = await feed(B, start);
    expect(f.changes.map((c) => c.type)).toEqual(['member', 'card', 'balance']);
    const [member, card, balance] = f.changes;
    expect(member).toMatchObject({
      type: 'member',
      member: {
        memberNo: 'M1',
        // B is of another store and never served M1: need to know (feed.ts).
        name: '*',
        phone: '*M1',
        birthday: '05-17',
        enrolledStore: 'S1',
        enrolledTill: 'A',
        status: 'active',
      },
      state: { balance: 300, tier: 'ordinary' },
    });
    expect(card).toMatchObject({ type: 'card', code: 'M1', kind: 'barcode', memberNo: 'M1', status: 'active' });
    expect(balance).toMatchObject({
      type: 'balance',
      memberNo: 'M1',
      balance: 300,
      available: 300,
      tier: 'ordinary',
      includes: { A: 2 },
    });
    // Cursors increase and the next page starts after the last one.
    const cursors = f.changes.map((c) => c.cursor);
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
    expect((await feed(B, f.cursor)).changes).toEqual([]);
    expect((await feed(B, f.cursor)).cursor).toBe(f.cursor);
  });

  it("gives the name and phone to the member's own store and to a till of another store once it served them", async () => {
    const m = A.enrol('M1', at(0));
    await uploadAll(t, A, 10);
    const memberTo = async (till: TillSim) =>
      (await feed(till, 0)).changes.find((c) => c.type === 'member' && c.member.memberNo === 'M1');
    expect(await memberTo(A)).toMatchObject({ member: { name: m.name, phone: m.phone } });
    expect(await memberTo(B)).toMatchObject({ member: { name: '*', phone: '*M1' } });
    const seen = (await feed(B, 0)).cursor;
    B.sale('M1', 10_000, at(5));
    await uploadAll(t, B, 10);
    expect(await memberTo(B)).toMatchObject({ member: { name: m.name, phone: m.phone } });
    // B had read past the enrolment: its first sale to the member announces the member again,
    // now with the name, once (store/members.ts announceServed).
    const members = (page: Awaited<ReturnType<typeof feed>>) => page.changes.filter((c) => c.type === 'member');
    const after = await feed(B, seen);
    expect(members(after)).toMatchObject([{ member: { memberNo: 'M1', name: m.name, phone: m.phone } }]);
    B.sale('M1', 2_000, at(6));
    await uploadAll(t, B, 10);
    expect(members(await feed(B, after.cursor))).toEqual([]);
  });

  it('confirms a balance without points whose lots have passed their expiry date', async () => {
    A.enrol('M1', at(0));
    A.append('M1', 'earn', 70, at(1), { expiresOn: '2020-01-31', spend: 7_000 });
    A.sale('M1', 30_000, at(2));
    const start = (await feed(B, 0)).cursor;
    await uploadAll(t, A, 10);
    const balance = (await feed(B, start)).changes.find((c) => c.type === 'balance');
    expect(balance).toMatchObject({ balance: 370, available: 300 });
  });

  it('pages with limit', async () => {
    A.enrol('M1', at(0));
    A.enrol('M2', at(1));
    await uploadAll(t, A, 10);
    const all = await feed(B, 0);
    const page1 = await feed(B, 0, 2);
    const page2 = await feed(B, page1.cursor, 1000);
    expect([...page1.changes, ...page2.changes]).toEqual(all.changes);
  });

  it('records when a till last pulled', async () => {
    await feed(B, 0);
    const tills = (await operator(t, 'GET', '/v1/tills')).body.tills;
    expect(tills.find((x: { tillId: string }) => x.tillId === 'B').lastFeedAt).toEqual(expect.any(String));
  });

  it('refuses an unsigned or badly signed pull and a bad cursor', async () => {
    expect((await fetch(`${t.hq.url}/v1/sync/changes?after=0`)).status).toBe(401);
    expect((await changes(t, { tillId: 'B', secret: A.secret }, 0)).status).toBe(401);
    const path = '/v1/sync/changes?after=-1';
    const { signRequest } = await import('../core/sync/sign.js');
    const r = await fetch(`${t.hq.url}${path}`, { headers: signRequest(B, 'GET', path, '', Date.now()) });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('bad_query');
  });
});

describe('rule sets', () => {
  it('publishes a valid rule set and sends it through the feed', async () => {
    const start = (await feed(B, 0)).cursor;
    const r = await operator(t, 'POST', '/v1/rulesets', { ...DEFAULT_RULE_SET_INPUT, version: 2 });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'published', version: 2 });
    const f = await feed(B, start);
    expect(f.changes).toHaveLength(1);
    expect(f.changes[0]).toMatchObject({ type: 'ruleset', ruleSet: { version: 2 } });
    // Same body again: nothing new; same version, other body: conflict; lower version: refused.
    expect((await operator(t, 'POST', '/v1/rulesets', { ...DEFAULT_RULE_SET_INPUT, version: 2 })).body.status).toBe(
      'unchanged',
    );
    const conflict = await operator(t, 'POST', '/v1/rulesets', {
      ...DEFAULT_RULE_SET_INPUT,
      version: 2,
      currency: 'USD',
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('version_conflict');
    expect(
      (await operator(t, 'POST', '/v1/rulesets', { ...DEFAULT_RULE_SET_INPUT, version: 1, currency: 'USD' })).status,
    ).toBe(409);
  });

  it('refuses an invalid rule set with 400 naming the bad field', async () => {
    const tiers = [{ ...DEFAULT_RULE_SET_INPUT.tiers[0], threshold: 100 }];
    const r = await operator(t, 'POST', '/v1/rulesets', { ...DEFAULT_RULE_SET_INPUT, version: 2, tiers });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid_rule_set', field: 'tiers.0.threshold' });
    expect(r.body.error.message).toContain('tiers.0.threshold');
    const bad = await operator(t, 'POST', '/v1/rulesets', {
      ...DEFAULT_RULE_SET_INPUT,
      version: 3,
      earn: { baseRate: 'x' },
    });
    expect(bad.body.error.field).toBe('earn.baseRate');
  });

  it('needs the operator token', async () => {
    const r = await fetch(`${t.hq.url}/v1/rulesets`, { method: 'POST', body: JSON.stringify(DEFAULT_RULE_SET_INPUT) });
    expect(r.status).toBe(401);
  });
});
