/**
 * Member preferences at a real head office, on SQLite and PostgreSQL (issue 15 item 6,
 * docs/member-page.md "Preferences"): changed on the member page and at a till (uploaded in
 * the member's record), kept with when and where, last change wins per field whatever the
 * arrival order, a till's clock ahead clamped, a stale record never undoes a choice, the feed
 * carries the result to every till, the outbox respects consent and channel at send time, the
 * export holds the history, and "leave" runs the operators' erasure.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MemberUpsert, PreferenceChangeItem } from '../core/sync/protocol.js';
import { withheldPhone, WITHHELD_NAME } from '../core/sync/protocol.js';
import { maskPhone } from '../core/members.js';
import type { Logger } from './log.js';
import { FileChannel, MESSAGES_FILE } from './messages/channel.js';
import { codeSentTo, messagesIn } from '../test/helpers/sign-in-code.js';
import { sendOutbox } from './server.js';
import { cipherOf } from './at-rest-scan.js';
import { at, changes, operator, upload, uploadAll, useTwoTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;
useTwoTillHq((x) => ({ t, A, B } = x));

const PHONE = '13900003333';
const quiet: Logger = { log: () => undefined } as unknown as Logger;

async function post(path: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`${t.hq.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
}

let record: MemberUpsert;

async function enrol(): Promise<void> {
  record = A.enrol('M1', at(0), {
    name: '赵六',
    phone: PHONE,
    consentMarketing: true,
    preferredChannel: 'sms',
    interests: ['fresh'],
  });
  A.sale('M1', 20_000, at(1));
  await uploadAll(t, A, 10);
  await t.hq.store.settle();
}

async function signIn(): Promise<string> {
  const after = messagesIn(t.dataDir).length;
  expect((await post('/v1/me/otp', { phone: PHONE })).status).toBe(202);
  const code = await codeSentTo(t.dataDir, PHONE, { after });
  const r = await post('/v1/me/session', { phone: PHONE, code });
  expect(r.status).toBe(200);
  return (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** A records-only batch from `till` carrying the member's record with its preference changes. */
async function tillChanges(till: TillSim, m: MemberUpsert, prefs: PreferenceChangeItem[]): Promise<void> {
  const prev = till.entries.at(-1);
  const r = await upload(t, till, {
    tillId: till.tillId,
    storeId: till.storeId,
    firstSeq: till.headSeq + 1,
    lastSeq: till.headSeq,
    prevHash: prev?.hash ?? '0'.repeat(64),
    entries: [],
    members: [{ ...m, preferenceChanges: prefs }],
  });
  expect(r.status).toBe(200);
  await t.hq.store.settle();
}

type Prefs = { consent_marketing: number; preferred_channel: string; interests: string };
/** The member's columns; the interests sealed at rest (store/member-fields.ts), opened with head office's key. */
const held = async (): Promise<Prefs | undefined> => {
  const [r] = await t.sql<Omit<Prefs, 'interests'> & { interests_enc: Buffer }>(
    "SELECT consent_marketing, preferred_channel, interests_enc FROM members WHERE member_no = 'M1'",
  );
  if (!r) return undefined;
  const { interests_enc, ...columns } = r;
  return { ...columns, interests: cipherOf(t).decrypt(interests_enc) };
};

/** B's view of the member through the feed (another store: name and phone withheld). */
async function feedForB(): Promise<Record<string, unknown> | undefined> {
  const page = await changes(t, B, 0);
  const members = (page.body.changes as { type: string; member?: Record<string, unknown> }[]).filter(
    (c) => c.type === 'member' && c.member?.memberNo === 'M1',
  );
  return members.at(-1)?.member;
}

