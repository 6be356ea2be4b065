/**
 * GET /v1/sync/sales/{saleId} against a real head office (DOMAIN.md 12: a return at any store):
 * the sale with its computation and earn entry, every till's returns of it, narrowing when
 * several tills hold the same receipt number, and the refusals.
 */
import { describe, expect, it } from 'vitest';
import { computeEarn } from '../core/engine/earn.js';
import type { LedgerEntry } from '../core/ledger/entry.js';
import { GENESIS_HASH, signEntry } from '../core/ledger/hash.js';
import { DEFAULT_RULE_SET } from '../core/ruleset/default.js';
import { OriginalSale, salePath, type ReturnRecord, type SaleRecord } from '../core/sync/protocol.js';
import { signRequest, type TillCredentials } from '../core/sync/sign.js';
import { localDate } from '../core/time.js';
import { at, upload, type Answer, type TestHq, type TillSim, useTwoTillHq } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;

useTwoTillHq((x) => ({ t, A, B } = x));

async function lookup(signer: TillCredentials | null, path: string): Promise<Answer> {
  const headers = signer ? signRequest(signer, 'GET', path, '', Date.now()) : {};
  const res = await fetch(`${t.hq.url}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const LINES = [{ sku: 'TEA', name: 'Tea', category: 'grocery', quantity: 3, unitPrice: 5_000, discount: 0 }];

/** A sale of `saleId` at `till` as a current till records it: earn entry plus record with its computation. */
function sell(till: TillSim, saleId: string, memberNo: string, when: string, withComputation = true): LedgerEntry {
  const r = computeEarn(DEFAULT_RULE_SET, {
    lines: LINES,
    basketDiscount: 0,
    pointsRedeemed: 0,
    occurredAt: when,
    member: null,
  });
  const earn = till.append(memberNo, 'earn', r.points, when, {
    saleId,
    spend: r.qualifyingSpend,
    data: { stamp: 0, ruleVersion: DEFAULT_RULE_SET.version },
  });
  const record: SaleRecord = {
    saleId,
    memberNo,
    ruleVersion: DEFAULT_RULE_SET.version,
    request: { saleId, memberNo, lines: LINES, basketDiscount: 0, tenders: [] },
    pointsEarned: r.points,
    bonusPoints: 0,
    pointsRedeemed: 0,
    total: r.total,
    occurredAt: when,
    ...(withComputation
      ? { computation: { lines: r.lines, earned: r.points, pointsRedeemed: 0, stampEarned: 0 } }
      : {}),
  };
  pending.set(till, [...(pending.get(till) ?? []), record]);
  return earn;
}

const pending = new Map<TillSim, SaleRecord[]>();
const sent = new Map<TillSim, number>();

/** Uploads what the till wrote since its last upload, with the sale and return records given. */
async function flush(till: TillSim, returns: ReturnRecord[] = []): Promise<void> {
  const from = (sent.get(till) ?? 0) + 1;
  const body = { ...till.batch(from), sales: pending.get(till) ?? [], returns };
  const r = await upload(t, till, body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  pending.delete(till);
  sent.set(till, till.headSeq);
}

/** A return's ledger entry carries its returnId (TillSim's own entries never do). */
function stampReturn(till: TillSim, memberNo: string, saleId: string, returnId: string, when: string): void {
  const prev = till.entries[till.entries.length - 1];
  till.entries.push(
    signEntry({
      tillId: till.tillId,
      seq: till.entries.length + 1,
      memberNo,
      kind: 'stamp_return',
      points: 0,
      spend: 0,
      occurredAt: when,
      localDate: localDate(when, DEFAULT_RULE_SET.timeZone).date,
      expiresOn: null,
      saleId,
      returnId,
      data: { stamp: 1 },
      prevHash: prev?.hash ?? GENESIS_HASH,
    }),
  );
}

function returnOf(saleId: string, returnId: string, quantity: number, originalTillId?: string): ReturnRecord {
  return {
    returnId,
    originalSaleId: saleId,
    ...(originalTillId ? { originalTillId } : {}),
    request: { returnId, originalSaleId: saleId, lines: [{ sku: 'TEA', quantity }] },
    pointsReversed: 0,
    pointsRestored: 0,
    occurredAt: at(30),
  };
}

describe('GET /v1/sync/sales/{saleId}', () => {
  it('answers another till with the sale, its earn entry and nothing returned yet, applying what waits first', async () => {
    A.enrol('M1', at(0));
    const earn = sell(A, 'R-1', 'M1', at(1));
    await flush(A);
    // Straight after the upload: the batch may still wait in the inbox.
    const r = await lookup(B, salePath('R-1'));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const sale = OriginalSale.parse(r.body);
    expect(sale).toMatchObject({
      tillId: 'A',
      storeId: 'S1',
      saleId: 'R-1',
      memberNo: 'M1',
      ruleVersion: DEFAULT_RULE_SET.version,
      occurredAt: at(1),
      pointsEarned: earn.points,
      pointsRedeemed: 0,
      earnEntryId: `A:${earn.seq}`,
      returned: {},
      returns: [],
      stampReturned: false,
    });
    expect(sale.computation.lines[0]).toMatchObject({ sku: 'TEA', quantityMilli: 3000 });
    expect(sale.request).toMatchObject({ lines: LINES });
  });

  it("adds up every till's returns of the sale, its own till's and other stores'", async () => {
    A.enrol('M1', at(0));
    sell(A, 'R-1', 'M1', at(1));
    await flush(A, [returnOf('R-1', 'A-RET-1', 1)]);
    stampReturn(B, 'M1', 'R-1', 'B-RET-1', at(31));
    await flush(B, [returnOf('R-1', 'B-RET-1', 0.5, 'A')]);
    const sale = OriginalSale.parse((await lookup(B, salePath('R-1'))).body);
    expect(sale.returned).toEqual({ TEA: 1500 });
    expect(sale.returns).toEqual([
      { tillId: 'A', returnId: 'A-RET-1', returned: { TEA: 1000 } },
      { tillId: 'B', returnId: 'B-RET-1', returned: { TEA: 500 } },
    ]);
    expect(sale.stampReturned).toBe(true);
  });

  it('a return of B of its own sale of the same number does not count against A', async () => {
    A.enrol('M1', at(0));
    sell(A, 'R-1', 'M1', at(1));
    sell(B, 'R-1', 'M1', at(2));
    await flush(A);
    await flush(B, [returnOf('R-1', 'B-RET-1', 1)]);
    const sale = OriginalSale.parse((await lookup(B, salePath('R-1', { tillId: 'A' }))).body);
    expect(sale.returned).toEqual({});
    const own = OriginalSale.parse((await lookup(B, salePath('R-1', { tillId: 'B' }))).body);
    expect(own.returned).toEqual({ TEA: 1000 });
  });

  it('answers 409 ambiguous_sale when several tills hold the number, unless till or store narrows it', async () => {
    A.enrol('M1', at(0));
    sell(A, 'R-1', 'M1', at(1));
    sell(B, 'R-1', 'M1', at(2));
    await flush(A);
    await flush(B);
    const both = await lookup(B, salePath('R-1'));
    expect(both.status).toBe(409);
    expect(both.body).toMatchObject({ error: { code: 'ambiguous_sale' }, tills: ['A', 'B'] });
    expect((await lookup(B, salePath('R-1', { tillId: 'A' }))).body.tillId).toBe('A');
    expect((await lookup(A, salePath('R-1', { storeId: 'S2' }))).body.tillId).toBe('B');
    const neither = await lookup(A, salePath('R-1', { tillId: 'A', storeId: 'S2' }));
    expect(neither.status).toBe(404);
  });

  it('refuses: 404 unknown_sale, 422 sale_without_computation, 400 bad_query, 401 unsigned', async () => {
    A.enrol('M1', at(0));
    sell(A, 'OLD-1', 'M1', at(1), false);
    await flush(A);
    const unknown = await lookup(B, salePath('NOPE'));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('unknown_sale');
    const old = await lookup(B, salePath('OLD-1'));
    expect(old.status).toBe(422);
    expect(old.body.error.code).toBe('sale_without_computation');
    const bad = await lookup(B, `${salePath('OLD-1')}?till=${encodeURIComponent('no spaces')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'bad_query', field: 'till' });
    const unsigned = await lookup(null, salePath('OLD-1'));
    expect(unsigned.status).toBe(401);
    // A signature over another target does not authenticate this one.
    const path = salePath('OLD-1');
    const wrong = await fetch(`${t.hq.url}${path}`, { headers: signRequest(B, 'GET', salePath('X'), '', Date.now()) });
    expect(wrong.status).toBe(401);
  });

  it('finds a receipt number that needs escaping in the path', async () => {
    A.enrol('M1', at(0));
    sell(A, 'R/1 #2', 'M1', at(1));
    await flush(A);
    const r = await lookup(B, salePath('R/1 #2'));
    expect(r.status).toBe(200);
    expect(r.body.saleId).toBe('R/1 #2');
  });
});
