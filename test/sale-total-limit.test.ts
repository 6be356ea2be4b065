/**
 * A basket's total is at most core/money.ts MAX_FEN (¥10,000,000,000), what the sync protocol
 * carries: the till answers a larger one 422 invalid_basket. Before, it recorded such a sale
 * (even a total of 9e15 fen), head office refused the batch holding it (400), and every later
 * upload of the till waited behind it for good.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadBatch } from '../core/sync/protocol.js';
import { addTill, type IssuedTill } from '../headoffice/provision.js';
import { startHq, type TestHq } from '../headoffice/test-helpers.js';
import { prepareBatch } from '../main/sync/batch.js';
import type { Till } from '../main/service/till.js';
import { linkedTill, POS_KEY, startTill } from './helpers/till.js';

const root = mkdtempSync(join(tmpdir(), 'sale-total-limit-'));
let hq: TestHq;
let issued: IssuedTill;

beforeAll(async () => {
  hq = await startHq();
  issued = await addTill(hq.hq.store, 'store-a', 'till-a');
});
afterAll(async () => {
  await hq.close();
  rmSync(root, { recursive: true, force: true });
});

async function post(t: Till, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${POS_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

// Two lines at the schema's own maximum unit price (1e12 fen each): a total of 2e12 fen.
const bigSale = {
  saleId: 'BIG-1',
  lines: [
    { sku: 'A', category: 'general', quantity: 1, unitPrice: 1e12 },
    { sku: 'B', category: 'general', quantity: 1, unitPrice: 1e12 },
  ],
};

describe('a sale the till records must be one head office can take', () => {
  it('unit level: a recorded sale yields an upload batch the protocol accepts', async () => {
    const t = await startTill();
    try {
      const enr = await t.post('/v1/members', {
        name: '张三',
        phone: '13900001111',
        consent: { marketing: false, text: 'v1' },
      });
      expect(enr.status).toBe(201);
      const r = await t.post('/v1/sales', { ...bigSale, memberNo: enr.body.memberNo });
      if (r.status >= 400) {
        // refused with a typed error: fine
        expect(r.status).toBe(422);
        expect(typeof r.body.error.code).toBe('string');
        return;
      }
      const prepared = prepareBatch(t.ctx, { seq: 0, outboxId: 0 });
      const parsed = UploadBatch.safeParse(prepared.batch);
      expect(parsed.success ? null : parsed.error.issues.map((i) => i.path.join('.') + ': ' + i.message)).toBeNull();
    } finally {
      await t.close();
    }
  });

  it('end to end: after a huge sale, later ordinary sales still reach head office', async () => {
    const t = await linkedTill(mkdtempSync(join(root, 'till-')), hq.hq, issued);
    try {
      const big = await post(t, '/v1/sales', bigSale);
      const small = await post(t, '/v1/sales', {
        saleId: 'SMALL-1',
        lines: [{ sku: 'C', category: 'general', quantity: 1, unitPrice: 500 }],
      });
      expect(small.status).toBe(201);
      const s = await t.sync?.syncNow();
      // Correct: the till either refused the huge sale up front (typed 4xx), or it uploads fine.
      if (big.status >= 400) expect(big.status).toBe(422);
      expect(s?.problem ?? null).toBeNull();
      expect(s?.waiting).toBe(0);
    } finally {
      await t.close();
    }
  });
});
