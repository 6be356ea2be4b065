/**
 * A member record a till uploads stays within the protocol's limits (core/sync/protocol.ts
 * MAX_CARDS_PER_RECORD, MAX_PREFERENCE_CHANGES_PER_RECORD), however many cards the member has
 * held or preference changes piled up offline: the record carries the cards changed last, and a
 * batch ends before a member's changes would pass the limit, the rest following in the next
 * batch (main/sync/batch.ts). Before, such a record was refused (400) and every later upload of
 * the till waited behind it for good. With a real head office, in process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadBatch } from '../core/sync/protocol.js';
import { addTill } from '../headoffice/provision.js';
import { prepareBatch } from '../main/sync/batch.js';
import { startHq, type TestHq } from '../headoffice/test-helpers.js';
import { StaffDirectory } from '../main/api/staff.js';
import type { Till } from '../main/service/till.js';
import { linkedTill, POS_KEY } from './helpers/till.js';

const root = mkdtempSync(join(tmpdir(), 'member-record-limits-'));
/** The parts of the till's answers these tests read. */
interface Body {
  token?: string;
  memberNo?: string;
  error?: { code: string };
}

let hq: TestHq;

beforeAll(async () => {
  hq = await startHq();
});
afterAll(async () => {
  await hq.close();
  rmSync(root, { recursive: true, force: true });
});

async function call(t: Till, path: string, body: unknown, key: string): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function memberAtLinkedTill(name: string): Promise<{ t: Till; token: string; memberNo: string }> {
  const issued = await addTill(hq.hq.store, `store-${name}`, `till-${name}`);
  const t = await linkedTill(mkdtempSync(join(root, `${name}-`)), hq.hq, issued);
  new StaffDirectory(t.ctx.db).add({ staffId: '9001', name: '王主管', role: 'supervisor', pin: '4321' });
  const s = await call(t, '/v1/staff/sessions', { staffId: '9001', pin: '4321' }, '');
  expect(s.status).toBe(201);
  const enr = await call(
    t,
    '/v1/members',
    { name: '赵六', phone: '13900002222', consent: { marketing: true, text: 'v1' } },
    POS_KEY,
  );
  expect(enr.status).toBe(201);
  // The member is known to head office first.
  expect((await t.sync?.syncNow())?.problem ?? null).toBeNull();
  return { t, token: s.body.token as string, memberNo: enr.body.memberNo as string };
}

/** Why head office refuses: the protocol's own schema applied to the batch the till builds. */
function protocolIssues(t: Till): string[] {
  const parsed = UploadBatch.safeParse(prepareBatch(t.ctx, { seq: 0, outboxId: 0 }).batch);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

async function saleAfterwards(t: Till, saleId: string, memberNo: string): Promise<void> {
  const sale = await call(
    t,
    '/v1/sales',
    { saleId, memberNo, lines: [{ sku: 'X', category: 'general', quantity: 1, unitPrice: 1000 }] },
    POS_KEY,
  );
  expect(sale.status).toBe(201);
}

describe('a member record the till keeps must stay one head office can take', () => {
  it('a member who replaced a lost NFC card 20 times: the till still uploads', async () => {
    const { t, token, memberNo } = await memberAtLinkedTill('cards');
    try {
      let refused: { status: number; body: Body } | null = null;
      for (let i = 0; i < 20 && !refused; i++) {
        const uid = `04:11:22:33:44:55:${i.toString(16).padStart(2, '0').toUpperCase()}`;
        const r = await call(t, '/v1/staff/cards/link', { memberNo, code: uid, source: 'nfc' }, token);
        if (r.status !== 201) {
          refused = r;
          break;
        }
      }
      if (refused) {
        expect(refused.status).toBe(422);
        expect(typeof refused.body.error?.code).toBe('string');
      }
      await saleAfterwards(t, 'AFTER-CARDS', memberNo);
      const s = await t.sync?.syncNow();
      expect(protocolIssues(t)).toEqual([]);
      expect(s?.problem ?? null).toBeNull();
      expect(s?.waiting).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('101 preference changes of one member while head office is away: the till still uploads', async () => {
    const { t, token, memberNo } = await memberAtLinkedTill('prefs');
    try {
      let refused: { status: number; body: Body } | null = null;
      for (let i = 0; i < 101 && !refused; i++) {
        const r = await call(t, `/v1/staff/members/${memberNo}/preferences`, { consentMarketing: i % 2 === 1 }, token);
        if (r.status !== 200) refused = r;
      }
      if (refused) {
        expect(refused.status).toBe(422);
        expect(typeof refused.body.error?.code).toBe('string');
      }
      await saleAfterwards(t, 'AFTER-PREFS', memberNo);
      expect(protocolIssues(t)).toEqual([]);
      // Two batches: the first ends before the 101st change, which follows in the second.
      for (let i = 0; i < 3; i++) await t.sync?.syncNow();
      const s = await t.sync?.syncNow();
      expect(s?.problem ?? null).toBeNull();
      expect(s?.waiting).toBe(0);
      const held = await hq.sql<{ n: number }>(
        'SELECT count(*) AS n FROM member_preference_changes WHERE member_no = ?',
        memberNo,
      );
      expect(Number(held[0]?.n)).toBe(101);
    } finally {
      await t.close();
    }
  });
});
