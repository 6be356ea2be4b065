/**
 * A manual adjustment's reason at head office, on both stores (DOMAIN.md 10, SECURITY.md
 * "data at rest"): a till's comes beside its entry (UploadBatch.adjustmentNotes), an operator's
 * at head office is written beside head office's own entry (till `hq`); neither is in the
 * hash-chained entry. It is kept sealed, shown to an operator with the member's ledger and in
 * their export, and after erasure no table holds it, in clear or sealed.
 */
import { describe, expect, it } from 'vitest';
import { at, operator, upload, uploadAll, useTwoTillHq, type TestHq, type TillSim } from './test-helpers.js';
import { cipherOf, scan } from './at-rest-scan.js';
import { HQ_TILL_ID } from './domain/decisions.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;
useTwoTillHq((x) => ({ t, A, B } = x));

const NOTE = '补偿 欧阳调测 13987654321 missed delivery';
const NEEDLES = ['欧阳调测', '13987654321'];
const WHO = { operatorId: 'ops-1', reason: 'member asked' };

/** M88 with a sale at A, then an adjustment at A whose reason names them; uploaded. */
async function adjusted(): Promise<number> {
  A.enrol('M88', at(0), { name: '欧阳调', phone: '13900000088' });
  A.sale('M88', 5_000, at(10));
  await uploadAll(t, A, 100);
  const e = A.append('M88', 'adjust_credit', 50, at(20), { expiresOn: '2026-12-31', data: { staffId: '2001' } });
  const body = { ...A.batch(e.seq, e.seq), adjustmentNotes: [{ seq: e.seq, memberNo: 'M88', note: NOTE }] };
  const r = await upload(t, A, body);
  expect(r.status).toBe(200);
  // Sent again (a lost answer): kept once.
  expect((await upload(t, A, body)).status).toBe(200);
  await t.hq.store.settle();
  return e.seq;
}

describe('a till adjustment reason at head office', () => {
  it('is shown with the member, sealed at rest, and the entry holds no note', async () => {
    const seq = await adjusted();
    const view = await operator(t, 'GET', '/v1/members/M88');
    expect(view.status).toBe(200);
    expect(view.body.adjustmentNotes).toEqual([{ tillId: 'A', seq, note: NOTE }]);
    const entry = view.body.ledger.find((e: { tillId: string; seq: number }) => e.tillId === 'A' && e.seq === seq);
    expect(entry).toMatchObject({ kind: 'adjust_credit', points: 50, data: { staffId: '2001' } });
    expect(entry.data).not.toHaveProperty('note');
    // Nowhere in clear; sealed in adjustment_notes only.
    expect(await scan(t, NEEDLES)).toEqual([]);
    const sealed = await scan(t, NEEDLES, cipherOf(t));
    expect(new Set(sealed.map((h) => `${h.table}.${h.column}.${h.how}`))).toEqual(
      new Set(['adjustment_notes.note_enc.decrypted']),
    );
    expect(await t.sql('SELECT member_no, till_id FROM adjustment_notes')).toEqual([
      { member_no: 'M88', till_id: 'A' },
    ]);
  });

  it("is in the member's export", async () => {
    const seq = await adjusted();
    const r = await operator(t, 'POST', '/v1/members/M88/export', WHO);
    expect(r.status).toBe(200);
    expect(r.body.adjustmentNotes).toEqual([{ tillId: 'A', seq, note: NOTE }]);
  });

  it('is deleted by erasure, and one arriving after it is not kept', async () => {
    await adjusted();
    expect((await operator(t, 'POST', '/v1/members/M88/erase', WHO)).status).toBe(200);
    expect(await scan(t, NEEDLES, cipherOf(t))).toEqual([]);
    expect((await operator(t, 'GET', '/v1/members/M88')).body.adjustmentNotes).toEqual([]);
    // A till that has not heard of the erasure yet adjusts and uploads the reason.
    B.sale('M88', 1_000, at(30));
    await uploadAll(t, B, 100);
    const e = B.append('M88', 'adjust_debit', 5, at(40), { data: { staffId: '3001' } });
    const late = { ...B.batch(e.seq, e.seq), adjustmentNotes: [{ seq: e.seq, memberNo: 'M88', note: NOTE }] };
    expect((await upload(t, B, late)).status).toBe(200);
    await t.hq.store.settle();
    expect(await scan(t, NEEDLES, cipherOf(t))).toEqual([]);
  });

  it("refuses a note that is not of an adjustment entry of the batch, of the note's member", async () => {
    A.enrol('M89', at(0), { name: '欧阳调', phone: '13900000089' });
    A.sale('M89', 5_000, at(10));
    const e = A.append('M89', 'adjust_credit', 5, at(20), { expiresOn: '2026-12-31', data: { staffId: '2001' } });
    const base = A.batch(1, e.seq);
    for (const bad of [
      { seq: e.seq, memberNo: 'M90', note: 'x' },
      { seq: e.seq + 1, memberNo: 'M89', note: 'x' },
      { seq: 1, memberNo: 'M89', note: 'x' },
      { seq: e.seq, memberNo: 'M89', note: 'x'.repeat(201) },
    ]) {
      const r = await upload(t, A, { ...base, adjustmentNotes: [bad] });
      expect(r.status).toBe(400);
    }
    expect(
      (await upload(t, A, { ...base, adjustmentNotes: [{ seq: e.seq, memberNo: 'M89', note: 'ok' }] })).status,
    ).toBe(200);
  });
});

