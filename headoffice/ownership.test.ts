/**
 * Member ownership at head office (issue 11, finding 1; domain/ownership.ts): a till creates the
 * members it enrols and changes cards of members it holds; personal data changes only from the
 * member's own store; head office dates changes itself; the rest is refused with a reason on the
 * till's row of GET /v1/tills. Ends with a fuzz test of the batch endpoint with a valid credential.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../core/ledger/hash.js';
import type { MemberUpsert } from '../core/sync/protocol.js';
import { at, operator, provision, startHq, upload, uploadAll, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let s1: TillSim;
let s2: TillSim;

beforeEach(async () => {
  t = await startHq();
  s1 = await provision(t, 'S1', 'S1-T1');
  s2 = await provision(t, 'S2', 'S2-T1');
});
afterEach(async () => {
  await t.close();
});

/** A batch of member records only, continuing what head office holds of the till. */
function recordsOnly(till: TillSim, members: MemberUpsert[]): unknown {
  const b = till.batch(1, till.headSeq);
  return {
    ...b,
    firstSeq: till.headSeq + 1,
    lastSeq: till.headSeq,
    prevHash: till.entries.at(-1)?.hash ?? GENESIS_HASH,
    entries: [],
    members,
    sales: [],
    returns: [],
  };
}

async function personal(memberNo: string): Promise<Record<string, unknown>> {
  const r = await operator(t, 'POST', `/v1/members/${memberNo}/export`, { operatorId: 'op', reason: 'test' });
  expect(r.status).toBe(200);
  return r.body.personal as Record<string, unknown>;
}

async function tillRow(tillId: string): Promise<Record<string, unknown>> {
  const r = await operator(t, 'GET', '/v1/tills');
  return (r.body.tills as Record<string, unknown>[]).find((x) => x.tillId === tillId) as Record<string, unknown>;
}

async function cards(memberNo: string): Promise<{ code: string; status: string }[]> {
  return (await operator(t, 'GET', `/v1/members/${memberNo}`)).body.cards;
}

async function enrolAtS1(memberNo: string): Promise<MemberUpsert> {
  const m = s1.enrol(memberNo, at(0), { cards: [{ code: `NFC-${memberNo}`, kind: 'nfc', status: 'active' }] });
  s1.bonus(memberNo, 3500, at(1));
  await uploadAll(t, s1, 50);
  return m;
}

