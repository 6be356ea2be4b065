/**
 * Issue 11, item 1: a card change from a till carries who made it and when (main/sync/batch.ts:
 * `staffId`, `changedAt`), and head office applies it only with the staff id, keeping it with
 * the change (headoffice/domain/ownership.ts judgeCardChange). A real head office in this
 * process and a till synced by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTill } from '../../headoffice/provision.js';
import { startHq, type TestHq } from '../../headoffice/test-helpers.js';
import type { Till } from '../../main/service/till.js';
import { prepareBatch, DEFAULT_LIMITS } from '../../main/sync/batch.js';
import { getMeta } from '../../main/service/identity.js';
import { linkedTill, POS_KEY } from '../helpers/till.js';

let hq: TestHq;
let till: Till;
const root = mkdtempSync(join(tmpdir(), 'card-staff-'));

beforeAll(async () => {
  hq = await startHq();
  const issued = await addTill(hq.hq.store, 'store-c', 'till-c');
  till = await linkedTill(join(root, 'till'), hq.hq, issued);
});
afterAll(async () => {
  await till.close();
  await hq.close();
  rmSync(root, { recursive: true, force: true });
});

async function hqCard(code: string): Promise<Record<string, unknown> | undefined> {
  return (await hq.sql('SELECT status, changed_by, changed_at, source_till FROM cards WHERE code = ?', code))[0];
}

describe("a till's card change carries the staff id and the time", () => {
  it('a supervisor-approved block is uploaded with staffId and changedAt, and head office records the staff id', async () => {
    const r = await fetch(`${till.url}/v1/members`, {
      method: 'POST',
      headers: { authorization: `Bearer ${POS_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: '诸葛亮',
        phone: '13711112222',
        consent: { marketing: false, text: 'v1' },
        cardCode: '04:A1:B2:C3:D4:E5:F6',
      }),
    });
    expect(r.status).toBe(201);
    const memberNo = ((await r.json()) as { memberNo: string }).memberNo;
    expect((await till.sync?.syncNow())?.problem ?? null).toBeNull();
    const nfc = till.ctx.members.cardsOf(memberNo).find((c) => c.kind === 'nfc');
    if (!nfc) throw new Error('the enrolment linked the NFC card');
    // The enrolment's own card came without a staff id (a POS enrolment) and was taken.
    expect(await hqCard(nfc.code)).toMatchObject({ status: 'active', changed_by: null, source_till: 'till-c' });

    // What the staff route does for a block approved by supervisor 0002 (main/api/staff-routes.ts).
    const at = new Date().toISOString();
    till.ctx.db
      .transaction(() => {
        if (till.ctx.members.blockCard(nfc.code, at, '0002')) till.ctx.outbox.add('card', memberNo, at);
      })
      .immediate();
    const ack = {
      seq: Number(getMeta(till.ctx.db, 'hq_ack_seq')),
      outboxId: Number(getMeta(till.ctx.db, 'hq_ack_outbox')),
    };
    const prepared = prepareBatch(till.ctx, ack, DEFAULT_LIMITS);
    const uploaded = prepared.batch.members
      ?.find((m) => m.memberNo === memberNo)
      ?.cards?.find((c) => c.code === nfc.code);
    expect(uploaded).toEqual({ code: nfc.code, kind: 'nfc', status: 'blocked', changedAt: at, staffId: '0002' });

    expect((await till.sync?.syncNow())?.problem ?? null).toBeNull();
    expect(await hqCard(nfc.code)).toMatchObject({ status: 'blocked', changed_by: '0002', changed_at: at });
  });
});
