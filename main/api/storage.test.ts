import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTill, type TestTill } from '../../test/helpers/till.js';

let t: TestTill;

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await t.post(path, body);
  return { status: r.status, json: r.body as Record<string, unknown> };
}

function sale(saleId: string, memberNo: string, n: number): unknown {
  return {
    saleId,
    memberNo,
    lines: Array.from({ length: n }, (_, i) => ({
      sku: `sku-${i}`,
      name: `商品 ${i} ${'x'.repeat(120)}`,
      category: 'grocery',
      quantity: 1,
      unitPrice: 1000 + i,
    })),
  };
}

beforeEach(async () => {
  t = await startTill();
});

afterEach(async () => {
  await t.close();
});

describe('a full disk', () => {
  it('answers 507 storage_full, records nothing partial, keeps what was committed, and recovers', async () => {
    const m = await post('/v1/members', {
      name: '王五',
      phone: '13700001234',
      consent: { marketing: false, text: 'v1' },
    });
    const memberNo = m.json.memberNo as string;
    const first = await post('/v1/sales', sale('S1', memberNo, 3));
    expect(first.status).toBe(201);
    const db = t.ctx.db;
    db.pragma('wal_checkpoint(TRUNCATE)');
    const ledgerBefore = (db.prepare('SELECT count(*) AS n FROM ledger').get() as { n: number }).n;
    // SQLite's own size limit makes the next growth fail exactly as a full disk does (SQLITE_FULL).
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);

    let full: { status: number; json: Record<string, unknown> } | null = null;
    for (let i = 0; i < 50 && !full; i++) {
      const r = await post('/v1/sales', sale(`F${i}`, memberNo, 200));
      if (r.status !== 201) full = r;
    }
    expect(full?.status).toBe(507);
    expect((full?.json.error as { code: string }).code).toBe('storage_full');

    db.pragma('max_page_count = 1073741823');
    // The refused sale left nothing behind: its id is free and the chain is intact.
    const failedId = (db.prepare("SELECT count(*) AS n FROM sales WHERE sale_id = 'S1'").get() as { n: number }).n;
    expect(failedId).toBe(1);
    const ledgerAfter = (db.prepare('SELECT count(*) AS n FROM ledger').get() as { n: number }).n;
    const salesAfter = (db.prepare('SELECT count(*) AS n FROM sales').get() as { n: number }).n;
    expect(ledgerAfter - ledgerBefore).toBe(salesAfter - 1);
    const replay = await post('/v1/sales', sale('S1', memberNo, 3));
    expect(replay.status).toBe(200);
    const again = await post('/v1/sales', sale('AFTER', memberNo, 3));
    expect(again.status).toBe(201);
  });
});