describe('member ownership (finding 1)', () => {
  it("refuses another store's till rewriting a member, moving its enrolment and blocking its card", async () => {
    const m = await enrolAtS1('M0000001');
    // The attack as reported: S2's till upserts S1's member with its own phone, dated 2099.
    const forged: MemberUpsert = {
      ...m,
      name: '攻击者',
      phone: '13999999999',
      enrolledStore: 'S2',
      enrolledTill: 'S2-T1',
      updatedAt: '2099-01-01T00:00:00.000Z',
      cards: [{ code: 'NFC-M0000001', kind: 'nfc', status: 'blocked' }],
    };
    expect((await upload(t, s2, recordsOnly(s2, [forged]))).status).toBe(200);
    expect(await personal('M0000001')).toMatchObject({ name: '张三丰', phone: m.phone, enrolledStore: 'S1' });
    expect(await cards('M0000001')).toEqual([expect.objectContaining({ code: 'NFC-M0000001', status: 'active' })]);
    // The same fields with S1's enrolment kept: still not S2's to change.
    const kept = { ...forged, enrolledStore: 'S1', enrolledTill: 'S1-T1' };
    await upload(t, s2, recordsOnly(s2, [kept]));
    expect(await personal('M0000001')).toMatchObject({ name: '张三丰', phone: m.phone });
    const row = await tillRow('S2-T1');
    expect(row.refusedChanges).toBe(3);
    expect(row.lastRefusal).toMatchObject({ memberNo: 'M0000001', what: 'member', reason: 'not_member_store' });
    // A resend of the same refused records is not counted again.
    await upload(t, s2, recordsOnly(s2, [kept]));
    expect((await tillRow('S2-T1')).refusedChanges).toBe(3);
    expect((await tillRow('S1-T1')).refusedChanges).toBe(0);
  });

  it('refuses a member another till enrolled when it is new to head office', async () => {
    const m = s2.enrol('M0000009', at(0), { enrolledStore: 'S1', enrolledTill: 'S1-T1', cards: [] });
    await uploadAll(t, s2, 50);
    expect((await operator(t, 'GET', `/v1/members/${m.memberNo}`)).body.known).toBe(false);
    expect((await tillRow('S2-T1')).lastRefusal).toMatchObject({ reason: 'not_enrolled_here' });
  });

  it("lets the member's own store change personal data, dated by head office, never by the till", async () => {
    const m = await enrolAtS1('M0000002');
    const before = Date.now();
    const changed = { ...m, name: '张三', updatedAt: '2099-01-01T00:00:00.000Z' };
    await upload(t, s1, recordsOnly(s1, [changed]));
    expect(await personal('M0000002')).toMatchObject({ name: '张三' });
    // A later honest change still applies: the 2099 date froze nothing.
    await upload(t, s1, recordsOnly(s1, [{ ...changed, name: '张三丰', updatedAt: '2020-01-01T00:00:00.000Z' }]));
    expect(await personal('M0000002')).toMatchObject({ name: '张三丰' });
    const feed = await import('./test-helpers.js').then((h) => h.changes(t, s1, 0));
    const last = (feed.body.changes as { type: string; member?: { updatedAt?: string } }[])
      .filter((c) => c.type === 'member')
      .at(-1);
    expect(Date.parse(last?.member?.updatedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(last?.member?.updatedAt ?? '')).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('takes a card block from a till of another store that served the member, with the staff id', async () => {
    const m = await enrolAtS1('M0000003');
    s2.sale('M0000003', 10_000, at(5));
    await uploadAll(t, s2, 50);
    const blocked = {
      ...m,
      cards: [{ code: 'NFC-M0000003', kind: 'nfc' as const, status: 'blocked' as const, staffId: 'S2-007' }],
    };
    await upload(t, s2, recordsOnly(s2, [blocked]));
    expect(await cards('M0000003')).toEqual([expect.objectContaining({ status: 'blocked' })]);
    expect((await tillRow('S2-T1')).refusedChanges).toBe(0);
    expect(await cardRow('NFC-M0000003')).toMatchObject({ changed_by: 'S2-007', source_till: 'S2-T1' });
  });

  it('refuses a card block or unblock without a staff id, with the reason on the till row; with one it applies', async () => {
    const m = await enrolAtS1('M0000004');
    const card = { code: 'NFC-M0000004', kind: 'nfc' as const };
    const block = { ...m, cards: [{ ...card, status: 'blocked' as const, changedAt: at(10) }] };
    expect((await upload(t, s1, recordsOnly(s1, [block]))).status).toBe(200);
    expect(await cards('M0000004')).toEqual([expect.objectContaining({ status: 'active' })]);
    expect(await tillRow('S1-T1')).toMatchObject({
      refusedChanges: 1,
      lastRefusal: { memberNo: 'M0000004', what: 'card', reason: 'no_staff_id' },
    });

    const byStaff = { ...m, cards: [{ ...card, status: 'blocked' as const, changedAt: at(11), staffId: 'S1-sup' }] };
    await upload(t, s1, recordsOnly(s1, [byStaff]));
    expect(await cards('M0000004')).toEqual([expect.objectContaining({ status: 'blocked' })]);
    expect(await cardRow(card.code)).toMatchObject({
      changed_by: 'S1-sup',
      changed_at: new Date(at(11)).toISOString(),
    });

    // An unblock dated after the block, still without a staff id: refused, the card stays blocked.
    const unblock = { ...m, cards: [{ ...card, status: 'active' as const, changedAt: at(12) }] };
    await upload(t, s1, recordsOnly(s1, [unblock]));
    expect(await cards('M0000004')).toEqual([expect.objectContaining({ status: 'blocked' })]);
    expect((await tillRow('S1-T1')).refusedChanges).toBe(2);
  });

  it("takes the cards of a member's own enrolment at the till without a staff id, no other new card", async () => {
    // enrolAtS1: the enrolment's NFC card, uploaded without a staff id, is linked.
    await enrolAtS1('M0000005');
    expect(await cards('M0000005')).toEqual([expect.objectContaining({ code: 'NFC-M0000005', status: 'active' })]);
    // A further card of the same member, linked later without a staff id, is refused.
    const m = s1.enrol('M0000006', at(20));
    await uploadAll(t, s1, 50);
    const s1b = await provision(t, 'S1', 'S1-T2');
    const linked = { ...m, cards: [...m.cards, { code: 'NFC-NEW', kind: 'nfc' as const, status: 'active' as const }] };
    await upload(t, s1b, recordsOnly(s1b, [linked]));
    expect((await cards('M0000006')).map((c) => c.code)).toEqual(['M0000006']);
    expect((await tillRow('S1-T2')).lastRefusal).toMatchObject({ reason: 'no_staff_id', what: 'card' });
  });
});

/** Head office's row of a card, read from its database (the staff id is not in the operator API). */
async function cardRow(code: string): Promise<Record<string, unknown> | undefined> {
  return (await t.sql('SELECT * FROM cards WHERE code = ?', code))[0];
}

describe('fuzz: a valid till credential never changes another store (finding 1)', () => {
  it('random members, cards and fields of S1 sent by S2 are never applied', async () => {
    const victims = ['M0000101', 'M0000102', 'M0000103'];
    const held = new Map<string, MemberUpsert>();
    for (const v of victims) held.set(v, await enrolAtS1(v));
    const baseline = new Map<string, unknown>();
    for (const v of victims) baseline.set(v, { personal: await personal(v), cards: await cards(v) });

    const text = fc.string({ minLength: 1, maxLength: 12 });
    const upsert = fc.record({
      victim: fc.constantFrom(...victims),
      name: fc.option(text, { nil: undefined }),
      phone: fc.option(fc.stringMatching(/^1[3-9]\d{9}$/), { nil: undefined }),
      birthday: fc.option(fc.constantFrom(null, '01-01', '12-31'), { nil: undefined }),
      enrolledStore: fc.constantFrom('S1', 'S2', 'S3'),
      enrolledTill: fc.constantFrom('S1-T1', 'S2-T1'),
      status: fc.option(fc.constantFrom('active' as const, 'blocked' as const), { nil: undefined }),
      consentMarketing: fc.boolean(),
      updatedAt: fc.option(fc.date({ min: new Date('2000-01-01'), max: new Date('2199-01-01'), noInvalidDate: true }), {
        nil: undefined,
      }),
      cards: fc.array(
        fc.record({
          code: fc.oneof(
            fc.constantFrom(...victims.map((v) => `NFC-${v}`)),
            text.map((s) => `X-${s}`),
          ),
          kind: fc.constantFrom('barcode' as const, 'nfc' as const),
          status: fc.constantFrom('active' as const, 'blocked' as const),
          changedAt: fc.option(fc.constant('2199-01-01T00:00:00.000Z'), { nil: undefined }),
        }),
        { maxLength: 3 },
      ),
    });

    await fc.assert(
      fc.asyncProperty(fc.array(upsert, { minLength: 1, maxLength: 5 }), async (ups) => {
        const members: MemberUpsert[] = ups.map((u) => {
          const base = held.get(u.victim) as MemberUpsert;
          return {
            ...base,
            ...(u.name === undefined ? {} : { name: u.name }),
            ...(u.phone === undefined ? {} : { phone: u.phone }),
            ...(u.birthday === undefined ? {} : { birthday: u.birthday }),
            ...(u.status === undefined ? {} : { status: u.status }),
            ...(u.updatedAt === undefined ? {} : { updatedAt: u.updatedAt.toISOString() }),
            consentMarketing: u.consentMarketing,
            enrolledStore: u.enrolledStore,
            enrolledTill: u.enrolledTill,
            cards: u.cards,
          };
        });
        const r = await upload(t, s2, recordsOnly(s2, members));
        expect(r.status).toBe(200);
        for (const v of victims) {
          expect({ personal: await personal(v), cards: await cards(v) }).toEqual(baseline.get(v));
        }
      }),
      { numRuns: 40 },
    );
  });
});
