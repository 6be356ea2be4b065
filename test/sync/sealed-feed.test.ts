/**
 * Issue 11, item 2, at the till: the feed's personal fields arrive sealed to the till
 * (core/sync/personal.ts) and the till opens them (main/sync/feed.ts openPage). A till of the
 * member's store identifies the member by phone after a feed sync; a page whose member record
 * does not open is refused whole (PersonalDataError, logged) and nothing of it is applied.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersonalDataError, personalKey, sealChange } from '../../core/sync/personal.js';
import { addTill } from '../../headoffice/provision.js';
import { startHq, type TestHq } from '../../headoffice/test-helpers.js';
import { getMeta } from '../../main/service/identity.js';
import type { Till } from '../../main/service/till.js';
import { openPage } from '../../main/sync/feed.js';
import { linkedTill, POS_KEY } from '../helpers/till.js';

let hq: TestHq;
const root = mkdtempSync(join(tmpdir(), 'sealed-feed-'));
const tills: Till[] = [];

beforeAll(async () => {
  hq = await startHq();
});
afterAll(async () => {
  for (const t of tills) await t.close();
  await hq.close();
  rmSync(root, { recursive: true, force: true });
});

async function tillAt(store: string, id: string): Promise<{ till: Till; secret: string }> {
  const issued = await addTill(hq.hq.store, store, id);
  const dataDir = mkdtempSync(join(root, `${id}-`));
  const till = await linkedTill(dataDir, hq.hq, issued);
  tills.push(till);
  return { till, secret: issued.secret };
}

async function pos(t: Till, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${POS_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

describe('the sealed feed at the till', () => {
  it("a till of the member's store identifies by phone after a feed sync; a page that does not open applies nothing", async () => {
    const { till: a } = await tillAt('store-s', 'till-s1');
    const { till: b, secret: bSecret } = await tillAt('store-s', 'till-s2');
    const enrolled = await pos(a, '/v1/members', {
      name: '司马青',
      phone: '13655554444',
      consent: { marketing: false, text: 'v1' },
    });
    expect(enrolled.status).toBe(201);
    const memberNo = enrolled.json.memberNo as string;
    expect((await a.sync?.syncNow())?.problem ?? null).toBeNull();

    // B knows nothing of the member until its feed brings it, sealed to B, which opens it.
    expect(b.ctx.members.get(memberNo)).toBeNull();
    expect((await b.sync?.syncNow())?.problem ?? null).toBeNull();
    const found = await pos(b, '/v1/members/identify', { phone: '13655554444' });
    expect(found.status).toBe(200);
    expect(found.json.memberNo).toBe(memberNo);

    // A page whose member record was sealed for another member (moved envelope) is refused whole.
    const held = b.ctx.members.get(memberNo);
    expect(held).not.toBeNull();
    const key = personalKey(bSecret);
    const sealed = sealChange(key, {
      type: 'member',
      cursor: 10_000,
      member: {
        memberNo: 'X1',
        name: 'x',
        phone: '13000000000',
        birthday: null,
        gender: null,
        preferredChannel: 'none',
        interests: [],
        consentMarketing: false,
        consentText: 'v1',
        consentAt: new Date().toISOString(),
        enrolledStore: 'store-s',
        enrolledTill: 'till-s1',
        enrolledBy: null,
        status: 'active',
      },
      state: null,
    });
    if (sealed.type !== 'member') throw new Error('sealed a member change');
    const moved = { ...sealed, member: { ...sealed.member, memberNo: 'X2' } };
    const cursorBefore = getMeta(b.ctx.db, 'hq_change_cursor');
    expect(() => openPage(b.ctx, key, [moved])).toThrow(PersonalDataError);
    expect(getMeta(b.ctx.db, 'hq_change_cursor')).toBe(cursorBefore);
    expect(b.ctx.members.get('X2')).toBeNull();
    // The log is written through a stream: the line lands a moment after the refusal.
    const logFile = join(b.ctx.db.name, '..', 'till.log');
    await expect
      .poll(() => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''))
      .toContain('feed_personal_unreadable');
  });
});
