/**
 * POST /v1/sync/members/lookup against a real head office: a till of any store finds a member
 * by mobile number (DOMAIN.md 2 and 12), signed like every sync request; the till then serves
 * the member, so the feed carries name and phone to it. Refusals, the per-till limit, and a
 * log without the phone. Also: a till's first entries of another store's member bring it a
 * new member change with the personal data.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ChangesResponse,
  MEMBER_LOOKUPS_PER_MINUTE,
  MemberLookupAnswer,
  SealedMemberLookupAnswer,
  SYNC_PATHS,
  type Change,
} from '../core/sync/protocol.js';
import { openLookupAnswer, personalKey } from '../core/sync/personal.js';
import { HQ_SIGNATURE_HEADER, signRequest, type TillCredentials } from '../core/sync/sign.js';
import { LOG_FILE } from './open.js';
import {
  at,
  changes,
  operator,
  uploadAll,
  type Answer,
  type TestHq,
  type TillSim,
  testStore,
  useTwoTillHq,
} from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;

useTwoTillHq((x) => ({ t, A, B } = x));

let lastTs = 0;

async function lookup(signer: TillCredentials | null, body: unknown): Promise<Answer & { signed: boolean }> {
  const wire = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    // A fresh timestamp each time: the same request signed twice in one millisecond is a replay.
    ...(signer
      ? signRequest(signer, 'POST', SYNC_PATHS.memberLookup, wire, (lastTs = Math.max(Date.now(), lastTs + 1)))
      : {}),
  };
  const res = await fetch(`${t.hq.url}${SYNC_PATHS.memberLookup}`, {
    method: 'POST',
    headers,
    body: new Uint8Array(wire),
  });
  const text = await res.text();
  const json: unknown = text ? JSON.parse(text) : null;
  // A found member's personal fields are sealed to the asking till (core/sync/personal.ts): open them as it does.
  const opened =
    res.status === 200 && signer
      ? openLookupAnswer(personalKey(signer.secret), SealedMemberLookupAnswer.parse(json))
      : json;
  return { status: res.status, body: opened, signed: res.headers.get(HQ_SIGNATURE_HEADER) !== null };
}

async function memberChanges(till: TillSim, after = 0): Promise<Extract<Change, { type: 'member' }>[]> {
  const r = await changes(t, till, after);
  expect(r.status).toBe(200);
  return ChangesResponse.parse(r.body).changes.filter(
    (c): c is Extract<Change, { type: 'member' }> => c.type === 'member',
  );
}

const PHONE = '13900001111';

describe('member lookup by mobile number', () => {
  it('answers a till of another store the member with name, phone and cards, signed; its feed then carries them', async () => {
    A.enrol('M1', at(0), { name: '王小明', phone: PHONE });
    A.sale('M1', 20_000, at(1));
    await uploadAll(t, A, 10);
    expect((await memberChanges(B))[0]?.member).toMatchObject({ name: '*', phone: '*M1' });

    const r = await lookup(B, { phone: PHONE });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.signed).toBe(true);
    const a = MemberLookupAnswer.parse(r.body);
    expect(a.member).toMatchObject({ memberNo: 'M1', name: '王小明', phone: PHONE, enrolledStore: 'S1' });
    expect(a.state).toMatchObject({ balance: 200, tier: 'ordinary' });
    expect(a.cards).toEqual([{ code: 'M1', kind: 'barcode', status: 'active' }]);
    // B now serves M1: the feed gives it the personal data.
    expect((await memberChanges(B))[0]?.member).toMatchObject({ name: '王小明', phone: PHONE });
  });

  it('refuses an unsigned request, a malformed phone and an unknown one; an erased member is unknown', async () => {
    A.enrol('M1', at(0), { phone: PHONE });
    await uploadAll(t, A, 10);
    expect((await lookup(null, { phone: PHONE })).status).toBe(401);
    expect((await lookup(B, { phone: '+86 139 0000 1111' })).status).toBe(400);
    const unknown = await lookup(B, { phone: '13700000000' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('unknown_member');
    expect((await operator(t, 'POST', '/v1/members/M1/erase', { operatorId: 'ops', reason: 'asked' })).status).toBe(
      200,
    );
    expect((await lookup(B, { phone: PHONE })).status).toBe(404);
  });

  it('answers a blocked member as the feed would (status blocked)', async () => {
    A.enrol('M1', at(0), { phone: PHONE, status: 'blocked' });
    await uploadAll(t, A, 10);
    const r = await lookup(B, { phone: PHONE });
    expect(r.status).toBe(200);
    expect(r.body.member.status).toBe('blocked');
  });

  it(`limits each till to ${MEMBER_LOOKUPS_PER_MINUTE} lookups a minute (429), the other till unaffected`, async () => {
    for (let i = 0; i < MEMBER_LOOKUPS_PER_MINUTE; i++) {
      expect((await lookup(B, { phone: '13700000000' })).status).toBe(404);
    }
    const over = await lookup(B, { phone: '13700000000' });
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('too_many_lookups');
    expect((await lookup(A, { phone: '13700000000' })).status).toBe(404);
    // The till's row says so, for the operator watching for a harvesting credential.
    const rows = (await operator(t, 'GET', '/v1/tills')).body.tills as Record<string, unknown>[];
    expect(rows.map((r) => [r.tillId, r.lookupsRefused, typeof r.lastLookupRefusedAt])).toEqual([
      ['A', 0, 'object'],
      ['B', 1, 'string'],
    ]);
  });

  it('counts in the database: a window from the first lookup, refusals counted, a new window after a minute', async () => {
    const t0 = new Date('2026-03-01T10:00:00.000Z');
    const after = (ms: number): Date => new Date(t0.getTime() + ms);
    const admit = (ms: number): Promise<boolean> => t.hq.store.admitLookup('B', after(ms), 3);
    expect([await admit(0), await admit(10), await admit(20), await admit(30)]).toEqual([true, true, true, false]);
    expect(await admit(59_999)).toBe(false);
    expect(await admit(60_000)).toBe(true);
    const rows = (await operator(t, 'GET', '/v1/tills')).body.tills as Record<string, unknown>[];
    expect(rows.find((r) => r.tillId === 'B')).toMatchObject({
      lookupsRefused: 2,
      lastLookupRefusedAt: after(59_999).toISOString(),
    });
    // At once: exactly the limit is admitted, however the lookups interleave.
    const many = await Promise.all(Array.from({ length: 12 }, () => t.hq.store.admitLookup('A', t0, 5)));
    expect(many.filter(Boolean)).toHaveLength(5);
  });

  it.runIf(testStore() === 'postgres')(
    'holds a till to one limit across two head-office processes on one PostgreSQL database',
    async () => {
      const second = await t.another();
      try {
        const now = new Date();
        const answers = await Promise.all(
          Array.from({ length: 2 * MEMBER_LOOKUPS_PER_MINUTE }, (_, i) =>
            (i % 2 === 0 ? t.hq.store : second.store).admitLookup('B', now, MEMBER_LOOKUPS_PER_MINUTE),
          ),
        );
        expect(answers.filter(Boolean)).toHaveLength(MEMBER_LOOKUPS_PER_MINUTE);
      } finally {
        await second.close();
      }
    },
  );

  it('logs the lookup with the till and member, never the phone', async () => {
    A.enrol('M1', at(0), { phone: PHONE });
    await uploadAll(t, A, 10);
    expect((await lookup(B, { phone: PHONE })).status).toBe(200);
    expect((await lookup(B, { phone: '13700000000' })).status).toBe(404);
    const log = readFileSync(join(t.dataDir, LOG_FILE), 'utf8');
    const lines = log
      .split('\n')
      .filter((l) => l.includes('"member_lookup"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toMatchObject([
      { tillId: 'B', outcome: 'found', memberNo: 'M1' },
      { tillId: 'B', outcome: 'unknown', memberNo: null },
    ]);
    expect(log).not.toContain(PHONE);
    expect(log).not.toContain('13700000000');
  });
});

describe("a till's first entries of another store's member", () => {
  it('bring a new member change that carries name and phone to that till, once', async () => {
    A.enrol('M1', at(0), { name: '王小明', phone: PHONE });
    await uploadAll(t, A, 10);
    const before = await memberChanges(B);
    const cursor = Math.max(...(await changes(t, B, 0)).body.changes.map((c: { cursor: number }) => c.cursor));
    expect(before).toHaveLength(1);
    B.sale('M1', 10_000, at(5));
    await uploadAll(t, B, 10);
    const after = await memberChanges(B, cursor);
    expect(after).toHaveLength(1);
    expect(after[0]?.member).toMatchObject({ memberNo: 'M1', name: '王小明', phone: PHONE });
    // A second sale is nothing new.
    B.sale('M1', 10_000, at(6));
    await uploadAll(t, B, 10);
    expect(await memberChanges(B, after[0]?.cursor)).toHaveLength(0);
  });
});
