/**
 * Upload batches stay near their byte budget with records too (main/sync/batch.ts): records have
 * a budget of their own, and past it the batch ends at the last row taken, the rest following in
 * the next one (docs/sync.md: batches of at most 500 entries and about 1 MB). Before, only the
 * entries were measured: 40 sales of 1,000 lines rung up offline made one 41 MB batch, head
 * office answered 413, and the till sent the same batch again for ever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHq } from '../../headoffice/test-helpers.js';
import type { Till } from '../../main/service/till.js';
import { startLinkedTill, type LinkedTillRig } from './hold-proxy.js';
import { prepareBatch, DEFAULT_LIMITS } from '../../main/sync/batch.js';
import { getMeta } from '../../main/service/identity.js';
import { POS_KEY } from '../helpers/till.js';
import { bearerCall } from '../helpers/bearer-call.js';

let hq: TestHq;
let till: Till;
let rig: LinkedTillRig;

beforeAll(async () => {
  rig = await startLinkedTill('bb', { direct: true });
  ({ hq, till } = rig);
});
afterAll(async () => {
  await rig?.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await bearerCall(till.url, POS_KEY, 'POST', path, body);
  return { status: r.status, body: r.json };
}

/** A valid basket at the API's limits: 1000 lines, long sku and name. */
function bigBasket(n: number): Record<string, unknown>[] {
  return Array.from({ length: 1000 }, (_, i) => ({
    sku: `SKU-${n}-${String(i).padStart(5, '0')}`.padEnd(64, 'x'),
    name: `商品名称 ${i} `.padEnd(200, '长'),
    category: 'grocery',
    quantity: 1,
    unitPrice: 100 + i,
  }));
}

describe('upload batches stay bounded in size', () => {
  it('a batch after an offline run of large baskets is ≤ ~1 MB and head office takes every sale', async () => {
    const enr = await post('/v1/members', {
      name: '大单',
      phone: '13900007777',
      consent: { marketing: false, text: 'v1' },
    });
    expect(enr.status).toBe(201);
    const memberNo = enr.body.memberNo as string;
    // Offline: no sync while the sales are rung up.
    const sales = 40;
    for (let n = 1; n <= sales; n++) {
      const r = await post('/v1/sales', { saleId: `BIG-${n}`, memberNo, lines: bigBasket(n) });
      expect(r.status).toBe(201);
    }
    const ack = {
      seq: Number(getMeta(till.ctx.db, 'hq_ack_seq') ?? '0'),
      outboxId: Number(getMeta(till.ctx.db, 'hq_ack_outbox') ?? '0'),
    };
    const prepared = prepareBatch(till.ctx, ack, DEFAULT_LIMITS);
    const bytes = Buffer.byteLength(JSON.stringify(prepared.batch));
    console.log('first batch JSON bytes', bytes, 'sales in it', prepared.batch.sales?.length);

    // Head office receives everything: the till converges.
    const s = await till.sync?.syncNow();
    expect(s?.problem ?? null).toBeNull();
    expect(s?.ackSeq).toBe(till.ctx.ledger.headOf().seq);
    expect(s?.waiting).toBe(0);
    const held = await hq.sql<{ n: number }>('SELECT count(*) AS n FROM sales WHERE till_id = ?', 'till-bb');
    expect(held[0]?.n).toBe(sales);
    // The documented bound (≤ ~1 MB JSON; allow 2x for "~").
    expect(bytes).toBeLessThanOrEqual(2_000_000);
  }, 180_000);
});
