/**
 * Feedback at head office (issue 14 item 6) against a real server: a records-only batch brings
 * it (and brings it once), a viewer may not read the member's words, an analyst lists, assigns
 * and closes it in their own name only, and each action is kept in operator_actions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedbackRecord } from '../core/sync/protocol.js';
import {
  hqCli,
  provision,
  recordsBatch,
  startHq,
  upload,
  type Answer,
  type TestHq,
  type TillSim,
} from './test-helpers.js';

let t: TestHq;
let till: TillSim;
let analyst: string;
let viewer: string;

const record: FeedbackRecord = {
  feedbackId: 'fb-1',
  kind: 'complaint',
  category: 'price',
  text: '价签和结算价格不一致',
  memberNo: null,
  followUp: false,
  staffId: '1001',
  recordedAt: new Date(Date.now() - 60_000).toISOString(),
};

async function addOperator(id: string, role: string): Promise<string> {
  const out = await hqCli(t, ['add-operator', '--id', id, '--role', role]);
  return /^OPERATOR_TOKEN=(\S+)$/m.exec(out)?.[1] ?? '';
}

async function call(token: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${t.hq.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const recordsOnly = (feedback: FeedbackRecord[]) => recordsBatch(till, { feedback });

beforeAll(async () => {
  t = await startHq();
  till = await provision(t, 'S-FB', 'T-FB');
  analyst = await addOperator('a.qian', 'analyst');
  viewer = await addOperator('v.zhao', 'viewer');
}, 60_000);

afterAll(async () => {
  await t.close();
});

describe('feedback at head office', () => {
  it('arrives once with a records-only batch', async () => {
    expect((await upload(t, till, recordsOnly([record]))).status).toBe(200);
    expect((await upload(t, till, recordsOnly([record]))).status).toBe(200);
    const list = await call(analyst, 'GET', '/v1/feedback');
    expect(list.body.feedback).toEqual([
      expect.objectContaining({ feedbackId: 'fb-1', tillId: 'T-FB', storeId: 'S-FB', text: record.text }),
    ]);
  });

  it("keeps the member's words from a viewer, and checks the status asked for", async () => {
    expect((await call(viewer, 'GET', '/v1/feedback')).status).toBe(403);
    const bad = await call(analyst, 'GET', '/v1/feedback?status=done');
    expect({ status: bad.status, code: bad.body.error.code }).toEqual({ status: 400, code: 'bad_query' });
    expect((await call(analyst, 'POST', '/v1/feedback/x/close', { operatorId: 'a.qian', note: 'n' })).status).toBe(404);
  });

  it('is assigned and closed in the operator’s own name, each action kept', async () => {
    const id = ((await call(analyst, 'GET', '/v1/feedback')).body.feedback[0] as { id: number }).id;
    const other = await call(analyst, 'POST', `/v1/feedback/${id}/assign`, { operatorId: 'ad.sun', assignee: 'x' });
    expect({ status: other.status, code: other.body.error.code }).toEqual({ status: 403, code: 'operator_mismatch' });
    const noNote = await call(analyst, 'POST', `/v1/feedback/${id}/close`, { operatorId: 'a.qian' });
    expect(noNote.status).toBe(400);
    expect(
      (await call(analyst, 'POST', `/v1/feedback/${id}/assign`, { operatorId: 'a.qian', assignee: 'cs.li' })).status,
    ).toBe(200);
    const closed = await call(analyst, 'POST', `/v1/feedback/${id}/close`, { operatorId: 'a.qian', note: '已退差价' });
    expect(closed.body).toMatchObject({ status: 'closed', feedback: { closedBy: 'a.qian', closeNote: '已退差价' } });
    expect((await call(analyst, 'GET', '/v1/feedback?status=closed')).body.feedback).toHaveLength(1);

    const rows = await t.sql(
      "SELECT action, operator_id AS op, detail FROM operator_actions WHERE action LIKE 'feedback_%' ORDER BY id",
    );
    expect(rows).toEqual([
      { action: 'feedback_assign', op: 'a.qian', detail: 'cs.li' },
      { action: 'feedback_close', op: 'a.qian', detail: null },
    ]);
    // The note is not kept in clear anywhere in the action.
    expect(JSON.stringify(await t.sql('SELECT * FROM operator_actions'))).not.toContain('已退差价');
  });
});
