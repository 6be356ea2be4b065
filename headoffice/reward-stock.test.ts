/**
 * Limited-stock rewards at head office (store/stock.ts, docs/sync.md "Limited-stock rewards"),
 * on the store the project runs (SQLite or PostgreSQL): reserve, idempotent retry, release when
 * the hold runs out, confirmation by the till's reward entry, and the oversell list.
 */
import { describe, expect, it } from 'vitest';
import { RESERVATION_HOLD_MS } from '../core/rewards/availability.js';
import { DEFAULT_RULE_SET_INPUT } from '../core/ruleset/default.js';
import { RewardReserveAnswer, SYNC_PATHS, UploadBatch, type RewardReserveRequest } from '../core/sync/protocol.js';
import { RewardStockSchema } from './api-schemas.js';
import { at, changes, operator, signedPost, upload, useTwoTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;

useTwoTillHq((x) => ({ t, A, B } = x));

const MUG = {
  id: 'mug',
  name: { zh: '限量马克杯', en: 'Limited mug' },
  points: 100,
  kind: 'service' as const,
  stock: 2,
  availableUntil: '2099-12-31',
};

async function publish(rewards: unknown[], version = 2): Promise<void> {
  const r = await operator(t, 'POST', '/v1/rulesets', {
    ...DEFAULT_RULE_SET_INPUT,
    version,
    effectiveFrom: '2020-01-01T00:00:00Z',
    rewards: [...(DEFAULT_RULE_SET_INPUT.rewards ?? []), ...rewards],
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

/** A reservation signed as `till`; a 2xx answer must carry head office's valid signature. */
async function reserve(till: TillSim, req: Partial<RewardReserveRequest>): Promise<{ status: number; body: unknown }> {
  const r = await signedPost(t, till, SYNC_PATHS.rewardReserve, { rewardId: 'mug', memberNo: 'M1', ...req });
  if (r.status === 200) expect(r.signed).toBe(true);
  return r;
}

async function answer(till: TillSim, reservationId: string, rewardId = 'mug'): Promise<RewardReserveAnswer> {
  const r = await reserve(till, { reservationId, rewardId });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return RewardReserveAnswer.parse(r.body);
}

async function stock(): Promise<ReturnType<typeof RewardStockSchema.parse>> {
  const r = await operator(t, 'GET', '/v1/rewards/stock');
  expect(r.status).toBe(200);
  return RewardStockSchema.parse(r.body);
}

/** The till's reward entry (what main/service/rewards.ts writes), uploaded from its first unsent seq. */
async function issue(till: TillSim, memberNo: string, when: string, reservationId?: string): Promise<number> {
  const from = till.headSeq + 1;
  const e = till.append(memberNo, 'reward', 100, when, {
    data: { rewardId: 'mug', couponCode: `CP${till.tillId}${from}`, ...(reservationId ? { reservationId } : {}) },
  });
  const r = await upload(t, till, till.batch(from));
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  await t.hq.store.settle();
  return e.seq;
}

async function enrolWithPoints(till: TillSim, memberNo: string): Promise<void> {
  till.enrol(memberNo, at(0));
  till.bonus(memberNo, 1000, at(0));
  expect((await upload(t, till, till.batch(1))).status).toBe(200);
}

describe('limited-stock rewards at head office', () => {
  it('reserves while units are left, answers a retried id the same without a second unit, then sold_out (signed)', async () => {
    await publish([MUG]);
    const first = await answer(A, 'res-a-0001');
    expect(first).toMatchObject({ outcome: 'reserved', reservationId: 'res-a-0001', rewardId: 'mug', remaining: 1 });
    expect(Date.parse(first.expiresAt ?? '') - Date.now()).toBeGreaterThan(RESERVATION_HOLD_MS - 60_000);
    // The same id again (a till retrying after a lost answer): the same hold, still one unit taken.
    const again = await answer(A, 'res-a-0001');
    expect(again).toEqual(first);
    expect(await answer(B, 'res-b-0001')).toMatchObject({ outcome: 'reserved', remaining: 0 });
    expect(await answer(B, 'res-b-0002')).toMatchObject({ outcome: 'sold_out', remaining: 0, expiresAt: null });
    // Reservation ids are per till: A's id used by B is another reservation (sold out).
    expect(await answer(B, 'res-a-0001')).toMatchObject({ outcome: 'sold_out' });
    expect((await stock()).rewards.find((r) => r.rewardId === 'mug')).toMatchObject({
      stock: 2,
      issued: 0,
      reserved: 2,
      released: 0,
      remaining: 0,
      oversold: 0,
    });
  });

  it('refuses a reused id for another reward (409) and a malformed request (400); unlimited or unknown rewards are not_available', async () => {
    await publish([MUG]);
    await answer(A, 'res-a-0002');
    const conflict = await reserve(A, { reservationId: 'res-a-0002', rewardId: 'coupon-10' });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ error: { code: 'reservation_conflict' } });
    const bad = await reserve(A, { reservationId: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_reservation' } });
    expect(await answer(A, 'res-a-0003', 'coupon-10')).toMatchObject({ outcome: 'not_available' });
    expect(await answer(A, 'res-a-0004', 'no-such')).toMatchObject({ outcome: 'not_available' });
  });

  it('refuses outside the reward days (not_available)', async () => {
    await publish([
      { ...MUG, id: 'old', availableFrom: '2020-01-01', availableUntil: '2020-12-31' },
      { ...MUG, id: 'later', availableFrom: '2099-01-01', availableUntil: '2099-12-31' },
    ]);
    expect(await answer(A, 'res-a-0005', 'old')).toMatchObject({ outcome: 'not_available', remaining: 2 });
    expect(await answer(A, 'res-a-0006', 'later')).toMatchObject({ outcome: 'not_available', remaining: 2 });
  });

  it('releases a hold not confirmed within the hold time: its unit goes to the next till', async () => {
    await publish([{ ...MUG, stock: 1 }]);
    const now = new Date();
    const req = (reservationId: string) => ({ reservationId, rewardId: 'mug', memberNo: 'M1' });
    const held = await t.hq.store.reserveReward('A', req('res-a-0007'), now);
    expect(held).toMatchObject({ kind: 'answer', answer: { outcome: 'reserved', remaining: 0 } });
    const justBefore = new Date(now.getTime() + RESERVATION_HOLD_MS - 1000);
    expect(await t.hq.store.reserveReward('B', req('res-b-0007'), justBefore)).toMatchObject({
      answer: { outcome: 'sold_out' },
    });
    const after = new Date(now.getTime() + RESERVATION_HOLD_MS + 1000);
    expect(await t.hq.store.reserveReward('B', req('res-b-0008'), after)).toMatchObject({
      answer: { outcome: 'reserved', remaining: 0 },
    });
    const report = await t.hq.store.rewardStock(after);
    expect(report.rewards[0]).toMatchObject({ rewardId: 'mug', issued: 0, reserved: 1, released: 1, remaining: 0 });
  });

  it("confirms a hold by the till's reward entry: counted for good, and a retry answers confirmed", async () => {
    await publish([{ ...MUG, stock: 1 }]);
    await enrolWithPoints(A, 'M1');
    await answer(A, 'res-a-0009');
    await issue(A, 'M1', at(5), 'res-a-0009');
    const rows = await t.sql<{ status: string; offline: number; oversold: number }>(
      "SELECT status, offline, oversold FROM reward_units WHERE till_id = 'A' AND reservation_id = 'res-a-0009'",
    );
    expect(rows).toEqual([{ status: 'issued', offline: 0, oversold: 0 }]);
    expect(await answer(A, 'res-a-0009')).toMatchObject({ outcome: 'confirmed', remaining: 0, expiresAt: null });
    // Long after the hold would have run out, the unit stays taken.
    const later = new Date(Date.now() + 2 * RESERVATION_HOLD_MS);
    expect(
      await t.hq.store.reserveReward('B', { reservationId: 'res-b-0010', rewardId: 'mug', memberNo: 'M1' }, later),
    ).toMatchObject({ answer: { outcome: 'sold_out' } });
    expect((await stock()).rewards[0]).toMatchObject({ issued: 1, reserved: 0, remaining: 0, oversold: 0 });
  });

  it('counts offline issues on arrival, keeps every entry, and lists those past zero as oversold; feed pages carry the count', async () => {
    await publish([MUG]);
    await enrolWithPoints(A, 'M1');
    await enrolWithPoints(B, 'M2');
    const before = await changes(t, B, 0);
    expect(before.body.stock).toEqual([{ rewardId: 'mug', remaining: 2 }]);
    // A holds and issues one online; B issued two offline meanwhile (it knew 2 left).
    await answer(A, 'res-a-0011');
    await issue(A, 'M1', at(5), 'res-a-0011');
    const fine = await issue(B, 'M2', at(6));
    const over = await issue(B, 'M2', at(7));
    const s = await stock();
    expect(s.rewards.find((r) => r.rewardId === 'mug')).toMatchObject({
      stock: 2,
      issued: 3,
      remaining: 0,
      oversold: 1,
    });
    expect(s.oversold).toEqual([
      expect.objectContaining({ tillId: 'B', seq: over, memberNo: 'M2', rewardId: 'mug', offline: true }),
    ]);
    expect(s.oversold.some((o) => o.seq === fine)).toBe(false);
    // The ledger keeps both of B's entries: correctness of points first.
    const member = await operator(t, 'GET', '/v1/members/M2');
    const rewards = (member.body.ledger as { kind: string }[]).filter((e) => e.kind === 'reward');
    expect(rewards).toHaveLength(2);
    expect((await changes(t, B, 0)).body.stock).toEqual([{ rewardId: 'mug', remaining: 0 }]);
  });

  it('sends no stock on feed pages while no reward is limited', async () => {
    const page = await changes(t, A, 0);
    expect(page.status).toBe(200);
    expect(page.body.stock).toBeUndefined();
    // And the batch schema keeps a reward entry's reservation id (its hash covers it).
    const e = A.append('M9', 'reward', 0, at(1), { data: { rewardId: 'mug', reservationId: 'res-x-0001' } });
    expect(UploadBatch.parse(A.batch(1)).entries[0]?.data.reservationId).toBe(e.data.reservationId);
  });
});
