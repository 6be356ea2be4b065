/**
 * Review actions at head office: closing a double-spend case and clearing a till's
 * broken-chain flag, each attributed to an operator with a reason and kept.
 */
import { describe, expect, it } from 'vitest';
import { at, operator, upload, uploadAll, type TestHq, type TillSim, useTwoTillHq } from './test-helpers.js';

const WHO = { operatorId: 'ops-qian', reason: 'member repaid at store S2' };

let t: TestHq;
let A: TillSim;
let B: TillSim;

useTwoTillHq((x) => ({ t, A, B } = x));

async function actions(): Promise<
  { action: string; subject: string; operator_id: string; reason: string; detail: string | null }[]
> {
  return t.sql('SELECT action, subject, operator_id, reason, detail FROM operator_actions ORDER BY id');
}

describe('double-spend cases', () => {
  it('are closed once, with who and why, and the balance stays as the ledger says', async () => {
    A.enrol('M1', at(0));
    A.sale('M1', 100_000, at(1));
    A.redeem('M1', 800, at(10));
    B.redeem('M1', 800, at(11));
    await uploadAll(t, A, 100);
    await uploadAll(t, B, 100);
    const open = (await operator(t, 'GET', '/v1/reports/summary')).body.doubleSpendCases;
    expect(open).toEqual([expect.objectContaining({ status: 'open', closedAt: null, closedBy: null })]);
    const id = open[0].id as number;

    const r = await operator(t, 'POST', `/v1/cases/${id}/close`, WHO);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, status: 'closed', closedBy: 'ops-qian', resolution: WHO.reason });
    const again = await operator(t, 'POST', `/v1/cases/${id}/close`, { operatorId: 'other', reason: 'again' });
    expect(again.body).toMatchObject({ status: 'already_closed', closedBy: 'ops-qian', closedAt: r.body.closedAt });

    const after = (await operator(t, 'GET', '/v1/reports/summary')).body;
    expect(after.doubleSpendCases[0]).toMatchObject({ status: 'closed', closedBy: 'ops-qian', resolution: WHO.reason });
    expect((await operator(t, 'GET', '/v1/members/M1')).body.ledgerBalance).toBe(-600);
    expect(await actions()).toEqual([
      { action: 'close_case', subject: String(id), operator_id: 'ops-qian', reason: WHO.reason, detail: null },
    ]);
  });

  it('404 for an unknown case, 400 without a reason, 401 without the token', async () => {
    expect((await operator(t, 'POST', '/v1/cases/99/close', WHO)).body.error.code).toBe('unknown_case');
    expect((await operator(t, 'POST', '/v1/cases/abc/close', WHO)).status).toBe(404);
    expect((await operator(t, 'POST', '/v1/cases/1/close', { operatorId: 'x' })).status).toBe(400);
    const res = await fetch(`${t.hq.url}/v1/cases/1/close`, { method: 'POST', body: JSON.stringify(WHO) });
    expect(res.status).toBe(401);
  });
});

describe('broken-chain flag', () => {
  it('is cleared after review, keeping what it said; honest uploads went on throughout', async () => {
    A.enrol('M1', at(0));
    A.sale('M1', 10_000, at(1));
    const b = A.batch(1);
    const forged = b.entries.map((e, i) => (i === 1 ? { ...e, points: e.points + 1000 } : e));
    expect((await upload(t, A, { ...b, entries: forged })).status).toBe(422);
    expect((await upload(t, A, b)).body.status).toBe('applied');
    const flagged = (await operator(t, 'GET', '/v1/tills')).body.tills.find(
      (x: { tillId: string }) => x.tillId === 'A',
    );
    expect(flagged.chainStatus).toBe('broken');

    const r = await operator(t, 'POST', '/v1/tills/A/chain/clear', {
      ...WHO,
      reason: 'forged upload traced to a test rig',
    });
    expect(r.body).toEqual({ tillId: 'A', status: 'cleared', previousError: flagged.chainError });
    const tills = (await operator(t, 'GET', '/v1/tills')).body.tills;
    expect(tills.find((x: { tillId: string }) => x.tillId === 'A')).toMatchObject({
      chainStatus: 'ok',
      chainError: null,
    });
    expect((await operator(t, 'POST', '/v1/tills/A/chain/clear', WHO)).body.status).toBe('not_broken');
    expect((await operator(t, 'POST', '/v1/tills/NOPE/chain/clear', WHO)).body.error.code).toBe('unknown_till');
    expect(await actions()).toEqual([
      expect.objectContaining({ action: 'clear_chain', subject: 'A', detail: flagged.chainError }),
    ]);
  });
});