describe("an operator's adjustment reason at head office (head office's own chain)", () => {
  const ADJUST = { operatorId: 'ops-adj', reason: NOTE, points: 30, direction: 'credit' };

  /** M77 with a sale at A, uploaded, then credited by an operator at head office; returns the entry's seq. */
  async function hqAdjusted(): Promise<number> {
    A.enrol('M77', at(0), { name: '欧阳调', phone: '13900000077' });
    A.sale('M77', 5_000, at(10));
    await uploadAll(t, A, 100);
    const r = await operator(t, 'POST', '/v1/members/M77/adjustments', ADJUST);
    expect(r.status).toBe(201);
    expect(r.body.entry).toMatchObject({ tillId: HQ_TILL_ID, kind: 'adjust_credit', points: 30 });
    expect(r.body.entry.data).toEqual({ operator: 'ops-adj' });
    return r.body.entry.seq as number;
  }

  it('is not in the chained entry nor anywhere in clear; sealed beside the entry, shown with the member', async () => {
    const seq = await hqAdjusted();
    const [row] = await t.sql<{ data: string }>(
      'SELECT data FROM ledger WHERE till_id = ? AND seq = ?',
      HQ_TILL_ID,
      seq,
    );
    expect(JSON.parse(row?.data ?? '')).toEqual({ operator: 'ops-adj' });
    expect(await scan(t, NEEDLES)).toEqual([]);
    const sealed = await scan(t, NEEDLES, cipherOf(t));
    expect(new Set(sealed.map((h) => `${h.table}.${h.column}.${h.how}`))).toEqual(
      new Set(['adjustment_notes.note_enc.decrypted']),
    );
    const view = await operator(t, 'GET', '/v1/members/M77');
    expect(view.body.adjustmentNotes).toEqual([{ tillId: HQ_TILL_ID, seq, note: NOTE }]);
    const entry = view.body.ledger.find(
      (e: { tillId: string; seq: number }) => e.tillId === HQ_TILL_ID && e.seq === seq,
    );
    expect(entry).toMatchObject({ kind: 'adjust_credit', points: 30, data: { operator: 'ops-adj' } });
    expect(entry.data).not.toHaveProperty('note');
    // The action names the entry and who asked, not the reason.
    const [act] = await t.sql<{ operator_id: string; reason: string; detail: string }>(
      "SELECT operator_id, reason, detail FROM operator_actions WHERE action = 'adjust'",
    );
    expect(act?.operator_id).toBe('ops-adj');
    expect(JSON.parse(act?.detail ?? '')).toMatchObject({ entry: `${HQ_TILL_ID}:${seq}` });
  });

  it("is in the member's export, beside the ledger and as the adjustment action's reason", async () => {
    const seq = await hqAdjusted();
    const r = await operator(t, 'POST', '/v1/members/M77/export', WHO);
    expect(r.status).toBe(200);
    expect(r.body.adjustmentNotes).toEqual([{ tillId: HQ_TILL_ID, seq, note: NOTE }]);
    expect(r.body.operatorActions.map((a: { action: string; reason: string }) => [a.action, a.reason])).toEqual([
      ['adjust', NOTE],
      ['export', WHO.reason],
    ]);
  });

  it('is gone after erasure, with an older action that kept it in clear; one given after erasure is not kept', async () => {
    await hqAdjusted();
    // An adjustment recorded before reasons were kept beside the entry: its action held the reason.
    await t.exec(
      "INSERT INTO operator_actions (at, action, subject, operator_id, reason, detail) VALUES (?, 'adjust', 'M77', 'ops-old', ?, NULL)",
      new Date().toISOString(),
      NOTE,
    );
    expect((await operator(t, 'POST', '/v1/members/M77/erase', WHO)).status).toBe(200);
    expect(await scan(t, NEEDLES, cipherOf(t))).toEqual([]);
    expect((await operator(t, 'GET', '/v1/members/M77')).body.adjustmentNotes).toEqual([]);
    // Who adjusted, and when, stay.
    const acts = await t.sql<{ operator_id: string }>(
      "SELECT operator_id FROM operator_actions WHERE action = 'adjust' AND subject = 'M77' ORDER BY id",
    );
    expect(acts.map((a) => a.operator_id)).toEqual(['ops-adj', 'ops-old']);
    expect((await operator(t, 'POST', '/v1/members/M77/adjustments', ADJUST)).status).toBe(201);
    expect(await scan(t, NEEDLES, cipherOf(t))).toEqual([]);
  });
});

