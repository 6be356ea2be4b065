/**
 * Manual points adjustments at the till (DOMAIN.md 4: they need a supervisor's PIN; 10: every
 * manual action is attributed to a staff id and kept), against the real service: HTTP on
 * 127.0.0.1, a real SQLite file, staff signed in with their PINs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rowToEntry } from '../core/ledger/row.js';
import { StaffDirectory } from '../main/api/staff.js';
import { adjustmentNote, adjustmentNotesBetween } from '../main/db/adjustment-notes.js';
import { prepareBatch } from '../main/sync/batch.js';
import { verifyCache, verifyTillChain } from '../main/db/rebuild.js';
import { count, enrolDirect, startTill, type ApiAnswer, type TestTill } from './helpers/till.js';

let t: TestTill;
let cashier: string;
let supervisor: string;
let saleNo = 0;

function expectError(a: ApiAnswer, status: number, code: string, field?: string): void {
  expect({ status: a.status, code: a.body?.error?.code }).toEqual({ status, code });
  if (field) expect(a.body.error.field).toBe(field);
}

async function signIn(staffId: string, pin: string): Promise<string> {
  const r = await t.post('/v1/staff/sessions', { staffId, pin }, { key: null });
  expect(r.status).toBe(201);
  return r.body.token as string;
}

/** A member with `yuan` points from one cash sale (1 point per ¥1 at Ordinary). */
async function memberWithPoints(yuan: number): Promise<string> {
  const memberNo = enrolDirect(t.ctx);
  const r = await t.post('/v1/sales', {
    saleId: `ADJ-SEED-${++saleNo}`,
    memberNo,
    lines: [{ sku: 'seed', category: 'food', quantity: 1, unitPrice: yuan * 100 }],
  });
  expect(r.status).toBe(201);
  return memberNo;
}

function lastEntry(memberNo: string) {
  const row = t.ctx.db.prepare('SELECT * FROM ledger WHERE member_no = ? ORDER BY seq DESC LIMIT 1').get(memberNo);
  return rowToEntry(row as Parameters<typeof rowToEntry>[0]);
}

async function balanceOf(memberNo: string): Promise<number> {
  const r = await t.get(`/v1/staff/members/${memberNo}`, { key: cashier });
  expect(r.status).toBe(200);
  return r.body.balance as number;
}

beforeAll(async () => {
  t = await startTill();
  const dir = new StaffDirectory(t.ctx.db);
  dir.add({ staffId: '1001', name: '李收银', role: 'cashier', pin: '1234' });
  dir.add({ staffId: '1003', name: '周收银', role: 'cashier', pin: '3456' });
  dir.add({ staffId: '2001', name: '王主管', role: 'supervisor', pin: '5678' });
  cashier = await signIn('1001', '1234');
  supervisor = await signIn('2001', '5678');
});

afterAll(async () => {
  await t?.close();
});

describe('an adjustment needs a supervisor and a reason', () => {
  it("refuses a cashier's adjustment without a supervisor's PIN, and writes nothing", async () => {
    const m = await memberWithPoints(100);
    const before = count(t.ctx, 'ledger');
    const r = await t.post(
      '/v1/staff/adjustments',
      { memberNo: m, points: 50, direction: 'credit', reason: 'goodwill: late delivery' },
      { key: cashier },
    );
    expectError(r, 403, 'supervisor_required', 'supervisorPin');
    expect(count(t.ctx, 'ledger')).toBe(before);
  });

  it("refuses a wrong supervisor PIN, a cashier's PIN as a supervisor's, and a half-given approval", async () => {
    const m = await memberWithPoints(100);
    const before = count(t.ctx, 'ledger');
    const body = { memberNo: m, points: 50, direction: 'credit', reason: 'goodwill' };
    const wrong = await t.post(
      '/v1/staff/adjustments',
      { ...body, supervisorStaffId: '2001', supervisorPin: '0000' },
      { key: cashier },
    );
    expectError(wrong, 401, 'invalid_credentials', 'supervisorPin');
    const notSupervisor = await t.post(
      '/v1/staff/adjustments',
      { ...body, supervisorStaffId: '1003', supervisorPin: '3456' },
      { key: cashier },
    );
    expectError(notSupervisor, 403, 'forbidden', 'supervisorStaffId');
    const half = await t.post('/v1/staff/adjustments', { ...body, supervisorStaffId: '2001' }, { key: cashier });
    expectError(half, 400, 'validation_failed', 'supervisorPin');
    expect(count(t.ctx, 'ledger')).toBe(before);
  });

  it('refuses a missing or blank reason', async () => {
    const m = await memberWithPoints(100);
    for (const reason of [undefined, '', '   ']) {
      const r = await t.post(
        '/v1/staff/adjustments',
        { memberNo: m, points: 50, direction: 'credit', ...(reason === undefined ? {} : { reason }) },
        { key: supervisor },
      );
      expectError(r, 400, 'validation_failed', 'reason');
    }
  });

  it('is for signed-in staff only: the POS key cannot adjust', async () => {
    const m = await memberWithPoints(100);
    const r = await t.post('/v1/staff/adjustments', { memberNo: m, points: 50, direction: 'credit', reason: 'x' });
    expectError(r, 403, 'forbidden');
  });

  it('refuses zero, negative and fractional points, and an unknown member', async () => {
    const m = await memberWithPoints(100);
    for (const points of [0, -5, 1.5]) {
      const r = await t.post(
        '/v1/staff/adjustments',
        { memberNo: m, points, direction: 'credit', reason: 'x' },
        { key: supervisor },
      );
      expectError(r, 400, 'validation_failed', 'points');
    }
    const unknown = await t.post(
      '/v1/staff/adjustments',
      { memberNo: '2999999999999', points: 5, direction: 'credit', reason: 'x' },
      { key: supervisor },
    );
    expectError(unknown, 404, 'unknown_member');
  });
});

