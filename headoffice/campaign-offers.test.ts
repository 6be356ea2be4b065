/**
 * Campaign offer kinds at head office (docs/campaigns.md "Offer kinds"), on SQLite and
 * PostgreSQL: the API takes each kind (a body without `kind` is the multiplier it always was) and
 * refuses a malformed one; a start writes the right entry per kind (an offer entry, or for a
 * coupon a 0-point reward entry with a fresh code) into the members' merged state; the budget
 * stops grants in the offer's unit; the result reports the actual cost from the tills' entries
 * (bonus points given, coupons used once however often, services claimed).
 */
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../core/ledger/entry.js';
import type { MemberState } from '../core/ledger/state.js';
import type { CampaignCreateRequest } from './campaign-schemas.js';
import { OPERATOR_TOKEN, at, uploadAll, useTwoTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;
useTwoTillHq((x) => ({ t, A, B } = x));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers read field by field
type Json = Record<string, any>;

async function post(path: string, body: unknown): Promise<{ status: number; json: Json }> {
  const r = await fetch(`${t.hq.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as Json };
}

const base = {
  name: 'offer kinds',
  target: { homeStores: ['S1'] },
  holdoutPercent: 0,
  budgetPoints: 100_000,
  costPerGrant: 100,
};
const name = (zh: string, en: string) => ({ zh, en });
const bonus = {
  kind: 'bonus',
  minSpend: 20_000,
  bonusPoints: 300,
  days: 7,
  name: name('满200送300', 'spend 200 get 300'),
};
const coupon = { kind: 'coupon', value: 2000, days: 14, name: name('回馈券', 'thank-you coupon') };
const service = { kind: 'service', service: 'car-wash', value: 1500, days: 7, name: name('洗车礼', 'car wash gift') };

describe('offer kinds in the campaign API', () => {
  it('takes each kind, a body without kind as the multiplier, and says the budget unit', async () => {
    const old = await post('/v1/campaigns', {
      ...base,
      id: 'double',
      offer: { multiplierMilli: 2000, days: 7, name: name('双倍积分', 'double points') },
    });
    expect(old.status).toBe(201);
    expect(old.json).toMatchObject({ offer: { kind: 'multiplier', multiplierMilli: 2000 }, budgetUnit: 'points' });
    for (const [id, offer, unit] of [
      ['b', bonus, 'points'],
      ['c', coupon, 'fen'],
      ['s', service, 'fen'],
    ] as const) {
      const made = await post('/v1/campaigns', { ...base, id, offer });
      expect(made.status).toBe(201);
      expect(made.json).toMatchObject({ offer, budgetUnit: unit });
    }
  });

  it('refuses a malformed offer with a typed error', async () => {
    const bad = [
      { kind: 'bonus', minSpend: 20_000, days: 7, name: bonus.name },
      { ...bonus, bonusPoints: 0 },
      { ...coupon, value: 0 },
      { ...coupon, multiplierMilli: 2000 },
      { ...service, service: 'Car Wash!' },
      { ...service, kind: 'voucher' },
    ];
    for (const [i, offer] of bad.entries()) {
      const r = await post('/v1/campaigns', { ...base, id: `bad-${i}`, offer });
      expect(r.status, JSON.stringify(offer)).toBe(400);
      expect(r.json.error.code).toBe('invalid_request');
    }
  });
});

async function enrol(): Promise<void> {
  for (const [i, m] of ['M1', 'M2', 'M3'].entries()) {
    A.enrol(m, at(i), { consentMarketing: false });
    A.sale(m, 10_000, at(5 + i));
  }
  await uploadAll(t, A, 50);
  await t.hq.store.settle();
}

async function start(id: string, offer: unknown, extra: Partial<typeof base> = {}): Promise<Json> {
  const now = new Date();
  const s = t.hq.store;
  const made = await s.createCampaign(
    { ...base, ...extra, id, offer } as unknown as CampaignCreateRequest,
    'alice',
    now,
  );
  expect(made.kind).toBe('created');
  expect((await s.campaignTransition(id, 'approve', 'bob', now)).kind).toBe('done');
  const started = await s.campaignTransition(id, 'start', 'bob', now);
  if (started.kind !== 'done') throw new Error(started.kind);
  return started.run as unknown as Json;
}

async function stateOf(memberNo: string): Promise<MemberState> {
  const [row] = await t.sql<{ state: string }>('SELECT state FROM member_state WHERE member_no = ?', memberNo);
  return JSON.parse(row?.state ?? 'null') as MemberState;
}

describe('granting and measuring each kind', () => {
  it('bonus: an offer entry per member; the result counts the bonus points the tills gave', async () => {
    await enrol();
    const run = await start('spend-200', bonus, { budgetPoints: 900, costPerGrant: 300 });
    expect(run.granted).toBe(3);
    const entry = (run.entries as LedgerEntry[])[0] as LedgerEntry;
    expect(entry).toMatchObject({ kind: 'offer', points: 0, data: { offerKind: 'bonus', minSpend: 20_000 } });
    const s = await stateOf(entry.memberNo);
    expect(s.offers?.[0]).toMatchObject({ campaignId: 'spend-200', kind: 'bonus', bonusPoints: 300, usedBy: null });
    const when = new Date().toISOString();
    A.append(entry.memberNo, 'bonus', 300, when, { data: { bonus: 'campaign', campaignId: 'spend-200' } });
    await uploadAll(t, A, 50);
    await t.hq.store.settle();
    expect((await stateOf(entry.memberNo)).offers?.[0]?.usedBy).toMatch(/^A:/);
    const r = (await t.hq.store.campaignResult('spend-200')) as unknown as Json;
    expect(r).toMatchObject({ granted: 3, used: 1, pointsCost: 300, moneyCost: 0, estimatedCost: 900 });
  });

  it('coupon: a 0-point reward entry with a fresh code, known chain-wide; the budget counts fen', async () => {
    await enrol();
    // 5000 fen at an estimated 2000 a grant: two grants, the third member left ungranted.
    const run = await start('thanks', coupon, { budgetPoints: 5000, costPerGrant: 2000 });
    expect(run).toMatchObject({ granted: 2, budgetExhausted: true });
    const entries = run.entries as LedgerEntry[];
    const codes = entries.map((e) => e.data.couponCode);
    expect(new Set(codes).size).toBe(2);
    for (const e of entries) {
      expect(e).toMatchObject({
        kind: 'reward',
        points: 0,
        data: { campaignId: 'thanks', rewardId: 'campaign:thanks', couponValue: 2000 },
      });
      expect(e.data.couponCode).toMatch(/^CP[0-9A-Z]{12}$/);
    }
    const first = entries[0] as LedgerEntry;
    const code = first.data.couponCode as string;
    const s = await stateOf(first.memberNo);
    expect(s.coupons?.[code]).toMatchObject({ value: 2000, usedBy: null });
    expect(s.offers?.[0]).toMatchObject({ kind: 'coupon', couponCode: code });
    expect(s.balance).toBe(100);
    // Used at A, then again at B (two tills offline): one use counts, at the coupon's value.
    const when = new Date().toISOString();
    A.append(first.memberNo, 'coupon_use', 0, when, { data: { couponCode: code } });
    B.append(first.memberNo, 'coupon_use', 0, when, { data: { couponCode: code } });
    await uploadAll(t, A, 50);
    await uploadAll(t, B, 50);
    await t.hq.store.settle();
    expect((await stateOf(first.memberNo)).coupons?.[code]?.usedBy).not.toBeNull();
    const r = (await t.hq.store.campaignResult('thanks')) as unknown as Json;
    expect(r).toMatchObject({ granted: 2, used: 1, pointsCost: 0, moneyCost: 2000, estimatedCost: 4000 });
    expect(r.campaign.budgetUnit).toBe('fen');
  });

  it('service: an offer entry; a claim naming the campaign uses it, not the tier allowance', async () => {
    await enrol();
    const run = await start('wash', service, { budgetPoints: 10_000, costPerGrant: 1500 });
    const entry = (run.entries as LedgerEntry[])[0] as LedgerEntry;
    expect(entry.data).toMatchObject({ offerKind: 'service', service: 'car-wash' });
    A.append(entry.memberNo, 'service_use', 0, new Date().toISOString(), {
      data: { service: 'car-wash', campaignId: 'wash' },
    });
    await uploadAll(t, A, 50);
    await t.hq.store.settle();
    const s = await stateOf(entry.memberNo);
    expect(s.offers?.[0]?.usedBy).toMatch(/^A:/);
    expect(s.servicesUsed).toBeUndefined();
    const r = (await t.hq.store.campaignResult('wash')) as unknown as Json;
    expect(r).toMatchObject({ granted: 3, used: 1, moneyCost: 1500, estimatedCost: 4500 });
  });
});