describe("an operator's win-back reason at head office", () => {
  it('is sealed beside the offer, not in it; in the export as the action reason; gone after erasure', async () => {
    A.enrol('M66', at(0), { name: '欧阳回', phone: '13900000066' });
    A.sale('M66', 5_000, at(10));
    await uploadAll(t, A, 100);
    const r = await operator(t, 'POST', '/v1/members/M66/win-back', { operatorId: 'ops-wb', reason: NOTE, days: 10 });
    expect(r.status).toBe(201);
    const seq = r.body.entry.seq as number;
    expect(r.body.entry.data).not.toHaveProperty('note');
    expect(await scan(t, NEEDLES)).toEqual([]);
    expect((await operator(t, 'GET', '/v1/members/M66')).body.adjustmentNotes).toEqual([
      { tillId: HQ_TILL_ID, seq, note: NOTE },
    ]);
    const exported = await operator(t, 'POST', '/v1/members/M66/export', WHO);
    expect(exported.body.operatorActions.map((a: { action: string; reason: string }) => [a.action, a.reason])).toEqual([
      ['win_back', NOTE],
      ['export', WHO.reason],
    ]);
    // A win-back granted before reasons were kept beside the entry: its action held the reason in clear.
    await t.exec(
      "INSERT INTO operator_actions (at, action, subject, operator_id, reason, detail) VALUES (?, 'win_back', 'M66', 'ops-old', ?, NULL)",
      new Date().toISOString(),
      NOTE,
    );
    expect((await operator(t, 'POST', '/v1/members/M66/erase', WHO)).status).toBe(200);
    expect(await scan(t, NEEDLES, cipherOf(t))).toEqual([]);
    const acts = await t.sql<{ operator_id: string }>(
      "SELECT operator_id FROM operator_actions WHERE action = 'win_back' AND subject = 'M66' ORDER BY id",
    );
    expect(acts.map((a) => a.operator_id)).toEqual(['ops-wb', 'ops-old']);
  });
});
