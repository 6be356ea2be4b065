/**
 * DOMAIN.md 10 end to end: a member erased at head office (a real process) is erased on every
 * till after one sync; the ledger and balances stay; the phone number can be enrolled again;
 * nothing personal goes back up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Till } from '../../main/service/till.js';
import { freePort, inProcessTill, operator, pos, startHq, type Proc } from './procs.js';

const TOKEN = 'operator-token-erasure';
let root: string;
let hqDir: string;
let hqUrl: string;
let hq: Proc;
const tills: Till[] = [];

async function tillAt(store: string, id: string): Promise<Till> {
  const t = await inProcessTill({ root, hqDir, hqUrl, store, id });
  tills.push(t);
  return t;
}

async function sync(t: Till): Promise<void> {
  const s = await t.sync?.syncNow();
  expect(s?.problem ?? null).toBeNull();
}

async function operatorPost(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${hqUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

const basket = (price: number) => [{ sku: 'goods', category: 'grocery', quantity: 1, unitPrice: price }];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sync-erasure-'));
  hqDir = join(root, 'hq');
  const port = await freePort();
  hqUrl = `http://127.0.0.1:${port}`;
  hq = await startHq(hqDir, port, TOKEN);
}, 60_000);

afterAll(async () => {
  for (const t of tills) await t.close();
  await hq?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('erasure (DOMAIN.md 10)', () => {
  it('reaches both tills in one sync; ledger and balance stay; the phone can enrol again', async () => {
    const a = await tillAt('store-ea', 'till-ea');
    const b = await tillAt('store-eb', 'till-eb');
    const enrolled = await pos(a.url, '/v1/members', {
      name: '孙八',
      phone: '13700000042',
      birthday: '03-08',
      consent: { marketing: true, text: 'v1' },
      cardCode: '04:E7:A5:E0:11:22:33',
    });
    expect(enrolled.json).toMatchObject({ memberNo: expect.any(String) });
    const memberNo = enrolled.json.memberNo as string;
    expect((await pos(a.url, '/v1/sales', { saleId: 'EA-1', memberNo, lines: basket(50_000) })).status).toBe(201);
    await sync(a);
    await sync(b);
    // Store B knows the member by card; the name and phone stay with store A (need to know, issue 11).
    expect((await pos(b.url, '/v1/members/identify', { code: '04:E7:A5:E0:11:22:33' })).status).toBe(200);
    const before = await operator(hqUrl, TOKEN, `/v1/members/${memberNo}`);

    const erased = await operatorPost(`/v1/members/${memberNo}/erase`, {
      operatorId: 'ops-wang',
      reason: 'member asked',
    });
    expect(erased.status).toBe(200);
    await sync(a);
    await sync(b);

    for (const t of [a, b]) {
      const rec = t.ctx.members.get(memberNo);
      expect(rec).toMatchObject({ name: '', phone: '', birthday: null, status: 'blocked' });
      expect(rec?.erasedAt).toBe(erased.json.erasedAt);
      const byPhone = await pos(t.url, '/v1/members/identify', { phone: '13700000042' });
      expect(byPhone.status).toBe(404);
      const byCard = await pos(t.url, '/v1/members/identify', { code: '04:E7:A5:E0:11:22:33' });
      expect(byCard.status).toBe(422);
      expect((byCard.json.error as { code: string }).code).toBe('card_blocked');
    }
    // Till A's own ledger for the member is untouched.
    expect(a.ctx.ledger.entriesAfter(0, 10_000).filter((e) => e.memberNo === memberNo).length).toBeGreaterThan(1);
    const after = await operator(hqUrl, TOKEN, `/v1/members/${memberNo}`);
    expect(after.json.ledgerBalance).toBe(before.json.ledgerBalance);
    expect(after.json.ledger).toEqual(before.json.ledger);

    // The number is free again, for a new membership.
    const again = await pos(b.url, '/v1/members', {
      name: '孙八',
      phone: '13700000042',
      consent: { marketing: false, text: 'v1' },
    });
    expect(again.status).toBe(201);
    expect(again.json.memberNo).not.toBe(memberNo);

    // Till A keeps uploading (its outbox may still name the erased member) and nothing personal goes up.
    expect((await pos(a.url, '/v1/sales', { saleId: 'EA-2', lines: basket(1_000) })).status).toBe(201);
    await sync(a);
    await sync(b);
    const tillsView = await operator(hqUrl, TOKEN, '/v1/tills');
    const rows = tillsView.json.tills as { tillId: string; ackSeq: number; chainStatus: string }[];
    expect(rows.find((r) => r.tillId === 'till-ea')).toMatchObject({
      ackSeq: a.ctx.ledger.headOf().seq,
      chainStatus: 'ok',
    });
    const exp = await operatorPost(`/v1/members/${memberNo}/export`, { operatorId: 'ops-wang', reason: 'audit' });
    expect(exp.json.personal).toBeNull();
  });
});