describe('preferences on the member page', () => {
  it('changes consent, channel and interests; keeps the history; the feed carries them to another store', async () => {
    await enrol();
    const cookie = await signIn();
    const first = await fetch(`${t.hq.url}/v1/me/preferences`, { headers: { cookie } });
    expect(first.status).toBe(200);
    const before = (await first.json()) as Record<string, unknown>;
    expect(before.current).toEqual({ consentMarketing: true, preferredChannel: 'sms', interests: ['fresh'] });
    expect(before.history).toEqual([]);
    expect((before.choices as { interests: unknown[] }).interests).toHaveLength(10);

    const r = await post(
      '/v1/me/preferences',
      { consentMarketing: false, preferredChannel: 'wechat', interests: ['pets', 'fresh', 'pets'] },
      cookie,
    );
    expect(r.status).toBe(200);
    const after = (await r.json()) as { current: unknown; history: Record<string, unknown>[] };
    expect(after.current).toEqual({
      consentMarketing: false,
      preferredChannel: 'wechat',
      interests: ['fresh', 'pets'],
    });
    expect(after.history).toHaveLength(1);
    expect(after.history[0]).toMatchObject({ origin: 'page', tillId: null, staffId: null, consentMarketing: false });

    // Interests are personal: encrypted at rest in the history.
    const raw = await t.sql<{ interests_enc: Buffer }>('SELECT interests_enc FROM member_preference_changes');
    expect(Buffer.from(raw[0]?.interests_enc ?? []).toString('latin1')).not.toContain('pets');

    expect(await feedForB()).toMatchObject({
      name: WITHHELD_NAME,
      consentMarketing: false,
      preferredChannel: 'wechat',
      interests: ['fresh', 'pets'],
    });

    const same = await post('/v1/me/preferences', { consentMarketing: false }, cookie);
    expect(same.status).toBe(422);
    expect(((await same.json()) as { error: { code: string } }).error.code).toBe('nothing_to_change');
    const bad = await post('/v1/me/preferences', { interests: ['wine'] }, cookie);
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('unknown_interest');
    expect((await post('/v1/me/preferences', { consentMarketing: 'no' }, cookie)).status).toBe(400);
    expect((await post('/v1/me/preferences', { consentMarketing: true })).status).toBe(401);
  });
});

