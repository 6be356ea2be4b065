/**
 * A supervisor's adjustment reason end to end (DOMAIN.md 10, SECURITY.md "adjustment reasons"):
 * the till keeps it out of the hash-chained entry, sealed beside it; the next sync takes it to a
 * real head-office process beside the entry; an operator sees it with the member and in the
 * export; erasure deletes it at head office and, through the feed, at the till. No file of either
 * holds it in clear.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StaffDirectory } from '../../main/api/staff.js';
import { adjustmentNote } from '../../main/db/adjustment-notes.js';
import type { Till } from '../../main/service/till.js';
import { operator, tillPost, useHqProcess, type Json, filesUnder } from './procs.js';
import { bearerCall } from '../helpers/bearer-call.js';

const TOKEN = 'operator-token-adjust-notes';
const f = useHqProcess('sync-adjust-notes', TOKEN);
const REASON = '补偿 客户欧阳调 13911112222';
const SECRETS = ['欧阳调', '13911112222'];

function staffPost(t: Till, token: string, path: string, body: unknown): Promise<{ status: number; json: Json }> {
  return bearerCall(t.url, token, 'POST', path, body);
}

function hqPost(path: string, body: unknown): Promise<{ status: number; json: Json }> {
  return bearerCall(`http://127.0.0.1:${f.hqPort}`, TOKEN, 'POST', path, body);
}

describe('an adjustment reason from the till to head office', () => {
  it('goes beside the entry, is shown and exported, and is erased at head office and the till', async () => {
    const till = await f.tillAt('store-an', 'till-an');
    new StaffDirectory(till.ctx.db).add({ staffId: '2001', name: '王主管', role: 'supervisor', pin: '5678' });
    const session = await staffPost(till, '', '/v1/staff/sessions', { staffId: '2001', pin: '5678' });
    expect(session.status).toBe(201);
    const enrolled = await tillPost(till, '/v1/members', {
      name: '欧阳调',
      phone: '13900000066',
      consent: { marketing: false, text: 'v1' },
    });
    const memberNo = enrolled.json.memberNo as string;
    const adj = await staffPost(till, session.json.token as string, '/v1/staff/adjustments', {
      memberNo,
      points: 30,
      direction: 'credit',
      reason: REASON,
    });
    expect(adj.status).toBe(201);
    expect(adj.json.reason).toBe(REASON);
    const seq = adj.json.entry as number;
    expect((await till.sync?.syncNow())?.problem ?? null).toBeNull();

    const hq = `http://127.0.0.1:${f.hqPort}`;
    const view = await operator(hq, TOKEN, `/v1/members/${memberNo}`);
    expect(view.status).toBe(200);
    expect(view.json.adjustmentNotes).toEqual([{ tillId: 'till-an', seq, note: REASON }]);
    const entry = (view.json.ledger as Json[]).find((e) => e.tillId === 'till-an' && e.seq === seq) as Json;
    expect(entry).toMatchObject({ kind: 'adjust_credit', points: 30, data: { staffId: '2001' } });
    expect(entry.data).not.toHaveProperty('note');
    const exported = await hqPost(`/v1/members/${memberNo}/export`, { operatorId: 'ops-li', reason: 'member asked' });
    expect(exported.json.adjustmentNotes).toEqual([{ tillId: 'till-an', seq, note: REASON }]);

    // Neither side's files hold the reason in clear (name, phone; UTF-8 and UTF-16).
    const dirs = [f.hqDir, till.ctx.db.name.replace(/[/\\][^/\\]+$/, '')];
    const inClear = (): string[] =>
      dirs.flatMap(filesUnder).filter((file) => {
        const bytes = readFileSync(file);
        return SECRETS.some((s) => bytes.includes(Buffer.from(s)) || bytes.includes(Buffer.from(s, 'utf16le')));
      });
    // (the member's own name is in neither in clear either: it is sealed like the reason)
    expect(inClear()).toEqual([]);

    expect(
      (await hqPost(`/v1/members/${memberNo}/erase`, { operatorId: 'ops-li', reason: 'member asked' })).status,
    ).toBe(200);
    expect((await operator(hq, TOKEN, `/v1/members/${memberNo}`)).json.adjustmentNotes).toEqual([]);
    expect(adjustmentNote(till.ctx.db, till.ctx.cipher, seq)).toBe(REASON);
    await till.sync?.syncNow();
    expect(adjustmentNote(till.ctx.db, till.ctx.cipher, seq)).toBeNull();
    // The entry stays, with the staff id only.
    const row = till.ctx.db.prepare('SELECT data FROM ledger WHERE seq = ?').get(seq) as { data: string };
    expect(JSON.parse(row.data)).toEqual({ staffId: '2001' });
  }, 60_000);
});
