/**
 * Head office's own decisions (DOMAIN.md 12): a tier upgrade on the spend of several stores,
 * operators' adjustments and win-back offers, all entries of head office's chain `hq` that
 * verify like a till's and reach the tills through the change feed. Real server, real SQLite
 * file, real HTTP.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, verifyChain } from '../core/ledger/hash.js';
import { expiryDate } from '../core/ledger/expiry.js';
import { rowToEntry, type LedgerRow } from '../core/ledger/row.js';
import { DEFAULT_RULE_SET } from '../core/ruleset/default.js';
import { addDays, localDate } from '../core/time.js';
import { HQ_TILL_ID } from './domain/decisions.js';
import { ADJUST_ACTION_REASON } from './store/adjustment-notes.js';
import { ProvisionError, addTill } from './provision.js';
import { at, changes, operator, upload, uploadAll, type TestHq, type TillSim, useTwoTillHq } from './test-helpers.js';

const WHO = { operatorId: 'ops-li', reason: 'goodwill after a complaint (ticket 4711)' };

let t: TestHq;
let A: TillSim;
let B: TillSim;

useTwoTillHq((x) => ({ t, A, B } = x));

async function hqChain() {
  return (await t.sql<LedgerRow>('SELECT * FROM ledger WHERE till_id = ? ORDER BY seq', HQ_TILL_ID)).map(rowToEntry);
}

// Answers are arbitrary JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function lastBalance(memberNo: string): Promise<any> {
  const r = await changes(t, A, 0);
  expect(r.status).toBe(200);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const mine = r.body.changes.filter((c: any) => c.type === 'balance' && c.memberNo === memberNo);
  return mine[mine.length - 1];
}

const today = (): string => localDate(new Date(), 'Asia/Shanghai').date;

describe('tier upgrade on the merged spend', () => {
  it('two stores whose sales only together reach Silver: head office upgrades, and the feed says so', async () => {
    A.enrol('M1', at(0));
    A.sale('M1', 300_000, at(1));
    await uploadAll(t, A, 100);
    await t.hq.store.settle();
    expect(await hqChain()).toEqual([]);

    B.sale('M1', 250_000, at(2));
    await uploadAll(t, B, 100);
    const bal = await lastBalance('M1');
    expect(bal).toMatchObject({ tier: 'silver', state: { tier: 'silver', tierRank: 1 } });
    expect(bal.includes).toEqual({ A: A.headSeq, B: B.headSeq, [HQ_TILL_ID]: 1 });

    const [upgrade] = await hqChain();
    expect(upgrade).toMatchObject({
      tillId: HQ_TILL_ID,
      seq: 1,
      memberNo: 'M1',
      kind: 'tier',
      points: 0,
      localDate: today(),
      data: { fromTier: 'ordinary', toTier: 'silver', reason: 'threshold', rank: 1 },
    });
    const member = (await operator(t, 'GET', '/v1/members/M1')).body;
    expect(member).toMatchObject({ tier: 'silver', rollingSpend: 550_000 });
    expect(member.ledger.map((e: { tillId: string }) => e.tillId)).toEqual(['A', 'A', 'B', HQ_TILL_ID]);

    // Spend that stays within Silver decides nothing more.
    B.sale('M1', 10_000, at(3));
    await uploadAll(t, B, 100);
    await t.hq.store.settle();
    expect(await hqChain()).toHaveLength(1);
  });

  it('leaves a member only one till sells to to that till, which upgrades at the sale itself', async () => {
    A.enrol('M1', at(0));
    A.sale('M1', 300_000, at(1));
    A.sale('M1', 300_000, at(2));
    await uploadAll(t, A, 1);
    await t.hq.store.settle();
    expect(await hqChain()).toEqual([]);
    // Once a second till sells to the member, head office judges the spend of both.
    B.sale('M1', 1_000, at(3));
    await uploadAll(t, B, 100);
    expect(await lastBalance('M1')).toMatchObject({ tier: 'silver' });
    expect((await hqChain()).map((e) => e.data.toTier)).toEqual(['silver']);
  });

  it('one batch may lift a member two tiers at once, in one entry', async () => {
    A.enrol('M1', at(0));
    A.sale('M1', 300_000, at(1));
    await uploadAll(t, A, 100);
    B.sale('M1', 800_000, at(2));
    await uploadAll(t, B, 100);
    await t.hq.store.settle();
    // Reached on the day of the sale that crossed, two days before head office wrote it.
    const reachedOn = localDate(at(2), DEFAULT_RULE_SET.timeZone).date;
    expect((await hqChain()).map((e) => e.data)).toEqual([
      { fromTier: 'ordinary', toTier: 'gold', reason: 'threshold', rank: 2, reachedOn },
    ]);
    expect(await lastBalance('M1')).toMatchObject({ tier: 'gold' });
  });
});

describe('operator adjustments', () => {
  beforeEach(async () => {
    A.enrol('M1', at(0));
    A.sale('M1', 50_000, at(1)); // 500 points
    await uploadAll(t, A, 100);
  });

  it('credit and debit through HTTP: attributed entries of the chain, kept as actions, seen by the tills', async () => {
    const credit = await operator(t, 'POST', '/v1/members/M1/adjustments', {
      ...WHO,
      points: 200,
      direction: 'credit',
    });
    expect(credit.status).toBe(201);
    expect(credit.body).toMatchObject({
      memberNo: 'M1',
      balance: 700,
      ledgerBalance: 700,
      entry: {
        tillId: HQ_TILL_ID,
        seq: 1,
        kind: 'adjust_credit',
        points: 200,
        spend: 0,
        data: { operator: WHO.operatorId },
      },
    });
    // The reason is sealed beside the entry (adjustment-notes.test.ts), not chained with it.
    expect(credit.body.entry.data).not.toHaveProperty('note');
    // A credit is a lot like points earned today.
    expect(credit.body.entry.expiresOn).toBe(expiryDate(DEFAULT_RULE_SET, today()));

    const debit = await operator(t, 'POST', '/v1/members/M1/adjustments', {
      operatorId: 'ops-wang',
      reason: 'duplicate credit',
      points: 700,
      direction: 'debit',
    });
    expect(debit.status).toBe(201);
    expect(debit.body).toMatchObject({ balance: 0, entry: { seq: 2, kind: 'adjust_debit', points: 700 } });
    expect(await lastBalance('M1')).toMatchObject({ balance: 0, available: 0, includes: { [HQ_TILL_ID]: 2 } });

    const acts = await t.sql<{ action: string; subject: string; operator_id: string; reason: string; detail: string }>(
      'SELECT action, subject, operator_id, reason, detail FROM operator_actions ORDER BY id',
    );
    expect(acts.map((a) => [a.action, a.subject, a.operator_id, a.reason])).toEqual([
      ['adjust', 'M1', WHO.operatorId, ADJUST_ACTION_REASON],
      ['adjust', 'M1', 'ops-wang', ADJUST_ACTION_REASON],
    ]);
    expect(JSON.parse(acts[1]?.detail ?? '')).toEqual({ entry: 'hq:2', kind: 'adjust_debit', points: 700 });
  });

  it('refuses a debit below zero (nothing written), an unknown member and a bad request', async () => {
    await t.hq.store.settle();
    const before = (await t.sql<{ n: number }>('SELECT count(*) AS n FROM ledger'))[0]?.n;
    const r = await operator(t, 'POST', '/v1/members/M1/adjustments', { ...WHO, points: 501, direction: 'debit' });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ error: { code: 'insufficient_points', field: 'points' }, available: 500 });
    expect((await t.sql<{ n: number }>('SELECT count(*) AS n FROM ledger'))[0]?.n).toBe(before);
    expect(await t.sql('SELECT * FROM operator_actions')).toEqual([]);

    const unknown = await operator(t, 'POST', '/v1/members/NOPE/adjustments', {
      ...WHO,
      points: 1,
      direction: 'credit',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('unknown_member');
    for (const bad of [
      { ...WHO, points: 0, direction: 'credit' },
      { ...WHO, points: 1.5, direction: 'credit' },
      { ...WHO, points: 10, direction: 'sideways' },
      { operatorId: 'ops-li', points: 10, direction: 'credit' },
      { ...WHO, points: 10, direction: 'credit', extra: true },
    ]) {
      const b = await operator(t, 'POST', '/v1/members/M1/adjustments', bad);
      expect(b.status, JSON.stringify(bad)).toBe(400);
      expect(b.body.error.code).toBe('invalid_request');
    }
    const noToken = await fetch(`${t.hq.url}/v1/members/M1/adjustments`, { method: 'POST', body: '{}' });
    expect(noToken.status).toBe(401);
  });
});

describe('win-back offers by hand', () => {
  it('grant an offer from today for the days asked (or the rule set’s), attributed and sent to the tills', async () => {
    A.enrol('M1', at(0));
    await uploadAll(t, A, 100);
    const r = await operator(t, 'POST', '/v1/members/M1/win-back', { ...WHO, days: 10 });
    expect(r.status).toBe(201);
    const until = addDays(today(), 9);
    expect(r.body).toMatchObject({
      memberNo: 'M1',
      winBackUntil: until,
      entry: { tillId: HQ_TILL_ID, kind: 'offer', data: { winBackUntil: until, operator: WHO.operatorId } },
    });
    expect((await lastBalance('M1')).state.winBackUntil).toBe(until);

    const dflt = await operator(t, 'POST', '/v1/members/M1/win-back', WHO);
    expect(dflt.body.winBackUntil).toBe(addDays(today(), 29)); // default programme: 30 days
    expect((await t.sql<{ action: string }>('SELECT action FROM operator_actions')).map((a) => a.action)).toEqual([
      'win_back',
      'win_back',
    ]);
    expect((await operator(t, 'POST', '/v1/members/NOPE/win-back', WHO)).status).toBe(404);
    expect((await operator(t, 'POST', '/v1/members/M1/win-back', { ...WHO, days: 0 })).status).toBe(400);
  });
});

describe("head office's chain", () => {
  it('verifies as a till chain does, and its head is what the tills row holds', async () => {
    A.enrol('M1', at(0));
    A.sale('M1', 300_000, at(1));
    await uploadAll(t, A, 100);
    B.sale('M1', 300_000, at(2));
    await uploadAll(t, B, 100);
    await operator(t, 'POST', '/v1/members/M1/adjustments', { ...WHO, points: 5, direction: 'credit' });
    await operator(t, 'POST', '/v1/members/M1/win-back', WHO);
    const chain = await hqChain();
    expect(chain.map((e) => e.kind)).toEqual(['tier', 'adjust_credit', 'offer']);
    expect(chain[0]?.prevHash).toBe(GENESIS_HASH);
    const v = verifyChain(chain);
    expect(v.ok).toBe(true);
    const [row] = await t.sql<{ ack_seq: number; head_hash: string }>(
      'SELECT ack_seq, head_hash FROM tills WHERE till_id = ?',
      HQ_TILL_ID,
    );
    expect(row).toEqual({ ack_seq: 3, head_hash: v.ok ? v.head : '' });
  });

  it('is no till: provisioning refuses its id, nobody can upload as it, and tills and reports leave it out', async () => {
    await expect(addTill(t.hq.store, 'S9', HQ_TILL_ID)).rejects.toBeInstanceOf(ProvisionError);
    await expect(addTill(t.hq.store, HQ_TILL_ID, 'T9')).rejects.toBeInstanceOf(ProvisionError);
    const forged = await upload(t, { tillId: HQ_TILL_ID, secret: '' }, A.batch(1, 0));
    expect(forged.status).toBe(401);
    const tills = (await operator(t, 'GET', '/v1/tills')).body.tills;
    expect(tills.map((x: { tillId: string }) => x.tillId)).toEqual(['A', 'B']);
    const summary = (await operator(t, 'GET', '/v1/reports/summary')).body;
    expect(summary.tills.total).toBe(2);
    expect(summary.stores.map((s: { storeId: string }) => s.storeId)).not.toContain('hq');
  });
});