describe('an approved adjustment is recorded and attributed in the ledger', () => {
  it("records a cashier's credit with the supervisor's PIN: approver and cashier on the entry, the reason beside it", async () => {
    const m = await memberWithPoints(100);
    const spy = vi.spyOn(t.ctx.log, 'log');
    const reason = '顾客投诉补偿 goodwill for a missed delivery, 13812345678';
    const r = await t.post(
      '/v1/staff/adjustments',
      { memberNo: m, points: 250, direction: 'credit', reason, supervisorStaffId: '2001', supervisorPin: '5678' },
      { key: cashier },
    );
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      memberNo: m,
      direction: 'credit',
      points: 250,
      balance: 350,
      spendable: 350,
      staffId: '2001',
      cashierId: '1001',
      reason,
    });
    const e = lastEntry(m);
    expect(e).toMatchObject({ seq: r.body.entry, kind: 'adjust_credit', points: 250 });
    // The reason is not in the hash-chained entry (erasure could not remove it there): it is
    // kept sealed beside it, by seq.
    expect(e.data).toEqual({ staffId: '2001', cashierId: '1001' });
    expect(adjustmentNote(t.ctx.db, t.ctx.cipher, e.seq)).toBe(reason);
    const sealed = t.ctx.db.prepare('SELECT member_no, note_enc FROM adjustment_notes WHERE seq = ?').get(e.seq) as {
      member_no: string;
      note_enc: Buffer;
    };
    expect(sealed.member_no).toBe(m);
    expect(sealed.note_enc.includes(Buffer.from('13812345678'))).toBe(false);
    // Credited points are a lot that expires like points earned today (12 rolling months).
    expect(e.expiresOn).toBe('2026-03-05');
    expect(await balanceOf(m)).toBe(350);

    // The log names the adjustment, never the reason's text (it may hold personal data).
    const logged = spy.mock.calls.filter((c) => c[1] === 'adjustment_recorded');
    spy.mockRestore();
    expect(logged).toHaveLength(1);
    expect(logged[0]?.[2]).toEqual({
      memberNo: m,
      direction: 'credit',
      points: 250,
      seq: e.seq,
      staffId: '2001',
      cashier: '1001',
    });
    expect(JSON.stringify(logged)).not.toContain('13812345678');
  });

  it("records a supervisor's own debit, attributed to them alone", async () => {
    const m = await memberWithPoints(100);
    const r = await t.post(
      '/v1/staff/adjustments',
      { memberNo: m, points: 40, direction: 'debit', reason: 'duplicate bonus reversed' },
      { key: supervisor },
    );
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ balance: 60, staffId: '2001', cashierId: null });
    const e = lastEntry(m);
    expect(e).toMatchObject({ kind: 'adjust_debit', points: 40, expiresOn: null });
    expect(e.data).toEqual({ staffId: '2001' });
    expect(adjustmentNote(t.ctx.db, t.ctx.cipher, e.seq)).toBe('duplicate bonus reversed');
    expect(await balanceOf(m)).toBe(60);
  });

  it("uploads each reason with its entry's batch, by seq, and no till file holds it in clear", async () => {
    const m = await memberWithPoints(100);
    const reason = 'called back 王小明 13900001111';
    const r = await t.post(
      '/v1/staff/adjustments',
      { memberNo: m, points: 5, direction: 'credit', reason },
      { key: supervisor },
    );
    expect(r.status).toBe(201);
    const seq = r.body.entry as number;
    // A batch holding the entry carries its note; one ending before it does not.
    const withIt = prepareBatch(t.ctx, { seq: seq - 1, outboxId: 0 }, { maxEntries: 1, maxBytes: 1e6 }).batch;
    expect(withIt.entries.map((x) => x.seq)).toEqual([seq]);
    expect(withIt.adjustmentNotes).toEqual([{ seq, memberNo: m, note: reason }]);
    expect(withIt.entries[0]?.data).not.toHaveProperty('note');
    const before = prepareBatch(t.ctx, { seq: seq - 2, outboxId: 0 }, { maxEntries: 1, maxBytes: 1e6 }).batch;
    expect(before.adjustmentNotes).toEqual([]);
    expect(adjustmentNotesBetween(t.ctx.db, t.ctx.cipher, 1, seq).some((n) => n.note === reason)).toBe(true);

    t.ctx.db.pragma('wal_checkpoint(TRUNCATE)');
    const needles = ['13900001111', '王小明'].flatMap((n) => [Buffer.from(n, 'utf8'), Buffer.from(n, 'utf16le')]);
    const holding: string[] = [];
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const f = join(d, name);
        if (statSync(f).isDirectory()) walk(f);
        else if (needles.some((n) => readFileSync(f).includes(n))) holding.push(f);
      }
    };
    walk(t.dir);
    expect(holding).toEqual([]);
  });

  it('keeps the hash chain whole and the cached state equal to a rebuild from the ledger', () => {
    expect(verifyTillChain(t.ctx.db)).toMatchObject({ ok: true });
    expect(verifyCache(t.ctx.db, t.ctx.ledger, 'ordinary')).toEqual([]);
  });
});

