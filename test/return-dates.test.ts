/**
 * A return's `occurredAt` (main/service/returns.ts): not before the sale it takes back
 * (`return_before_sale`), and, like a late sale, at most `lateSaleMaxDays` before the day it is
 * recorded (`occurred_too_long_ago`, DOMAIN.md 12; docs/decisions.md "Time"). Either is a 422
 * naming `occurredAt` with nothing written. Before, only a future date was refused: a return
 * dated a year before its sale, or in year 1, went into the hash-chained ledger for good.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrolDirect, startTill, type TestTill } from './helpers/till.js';

let t: TestTill;
let memberNo: string;

beforeEach(async () => {
  t = await startTill(); // clock 2025-03-05T02:00:00Z
  memberNo = enrolDirect(t.ctx);
  const s = await t.post('/v1/sales', {
    saleId: 'S-1',
    memberNo,
    occurredAt: '2025-03-05T01:00:00Z',
    lines: [{ sku: 'A', category: 'general', quantity: 4, unitPrice: 1000 }],
  });
  expect(s.status).toBe(201);
});
afterEach(async () => {
  await t.close();
});

const ledgerCount = (): number => (t.ctx.db.prepare('SELECT count(*) AS n FROM ledger').get() as { n: number }).n;

const returnAt = (returnId: string, occurredAt: string) =>
  t.post('/v1/returns', { returnId, originalSaleId: 'S-1', occurredAt, lines: [{ sku: 'A', quantity: 1 }] });

describe("a return's date", () => {
  it.each([
    ['half an hour before its sale', '2025-03-05T00:30:00Z', 'return_before_sale'],
    ['a year before its sale', '2024-03-05T01:00:00Z', 'occurred_too_long_ago'],
    ['in year 1', '0001-01-01T00:00:00Z', 'occurred_too_long_ago'],
  ])('is refused %s, nothing written', async (_what, at, code) => {
    const before = ledgerCount();
    const r = await returnAt(`R-${code}-${at.slice(0, 4)}`, at);
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code, field: 'occurredAt' });
    expect(ledgerCount()).toBe(before);
  });

  it('is taken from the sale on, and when omitted (now)', async () => {
    expect((await returnAt('R-OK-1', '2025-03-05T01:00:00Z')).status).toBe(201);
    const r = await t.post('/v1/returns', {
      returnId: 'R-OK-2',
      originalSaleId: 'S-1',
      lines: [{ sku: 'A', quantity: 1 }],
    });
    expect(r.status).toBe(201);
  });
});
