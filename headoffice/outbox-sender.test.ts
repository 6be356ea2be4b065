/**
 * Messages queued by what head office decides and sent from the outbox (docs/member-page.md
 * "Messages"), on SQLite and PostgreSQL: a campaign's start queues one offer message per granted
 * member with marketing consent, none without it, none over the cap; at night they are held to
 * 08:00; the sender writes each to the simulated channel's file once, even with two senders
 * racing; `unavailable` is retried later; erasure and export cover the outbox and sessions.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays, localDate } from '../core/time.js';
import { MARKETING_CAP } from './domain/messages.js';
import type { Logger } from './log.js';
import { FileChannel, MESSAGES_FILE, type MessageChannel } from './messages/channel.js';
import { messagesIn } from '../test/helpers/sign-in-code.js';
import { sendOutbox } from './server.js';
import { SEND_BACKOFF_MS } from './store/messages.js';
import { at, uploadAll, useTwoTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;
useTwoTillHq((x) => ({ t, A, B } = x));

const quiet: Logger = { log: () => undefined } as unknown as Logger;
// Shanghai (the default programme's zone): 12:00, 23:00, 07:59 and 08:00 the next morning.
const noon = new Date('2026-03-02T04:00:00Z');
const night = new Date('2026-03-02T15:00:00Z');
const beforeEight = new Date('2026-03-02T23:59:00Z');
const eight = new Date('2026-03-03T00:00:00Z');

const channel = (): MessageChannel => new FileChannel(join(t.dataDir, MESSAGES_FILE));

async function enrolThree(): Promise<void> {
  A.enrol('M1', at(0), { name: '甲', phone: '13900000001', consentMarketing: true });
  A.enrol('M2', at(1), { name: '乙', phone: '13900000002', consentMarketing: false });
  A.enrol('M3', at(2), { name: '丙', phone: '13900000003', consentMarketing: true });
  for (const [i, m] of ['M1', 'M2', 'M3'].entries()) A.sale(m, 10_000, at(3 + i));
  await uploadAll(t, A, 20);
  await t.hq.store.settle();
}

async function startCampaign(now: Date): Promise<number> {
  const s = t.hq.store;
  const made = await s.createCampaign(
    {
      id: 'spring',
      name: '春季双倍',
      target: { homeStores: ['S1'] },
      offer: { kind: 'multiplier', multiplierMilli: 2000, days: 7, name: { zh: '双倍积分', en: 'double points' } },
      holdoutPercent: 0,
      budgetPoints: 100_000,
      costPerGrant: 10,
    },
    'alice',
    now,
  );
  expect(made.kind).toBe('created');
  expect((await s.campaignTransition('spring', 'approve', 'bob', now)).kind).toBe('done');
  const started = await s.campaignTransition('spring', 'start', 'bob', now);
  if (started.kind !== 'done') throw new Error(started.kind);
  return started.run?.granted ?? 0;
}

type Row = { member_no: string; purpose: string; status: string; send_after: string | null; body: string };
const outbox = (): Promise<Row[]> =>
  t.sql<Row>('SELECT member_no, purpose, status, send_after, body FROM outbox ORDER BY member_no, queued_at');

describe('outbox: messages queued by a campaign start and sent after the commit', () => {
  it('queues one offer per granted member with consent, none without, and sends each once with two senders racing', async () => {
    await enrolThree();
    expect(await startCampaign(noon)).toBe(3);
    const rows = await outbox();
    expect(rows.map((r) => [r.member_no, r.purpose, r.status, r.send_after])).toEqual([
      ['M1', 'offer', 'queued', null],
      ['M3', 'offer', 'queued', null],
    ]);
    expect(rows[0]?.body).toContain('双倍积分');
    expect(await t.hq.store.campaignResult('spring')).toMatchObject({ granted: 3, reached: 0 });
    const sent = await Promise.all([
      sendOutbox(t.hq.store, channel(), quiet, () => noon),
      sendOutbox(t.hq.store, channel(), quiet, () => noon),
    ]);
    expect(sent[0] + sent[1]).toBe(2);
    expect(
      messagesIn(t.dataDir)
        .map((m) => m.to)
        .sort(),
    ).toEqual(['139****0001', '139****0003']);
    expect((await outbox()).map((r) => r.status)).toEqual(['sent', 'sent']);
    // The campaign's result: three granted, two reached (M2 gave no marketing consent)
    expect(await t.hq.store.campaignResult('spring')).toMatchObject({ granted: 3, reached: 2 });
    // Nothing left to send: a later pass writes nothing more.
    expect(await sendOutbox(t.hq.store, channel(), quiet, () => noon)).toBe(0);
    expect(messagesIn(t.dataDir)).toHaveLength(2);
  });

  it('holds messages decided in quiet hours until 08:00', async () => {
    await enrolThree();
    await startCampaign(night);
    const rows = await outbox();
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.send_after).toBe(eight.toISOString());
    expect(await sendOutbox(t.hq.store, channel(), quiet, () => night)).toBe(0);
    expect(await sendOutbox(t.hq.store, channel(), quiet, () => beforeEight)).toBe(0);
    expect(messagesIn(t.dataDir)).toHaveLength(0);
    expect(await sendOutbox(t.hq.store, channel(), quiet, () => eight)).toBe(2);
    expect(messagesIn(t.dataDir)).toHaveLength(2);
  });

  it('keeps to the cap, and retries an unavailable channel later', async () => {
    await enrolThree();
    for (let i = 0; i < MARKETING_CAP; i++) {
      expect((await t.hq.store.queueMessage({ memberNo: 'M1', purpose: 'expiring', text: 'x' }, noon)).kind).toBe(
        'queued',
      );
    }
    await startCampaign(noon);
    const offers = (await outbox()).filter((r) => r.purpose === 'offer');
    expect(offers.map((r) => r.member_no)).toEqual(['M3']);
    let calls = 0;
    const flaky: MessageChannel = {
      name: 'flaky',
      send: async () => {
        calls += 1;
        return { ok: false, code: 'unavailable', message: 'throttled' };
      },
    };
    expect(await sendOutbox(t.hq.store, flaky, quiet, () => noon)).toBe(0);
    expect(calls).toBe(MARKETING_CAP + 1);
    expect((await outbox()).every((r) => r.status === 'queued')).toBe(true);
    // Not again before the backoff; after it, through a working channel.
    expect(await sendOutbox(t.hq.store, channel(), quiet, () => new Date(noon.getTime() + 1000))).toBe(0);
    const later = new Date(noon.getTime() + SEND_BACKOFF_MS + 1000);
    expect(await sendOutbox(t.hq.store, channel(), quiet, () => later)).toBe(MARKETING_CAP + 1);
    expect(messagesIn(t.dataDir)).toHaveLength(MARKETING_CAP + 1);
  });
});

describe('outbox: points expiring within 30 days, from the end-of-day run', () => {
  it('queues one message per member and lot date, however often the run goes', async () => {
    const day = localDate(new Date(), 'Asia/Shanghai').date;
    const now = new Date(`${day}T04:00:00Z`); // 12:00 in Shanghai
    A.enrol('M1', at(0), { name: '甲', phone: '13900000001', consentMarketing: true });
    A.append('M1', 'earn', 300, at(1), { expiresOn: addDays(day, 10) });
    A.append('M1', 'earn', 200, at(2), { expiresOn: addDays(day, 20) });
    A.append('M1', 'earn', 100, at(3), { expiresOn: addDays(day, 40) });
    await uploadAll(t, A, 20);
    await t.hq.store.settle();
    await t.hq.store.runEndOfDay(now);
    await t.hq.store.runEndOfDay(new Date(now.getTime() + 60_000));
    const rows = (await outbox()).filter((r) => r.purpose === 'expiring');
    expect(rows.map((r) => r.body).sort()).toEqual([
      `您有 200 积分将于 ${addDays(day, 20)} 到期，请及时使用。`,
      `您有 300 积分将于 ${addDays(day, 10)} 到期，请及时使用。`,
    ]);
  });
});

describe('outbox: a tier reached by head office', () => {
  it('queues a tier message when sales at two stores together reach Silver', async () => {
    A.enrol('M1', at(0), { name: '甲', phone: '13900000001', consentMarketing: true });
    A.sale('M1', 300_000, at(1));
    await uploadAll(t, A, 100);
    B.sale('M1', 250_000, at(2));
    await uploadAll(t, B, 100);
    await t.hq.store.settle();
    const rows = (await outbox()).filter((r) => r.purpose === 'tier');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.body).toMatch(/^恭喜您升级为.+会员。$/);
  });
});

describe('outbox: a tier a till reached at the sale', () => {
  const upgrade = { fromTier: 'ordinary', toTier: 'silver', reason: 'instant', rank: 1 } as const;

  it("queues the member's message once: not again for another till's upgrade to the same tier", async () => {
    A.enrol('M1', at(0), { name: '甲', phone: '13900000001', consentMarketing: true });
    A.enrol('M2', at(1), { name: '乙', phone: '13900000002', consentMarketing: false });
    // Below any threshold head office would upgrade on: the message can only be the till's.
    for (const m of ['M1', 'M2']) {
      const s = A.sale(m, 10_000, at(2));
      A.append(m, 'tier', 0, at(2), { saleId: s.saleId, data: upgrade });
    }
    await uploadAll(t, A, 100);
    // Till B, offline meanwhile, upgraded M1 too.
    const s = B.sale('M1', 10_000, at(3));
    B.append('M1', 'tier', 0, at(3), { saleId: s.saleId, data: upgrade });
    await uploadAll(t, B, 100);
    await t.hq.store.settle();
    const rows = (await outbox()).filter((r) => r.purpose === 'tier');
    // M2 gave no marketing consent.
    expect(rows.map((r) => [r.member_no, r.body])).toEqual([['M1', '恭喜您升级为银卡会员。']]);
  });
});

describe('privacy: the outbox and sessions in export and erasure', () => {
  const who = { operatorId: 'op', reason: 'member request' };

  it("exports the member's messages and session times, and erasure empties them", async () => {
    await enrolThree();
    await startCampaign(noon);
    await t.exec(
      "INSERT INTO outbox (member_no, message_id, purpose, marketing, body, status, queued_at) VALUES ('M1', 'otp-1', 'otp', 0, '验证码 ******', 'sent', ?)",
      noon.toISOString(),
    );
    await t.exec(
      'INSERT INTO member_sessions (member_no, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)',
      'M1',
      Buffer.from('abc'),
      noon.toISOString(),
      eight.toISOString(),
    );
    await t.exec(
      `INSERT INTO member_otps (phone_hash, member_no, code_hash, expires_at, tries, last_sent_at, window_start, sent_in_window)
       VALUES (?, 'M1', NULL, NULL, 0, ?, ?, 1)`,
      Buffer.from('phone-hash-of-m1'),
      noon.toISOString(),
      noon.toISOString(),
    );
    const ex = await t.hq.store.exportMember('M1', who, noon);
    expect(ex?.messages.map((m) => [m.purpose, m.status])).toEqual(
      expect.arrayContaining([
        ['offer', 'queued'],
        ['otp', 'sent'],
      ]),
    );
    expect(ex?.messages.find((m) => m.purpose === 'otp')?.text).toBe('验证码 ******');
    expect(ex?.sessions).toEqual([{ createdAt: noon.toISOString(), expiresAt: eight.toISOString() }]);
    expect(JSON.stringify(ex?.sessions)).not.toContain('token');

    expect((await t.hq.store.eraseMember('M1', who, noon)).kind).toBe('erased');
    const rows = (await outbox()).filter((r) => r.member_no === 'M1');
    expect(rows.length).toBe(2);
    for (const r of rows) expect(r.body).toBe('');
    expect(rows.find((r) => r.purpose === 'offer')?.status).toBe('failed');
    expect(await t.sql("SELECT * FROM member_sessions WHERE member_no = 'M1'")).toEqual([]);
    expect(await t.sql("SELECT * FROM member_otps WHERE member_no = 'M1'")).toEqual([]);
    // Nothing is sent to an erased member; the others' messages still go.
    expect(await sendOutbox(t.hq.store, channel(), quiet, () => noon)).toBe(1);
    expect(messagesIn(t.dataDir).map((m) => m.to)).toEqual(['139****0003']);
  });
});
