/**
 * Issue 11, finding 3 at head office: a sale dated more than `lateSaleMaxDays` before head
 * office received it, or recorded (by the till's word) after head office received it, is flagged
 * in the sale check; a sale a few days late is not.
 */
import { describe, expect, it } from 'vitest';
import { operator, useOneTillHq, uploadAll, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let till: TillSim;

useOneTillHq('T1', (x) => {
  ({ t, till } = x);
});

const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();

async function notes(): Promise<Record<string, { note: string; mismatch: number }>> {
  await t.hq.store.settle();
  const rows = await t.sql<{ sale_id: string; check_note: string; mismatch: number }>(
    'SELECT sale_id, check_note, mismatch FROM sales',
  );
  return Object.fromEntries(rows.map((r) => [r.sale_id, { note: r.check_note, mismatch: r.mismatch }]));
}

describe('late and future-dated sales (finding 3)', () => {
  it('flags late_sale beyond lateSaleMaxDays and recorded_in_future, and leaves a 10-day-late sale alone', async () => {
    till.enrol('M1', daysAgo(900));
    const backdated = [10, 40, 200, 800].map((d) => till.sale('M1', 50_000, daysAgo(d)));
    const future = till.sale('M1', 10_000, daysAgo(0));
    future.recordedAt = new Date(Date.now() + 3 * 86_400_000).toISOString();
    await uploadAll(t, till, 100);
    const n = await notes();
    expect(n[backdated[0]?.saleId ?? '']).toEqual({ note: 'ok', mismatch: 0 });
    for (const s of backdated.slice(1)) expect(n[s.saleId]).toMatchObject({ note: 'late_sale', mismatch: 1 });
    expect(n[future.saleId]).toMatchObject({ note: 'recorded_in_future', mismatch: 1 });
    const row = (await operator(t, 'GET', '/v1/tills')).body.tills[0];
    expect(row.mismatches).toBe(4);
  });
});