describe('a debit never takes the member below zero', () => {
  it('refuses a debit above the spendable points and writes nothing; the whole balance may go', async () => {
    const m = await memberWithPoints(100);
    const before = count(t.ctx, 'ledger');
    const over = await t.post(
      '/v1/staff/adjustments',
      { memberNo: m, points: 101, direction: 'debit', reason: 'correction' },
      { key: supervisor },
    );
    expectError(over, 422, 'insufficient_points', 'points');
    expect(count(t.ctx, 'ledger')).toBe(before);
    expect(await balanceOf(m)).toBe(100);

    const all = await t.post(
      '/v1/staff/adjustments',
      { memberNo: m, points: 100, direction: 'debit', reason: 'correction' },
      { key: supervisor },
    );
    expect(all.status).toBe(201);
    expect(all.body.balance).toBe(0);
    const again = await t.post(
      '/v1/staff/adjustments',
      { memberNo: m, points: 1, direction: 'debit', reason: 'correction' },
      { key: supervisor },
    );
    expectError(again, 422, 'insufficient_points');
  });

  it("judges on the merged view: points another store spent (head office's confirmation) cannot be debited", async () => {
    const m = await memberWithPoints(100);
    // Head office confirms the member with 70 of the 100 points spent at another store.
    const own = t.ctx.ledger.state(m, 'ordinary');
    const lot = own.lots[0];
    if (!lot) throw new Error('seed sale made no lot');
    t.ctx.hqState.put({
      memberNo: m,
      balance: 30,
      available: 30,
      tier: 'ordinary',
      class: null,
      confirmedAt: t.clock.iso(),
      includedSeq: t.ctx.ledger.headOf().seq,
      state: { ...own, balance: 30, lots: [{ ...lot, remaining: 30 }] },
      cursor: 1,
    });
    const over = await t.post(
      '/v1/staff/adjustments',
      { memberNo: m, points: 31, direction: 'debit', reason: 'correction' },
      { key: supervisor },
    );
    expectError(over, 422, 'insufficient_points');
    const ok = await t.post(
      '/v1/staff/adjustments',
      { memberNo: m, points: 30, direction: 'debit', reason: 'correction' },
      { key: supervisor },
    );
    expect(ok.status).toBe(201);
    expect(ok.body.balance).toBe(0);
  });
});

describe('OpenAPI', () => {
  it('documents the adjustment endpoint with its request and answer', async () => {
    const doc = (await t.get('/v1/openapi.json')).body;
    const op = doc.paths['/v1/staff/adjustments']?.post;
    expect(op?.responses?.['201']).toBeDefined();
    expect(op?.responses?.['403']).toBeDefined();
    const req = doc.components.schemas.AdjustmentRequest;
    expect(Object.keys(req.properties).sort()).toEqual(
      ['direction', 'memberNo', 'points', 'reason', 'supervisorPin', 'supervisorStaffId'].sort(),
    );
    expect(req.required.sort()).toEqual(['direction', 'memberNo', 'points', 'reason']);
    expect(doc.components.schemas.AdjustmentResponse).toBeDefined();
  });
});
