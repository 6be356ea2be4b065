/** Batches applied together keep each its own arrival time in the ledger. */
import { describe, expect, it } from 'vitest';
import { at, useOneTillHq, upload, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let A: TillSim;

useOneTillHq('A', (x) => {
  ({ t, till: A } = x);
});

describe('arrival times', () => {
  it('stay per batch when the inbox applies several batches as one', async () => {
    A.enrol('M1', at(0));
    for (let i = 0; i < 5; i++) A.sale('M1', 1_000, at(1 + i));
    const [b1, b2] = A.batches(Math.ceil(A.headSeq / 2));
    if (!b1 || !b2) throw new Error('two batches');
    expect((await upload(t, A, b1)).status).toBe(200);
    // Well inside the apply delay (50 ms): both wait and are applied as one run.
    await new Promise((r) => setTimeout(r, 20));
    expect((await upload(t, A, b2)).status).toBe(200);
    await t.hq.store.settle();
    const rows = await t.sql<{ seq: number; received_at: string }>('SELECT seq, received_at FROM ledger ORDER BY seq');
    const first = new Set(rows.filter((r) => r.seq <= b1.lastSeq).map((r) => r.received_at));
    const second = new Set(rows.filter((r) => r.seq > b1.lastSeq).map((r) => r.received_at));
    expect(first.size).toBe(1);
    expect(second.size).toBe(1);
    expect(([...first][0] as string) < ([...second][0] as string)).toBe(true);
  });
});
