/**
 * Feedback end to end (issue 14 item 6, DOMAIN.md 9): a cashier records a member's complaint
 * and a shopper's suggestion at a till; the next sync takes them to a real head-office process,
 * where an operator lists, assigns and closes them (attributed), the summary counts them, and
 * neither the member's words nor the closing note sit in clear in head office's files.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StaffDirectory } from '../../main/api/staff.js';
import { feedbackById } from '../../main/db/feedback.js';
import type { Till } from '../../main/service/till.js';
import { operator, tillPost, useHqProcess, type Json, filesUnder } from './procs.js';
import { bearerCall } from '../helpers/bearer-call.js';

const TOKEN = 'operator-token-feedback';
const f = useHqProcess('sync-feedback', TOKEN);
const WORDS = '收银员态度很好，但是积分到账太慢了';
const NOTE = '已电话回访，积分已补登';

function staffPost(t: Till, token: string, path: string, body: unknown): Promise<{ status: number; json: Json }> {
  return bearerCall(t.url, token, 'POST', path, body);
}

async function cashierOf(t: Till): Promise<string> {
  new StaffDirectory(t.ctx.db).add({ staffId: '1001', name: '李收银', role: 'cashier', pin: '1234' });
  const r = await staffPost(t, '', '/v1/staff/sessions', { staffId: '1001', pin: '1234' });
  expect(r.status).toBe(201);
  return r.json.token as string;
}

function hqPost(path: string, body: unknown): Promise<{ status: number; json: Json }> {
  return bearerCall(`http://127.0.0.1:${f.hqPort}`, TOKEN, 'POST', path, body);
}

describe('feedback from the till to head office', () => {
  it('is recorded, uploaded, listed, assigned, closed and counted', async () => {
    const till = await f.tillAt('store-fb', 'till-fb');
    const cashier = await cashierOf(till);
    const enrolled = await tillPost(till, '/v1/members', {
      name: '赵六',
      phone: '13900000077',
      consent: { marketing: false, text: 'v1' },
    });
    const memberNo = enrolled.json.memberNo as string;

    // The POS key cannot record feedback: it names no staff member.
    const byPos = await tillPost(till, '/v1/staff/feedback', { kind: 'complaint', category: 'points', text: 'x' });
    expect(byPos.status).toBe(403);
    const complaint = await staffPost(till, cashier, '/v1/staff/feedback', {
      kind: 'complaint',
      category: 'points',
      text: WORDS,
      memberNo,
      followUp: true,
    });
    expect(complaint.status).toBe(201);
    expect(complaint.json).toMatchObject({ kind: 'complaint', memberNo, followUp: true, staffId: '1001' });
    const suggestion = await staffPost(till, cashier, '/v1/staff/feedback', {
      kind: 'suggestion',
      category: 'store',
      text: '希望周末延长营业时间',
    });
    expect(suggestion.status).toBe(201);
    expect(suggestion.json).toMatchObject({ memberNo: null, followUp: false });

    const s = await till.sync?.syncNow();
    expect(s?.problem ?? null).toBeNull();

    const listed = await operator(`http://127.0.0.1:${f.hqPort}`, TOKEN, '/v1/feedback?status=open');
    expect(listed.status).toBe(200);
    const items = listed.json.feedback as Json[];
    expect(items).toHaveLength(2);
    const c = items.find((i) => i.kind === 'complaint') as Json;
    expect(c).toMatchObject({
      tillId: 'till-fb',
      storeId: 'store-fb',
      feedbackId: complaint.json.feedbackId,
      category: 'points',
      text: WORDS,
      memberNo,
      followUp: true,
      staffId: '1001',
      status: 'open',
    });

    // A sync again sends nothing twice.
    await till.sync?.syncNow();
    expect(
      ((await operator(`http://127.0.0.1:${f.hqPort}`, TOKEN, '/v1/feedback')).json.feedback as Json[]).length,
    ).toBe(2);

    const assigned = await hqPost(`/v1/feedback/${String(c.id)}/assign`, {
      operatorId: 'ops-li',
      assignee: 'cs-zhang',
    });
    expect(assigned.status).toBe(200);
    expect(assigned.json.feedback).toMatchObject({ status: 'assigned', assignee: 'cs-zhang' });
    const closed = await hqPost(`/v1/feedback/${String(c.id)}/close`, { operatorId: 'ops-li', note: NOTE });
    expect(closed.status).toBe(200);
    expect(closed.json).toMatchObject({ status: 'closed', feedback: { closedBy: 'ops-li', closeNote: NOTE } });
    expect(
      (await hqPost(`/v1/feedback/${String(c.id)}/close`, { operatorId: 'ops-li', note: 'again' })).json.status,
    ).toBe('already_closed');
    const late = await hqPost(`/v1/feedback/${String(c.id)}/assign`, { operatorId: 'ops-li', assignee: 'x' });
    expect(late).toMatchObject({ status: 409, json: { error: { code: 'feedback_closed' } } });
    expect((await hqPost('/v1/feedback/999/close', { operatorId: 'ops-li', note: 'n' })).status).toBe(404);

    const summary = await operator(`http://127.0.0.1:${f.hqPort}`, TOKEN, '/v1/reports/summary');
    expect(summary.json.feedback).toEqual({
      complaints: { open: 0, assigned: 0, closed: 1 },
      suggestions: { open: 1, assigned: 0, closed: 0 },
      byStore: [{ storeId: 'store-fb', complaints: 1, suggestions: 1 }],
    });

    // The member's words and the note are personal-ish: encrypted at rest at head office and at the till.
    const dirs = [f.hqDir, till.ctx.db.name.replace(/[/\\][^/\\]+$/, '')];
    for (const file of dirs.flatMap(filesUnder)) {
      const bytes = readFileSync(file);
      for (const secret of [WORDS, NOTE]) expect(bytes.includes(Buffer.from(secret)), `${file}: ${secret}`).toBe(false);
    }
  }, 60_000);

  it("goes with the member's data: exported with it, its words erased with it here and at the till", async () => {
    const till = await f.tillAt('store-fe', 'till-fe');
    const cashier = await cashierOf(till);
    const enrolled = await tillPost(till, '/v1/members', {
      name: '孙八',
      phone: '13900000088',
      consent: { marketing: false, text: 'v1' },
    });
    const memberNo = enrolled.json.memberNo as string;
    const said = '店员把我的电话号码念出来了';
    const rec = await staffPost(till, cashier, '/v1/staff/feedback', {
      kind: 'complaint',
      category: 'service',
      text: said,
      memberNo,
    });
    expect(rec.status).toBe(201);
    await till.sync?.syncNow();

    const exported = await hqPost(`/v1/members/${memberNo}/export`, { operatorId: 'ops-li', reason: 'member asked' });
    expect(exported.status).toBe(200);
    expect(exported.json.feedback).toEqual([expect.objectContaining({ memberNo, text: said, kind: 'complaint' })]);

    const erased = await hqPost(`/v1/members/${memberNo}/erase`, { operatorId: 'ops-li', reason: 'member asked' });
    expect(erased.status).toBe(200);
    const after = (await operator(`http://127.0.0.1:${f.hqPort}`, TOKEN, '/v1/feedback')).json.feedback as Json[];
    expect(after.find((i) => i.memberNo === memberNo)).toMatchObject({ text: '', category: 'service' });

    await till.sync?.syncNow();
    const id = rec.json.feedbackId as string;
    expect(feedbackById(till.ctx.db, till.ctx.cipher, id)).toMatchObject({ memberNo, text: '' });
  }, 60_000);
});