describe('preferences changed at tills', () => {
  it('last change wins per field, whatever order they arrive in; resends and stale records change nothing', async () => {
    await enrol();
    const t0 = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    // Till B (another store) changed the channel at t0-60s and the interests at t0-30s, offline.
    const bChannel = {
      changeId: randomUUID(),
      at: iso(t0 - 60_000),
      staffId: 'b-07',
      preferredChannel: 'email' as const,
    };
    const bInterests = { changeId: randomUUID(), at: iso(t0 - 30_000), staffId: 'b-07', interests: ['baby' as const] };
    // Till A withdrew consent and set 'sms' at t0-45s: between B's two, and arrives FIRST.
    const aChange = {
      changeId: randomUUID(),
      at: iso(t0 - 45_000),
      staffId: 'a-01',
      consentMarketing: false,
      preferredChannel: 'sms' as const,
    };
    await tillChanges(A, record, [aChange]);
    expect(await held()).toMatchObject({ consent_marketing: 0, preferred_channel: 'sms' });
    const withheld = { ...record, name: WITHHELD_NAME, phone: withheldPhone('M1') };
    await tillChanges(B, withheld, [bInterests, bChannel]);
    // A's channel (t0-45s) is later than B's (t0-60s); B's interests stand; A's withdrawal stands.
    expect(await held()).toEqual({ consent_marketing: 0, preferred_channel: 'sms', interests: '["baby"]' });

    // A resend of the same changes records nothing new.
    await tillChanges(B, withheld, [bInterests, bChannel]);
    const rows = await t.sql<{ n: number }>('SELECT COUNT(*) AS n FROM member_preference_changes');
    expect(Number(rows[0]?.n)).toBe(3);
    // B's change of a member of another store is not a refusal (no personal data changed).
    const tills = await t.sql<{ refused_changes: number }>(
      `SELECT refused_changes FROM tills WHERE till_id = '${B.tillId}'`,
    );
    expect(Number(tills[0]?.refused_changes)).toBe(0);

    // A till's clock ahead: its change counts as made when head office received it, not in 2099.
    const ahead = { changeId: randomUUID(), at: '2099-01-01T00:00:00.000Z', staffId: 'b-07', consentMarketing: true };
    await tillChanges(B, withheld, [ahead]);
    const hist = await t.sql<{ at: string; stated_at: string }>(
      `SELECT at, stated_at FROM member_preference_changes WHERE change_id = '${ahead.changeId}'`,
    );
    expect(hist[0]?.stated_at).toBe('2099-01-01T00:00:00.000Z');
    expect(Date.parse(hist[0]?.at ?? '')).toBeLessThanOrEqual(Date.now());
    expect((await held())?.consent_marketing).toBe(1);
    // ... so a page change made after it still wins.
    const cookie = await signIn();
    expect((await post('/v1/me/preferences', { consentMarketing: false }, cookie)).status).toBe(200);
    expect((await held())?.consent_marketing).toBe(0);

    // Till A uploads its (stale) copy of the record, with consent true: the choice stands.
    await tillChanges(A, { ...record, consentMarketing: true, preferredChannel: 'sms' }, []);
    expect((await held())?.consent_marketing).toBe(0);

    // Where each change was made.
    const me = (await (await fetch(`${t.hq.url}/v1/me/preferences`, { headers: { cookie } })).json()) as {
      history: { origin: string; tillId: string | null; staffId: string | null }[];
    };
    expect(me.history.map((h) => [h.origin, h.tillId, h.staffId])).toEqual([
      ['till', B.tillId, 'b-07'],
      ['till', A.tillId, 'a-01'],
      ['till', B.tillId, 'b-07'],
      ['till', B.tillId, 'b-07'],
      ['page', null, null],
    ]);
  });

  it('refuses a malformed preference change with a typed error', async () => {
    await enrol();
    const prev = A.entries.at(-1);
    const r = await upload(t, A, {
      tillId: A.tillId,
      storeId: A.storeId,
      firstSeq: A.headSeq + 1,
      lastSeq: A.headSeq,
      prevHash: prev?.hash,
      entries: [],
      members: [{ ...record, preferenceChanges: [{ changeId: 'x', at: 'now', staffId: '', interests: ['wine'] }] }],
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_batch');
  });
});

describe('the outbox respects consent and channel at send time', () => {
  const noon = new Date('2026-03-02T04:00:00Z');

  it('sends by the channel the member chose, and nothing once they chose none or withdrew', async () => {
    await enrol();
    const cookie = await signIn();
    const sentBefore = messagesIn(t.dataDir).length;
    const q = () => t.hq.store.queueMessage({ memberNo: 'M1', purpose: 'offer', text: '双倍积分' }, noon);
    // Queued while the member wants SMS; by send time they want WeChat: it goes by WeChat.
    expect(await q()).toMatchObject({ kind: 'queued' });
    expect((await post('/v1/me/preferences', { preferredChannel: 'wechat' }, cookie)).status).toBe(200);
    const channel = new FileChannel(join(t.dataDir, MESSAGES_FILE));
    expect(await sendOutbox(t.hq.store, channel, quiet, () => noon)).toBe(1);
    expect(messagesIn(t.dataDir).slice(sentBefore)).toMatchObject([
      { to: maskPhone(PHONE), text: '双倍积分', via: 'wechat' },
    ]);

    // Queued, then the member chose no channel: it fails at send time, nothing is written.
    const later = new Date(noon.getTime() + 60_000);
    expect(await t.hq.store.queueMessage({ memberNo: 'M1', purpose: 'tier', text: '升级' }, later)).toMatchObject({
      kind: 'queued',
    });
    // As another process would write it (the page's change would also fail the row at once).
    await t.exec("UPDATE members SET preferred_channel = 'none' WHERE member_no = 'M1'");
    expect(await sendOutbox(t.hq.store, channel, quiet, () => later)).toBe(0);
    const failed = await t.sql<{ status: string; result: string }>(
      "SELECT status, result FROM outbox WHERE purpose = 'tier'",
    );
    expect(failed[0]).toMatchObject({ status: 'failed', result: expect.stringContaining('without a channel') });
    // And none is queued while the channel is none.
    expect(await t.hq.store.queueMessage({ memberNo: 'M1', purpose: 'offer', text: 'x' }, later)).toEqual({
      kind: 'refused',
      reason: 'no_channel',
    });
  });

  it('a withdrawal fails what is already queued', async () => {
    await enrol();
    const cookie = await signIn();
    expect(await t.hq.store.queueMessage({ memberNo: 'M1', purpose: 'offer', text: '双倍积分' }, noon)).toMatchObject({
      kind: 'queued',
    });
    expect((await post('/v1/me/preferences', { consentMarketing: false }, cookie)).status).toBe(200);
    const rows = await t.sql<{ status: string }>("SELECT status FROM outbox WHERE purpose = 'offer'");
    expect(rows).toEqual([{ status: 'failed' }]);
    const channel = new FileChannel(join(t.dataDir, MESSAGES_FILE));
    expect(await sendOutbox(t.hq.store, channel, quiet, () => noon)).toBe(0);
  });
});

describe('export and leaving the programme', () => {
  it('the export holds the history; "leave" needs confirmation, then erases as an operator would', async () => {
    await enrol();
    const cookie = await signIn();
    expect((await post('/v1/me/preferences', { interests: ['beauty'] }, cookie)).status).toBe(200);
    const exp = await operator(t, 'POST', '/v1/members/M1/export', { operatorId: 'ops', reason: 'member asked' });
    expect(exp.status).toBe(200);
    expect(exp.body.preferences.current).toEqual({
      consentMarketing: true,
      preferredChannel: 'sms',
      interests: ['beauty'],
    });
    expect(exp.body.preferences.history).toMatchObject([{ origin: 'page', interests: ['beauty'] }]);

    const noConfirm = await post('/v1/me/leave', {}, cookie);
    expect(noConfirm.status).toBe(400);
    expect(((await noConfirm.json()) as { error: { code: string } }).error.code).toBe('confirm_required');
    expect((await held())?.consent_marketing).toBe(1);

    const left = await post('/v1/me/leave', { confirm: true }, cookie);
    expect(left.status).toBe(200);
    expect(left.headers.get('set-cookie')).toContain('Max-Age=0');
    const body = (await left.json()) as { left: boolean; erasedAt: string };
    expect(body.left).toBe(true);
    // The session is gone with the rest.
    expect((await fetch(`${t.hq.url}/v1/me`, { headers: { cookie } })).status).toBe(401);
    const view = await operator(t, 'GET', '/v1/members/M1');
    expect(view.body.erasedAt).toBe(body.erasedAt);
    // Erasure reaches the tills as it does for an operator's.
    const page = await changes(t, B, 0);
    expect(page.body.changes).toContainEqual(
      expect.objectContaining({ type: 'erasure', memberNo: 'M1', erasedAt: body.erasedAt }),
    );
    const after = await operator(t, 'POST', '/v1/members/M1/export', { operatorId: 'ops', reason: 'audit' });
    expect(after.body.personal).toBeNull();
    expect(after.body.preferences.current).toBeNull();
    // When and where the interests changed stays; what they were is gone.
    expect(after.body.preferences.history).toHaveLength(1);
    expect(after.body.preferences.history[0].interests).toBeUndefined();
    expect(after.body.operatorActions).toContainEqual(
      expect.objectContaining({ action: 'erase', operatorId: 'member-page' }),
    );
  });
});
