/**
 * A member's export lists every operator action on the member (DOMAIN.md 10 "A member can ask
 * for all their data"; headoffice/README.md "A member's data"), on SQLite and PostgreSQL:
 * adjustments and win-back grants as well as exports and erasure, each with who did it and the
 * reason they gave, in the order they were made. Actions naming a case, a till or a feedback
 * item are not the member's, even when that id reads like a member number.
 */
import { describe, expect, it } from 'vitest';
import { at, operator, uploadAll, useOneTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let till: TillSim;
useOneTillHq('A', (x) => ({ t, till } = x));

describe("a member's export lists every operator action on the member", () => {
  it('includes adjustments and win-back grants, in order, with operator and reason', async () => {
    till.enrol('M4', at(0));
    till.sale('M4', 50_000, at(5));
    await uploadAll(t, till, 100);
    const adj = await operator(t, 'POST', '/v1/members/M4/adjustments', {
      operatorId: 'ops-adj',
      reason: '顾客投诉补偿',
      points: 100,
      direction: 'credit',
    });
    expect(adj.status).toBe(201);
    const winBack = await operator(t, 'POST', '/v1/members/M4/win-back', { operatorId: 'ops-adj', reason: '召回' });
    expect(winBack.status).toBe(201);
    const exp = await operator(t, 'POST', '/v1/members/M4/export', { operatorId: 'ops-li', reason: 'member asked' });
    expect(exp.status).toBe(200);
    const actions = exp.body.operatorActions as { at: string; action: string; operatorId: string; reason: string }[];
    expect(actions.map(({ action, operatorId, reason }) => ({ action, operatorId, reason }))).toEqual([
      { action: 'adjust', operatorId: 'ops-adj', reason: '顾客投诉补偿' },
      { action: 'win_back', operatorId: 'ops-adj', reason: '召回' },
      { action: 'export', operatorId: 'ops-li', reason: 'member asked' },
    ]);
    expect(actions.map((a) => a.at)).toEqual(actions.map((a) => a.at).sort());
  });

  it("leaves out another subject's action whose id equals the member number", async () => {
    till.enrol('M4', at(0));
    await uploadAll(t, till, 100);
    await t.exec(
      "INSERT INTO operator_actions (at, action, subject, operator_id, reason) VALUES (?, 'clear_chain', 'M4', 'ops-x', 'a till named M4')",
      new Date().toISOString(),
    );
    const exp = await operator(t, 'POST', '/v1/members/M4/export', { operatorId: 'ops-li', reason: 'member asked' });
    expect(exp.status).toBe(200);
    expect(exp.body.operatorActions.map((a: { action: string }) => a.action)).toEqual(['export']);
  });
});
