/**
 * Rewards that create urgency, end to end (issue 15 item 7; docs/sync.md "Limited-stock
 * rewards"): a real head-office process (SQLite, or PostgreSQL in the postgres project) and
 * in-process tills. Online, tills reserve a unit at head office before issuing, so two tills
 * racing for the last unit get exactly one; offline, a till issues only while the last count it
 * heard less its own offline issues is above zero, and head office lists any oversell.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import type { Till } from '../../main/service/till.js';
import { Clock, startHq, syncTills, tillPost, useHqProcess, type Json } from './procs.js';

const TOKEN = 'operator-token-stock';
const f = useHqProcess('reward-stock', TOKEN);
let phoneSeq = 0;
let version = 1;

async function publish(rewards: unknown[]): Promise<void> {
  version += 1;
  const r = await fetch(`${f.hq.url}/v1/rulesets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      ...DEFAULT_RULE_SET_INPUT,
      version,
      effectiveFrom: '2020-01-01T00:00:00Z',
      rewards: [...(DEFAULT_RULE_SET_INPUT.rewards ?? []), ...rewards],
    }),
  });
  expect(r.status).toBe(201);
}

async function hqGet(path: string): Promise<Json> {
  const r = await fetch(`${f.hq.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(r.status).toBe(200);
  return (await r.json()) as Json;
}

/** A member of `t` with 1,200 points. */
async function member(t: Till): Promise<string> {
  phoneSeq += 1;
  const m = await tillPost(t, '/v1/members', {
    name: '会员',
    phone: `1360000${String(phoneSeq).padStart(4, '0')}`,
    consent: { marketing: true, text: 'v1' },
  });
  expect(m.status).toBe(201);
  const memberNo = m.json.memberNo as string;
  const s = await tillPost(t, '/v1/sales', {
    saleId: `S-${phoneSeq}`,
    memberNo,
    lines: [{ sku: 'tv', category: 'electronics', quantity: 1, unitPrice: 120_000 }],
  });
  expect(s.status).toBe(201);
  return memberNo;
}

async function catalogue(t: Till, id: string): Promise<{ state: string; remaining: number | null }> {
  const r = await fetch(`${t.url}/v1/rewards`, { headers: { authorization: 'Bearer pos-key' } });
  const list = (await r.json()) as { id: string; availability: { state: string; remaining: number | null } }[];
  const found = list.find((x) => x.id === id);
  if (!found) throw new Error(`no reward ${id} at ${t.url}`);
  return found.availability;
}

const reward = (id: string, stock: number) => ({
  id,
  name: { zh: '限量礼品', en: 'Limited gift' },
  points: 100,
  kind: 'service',
  stock,
  availableUntil: '2099-12-31',
});

const code = (r: { json: Json }): string | undefined => (r.json.error as { code?: string } | undefined)?.code;

describe('limited-stock rewards across the chain', () => {
  it('two tills race for the last unit online: exactly one wins, the other gets reward_sold_out', async () => {
    await publish([reward('mug', 1)]);
    const a = await f.tillAt('race-a', 'race-a1');
    const b = await f.tillAt('race-b', 'race-b1');
    const ma = await member(a);
    const mb = await member(b);
    await syncTills(a, b);
    expect(await catalogue(a, 'mug')).toEqual({ state: 'available', remaining: 1, from: null, until: '2099-12-31' });
    expect(a.ctx.isOnline() && b.ctx.isOnline()).toBe(true);
    // A member who cannot pay is refused before any unit is held at head office.
    phoneSeq += 1;
    const poor = await tillPost(a, '/v1/members', {
      name: '会员',
      phone: `1360000${String(phoneSeq).padStart(4, '0')}`,
      consent: { marketing: false, text: 'v1' },
    });
    const refusedPoor = await tillPost(a, '/v1/rewards/redeem', { memberNo: poor.json.memberNo, rewardId: 'mug' });
    expect(code(refusedPoor)).toBe('insufficient_points');
    expect(((await hqGet('/v1/rewards/stock')).rewards as Json[])[0]).toMatchObject({ reserved: 0, remaining: 1 });

    const [ra, rb] = await Promise.all([
      tillPost(a, '/v1/rewards/redeem', { memberNo: ma, rewardId: 'mug' }),
      tillPost(b, '/v1/rewards/redeem', { memberNo: mb, rewardId: 'mug' }),
    ]);
    const statuses = [ra.status, rb.status].sort();
    expect(statuses, JSON.stringify([ra.json, rb.json])).toEqual([201, 409]);
    const loser = ra.status === 409 ? ra : rb;
    expect(code(loser)).toBe('reward_sold_out');
    // The loser learnt the count from head office's signed answer: its catalogue says sold out.
    const loserTill = ra.status === 409 ? a : b;
    expect(await catalogue(loserTill, 'mug')).toMatchObject({ state: 'sold_out', remaining: 0 });

    // The winner's reward entry reaches head office and confirms the hold.
    await syncTills(a, b);
    const s = await hqGet('/v1/rewards/stock');
    expect((s.rewards as Json[]).find((r) => r.rewardId === 'mug')).toMatchObject({
      stock: 1,
      issued: 1,
      reserved: 0,
      remaining: 0,
      oversold: 0,
    });
    expect(s.oversold).toEqual([]);
  });

  it('an offline till issues while its last known stock lasts, then refuses; head office keeps every entry and lists the oversell', async () => {
    await publish([reward('mug', 1), reward('bag', 2)]);
    // Till c's business clock runs 40 minutes behind: after its sync, moving it 20 minutes on
    // puts it past offlineAfterMinutes (15) with no sync since, i.e. offline.
    const cClock = new Clock();
    cClock.advanceMinutes(-40);
    const c = await f.tillAt('off-c', 'off-c1', cClock);
    const d = await f.tillAt('off-d', 'off-d1');
    const mc = await member(c);
    const md = await member(d);
    await syncTills(c, d);
    expect(await catalogue(c, 'bag')).toMatchObject({ state: 'available', remaining: 2 });

    // d, online, takes one unit at head office.
    expect((await tillPost(d, '/v1/rewards/redeem', { memberNo: md, rewardId: 'bag' })).status).toBe(201);
    await syncTills(d);

    cClock.advanceMinutes(20);
    expect(c.ctx.isOnline()).toBe(false);
    // c still believes 2 are left: it issues two offline, counting its own issues, then refuses.
    expect((await tillPost(c, '/v1/rewards/redeem', { memberNo: mc, rewardId: 'bag' })).status).toBe(201);
    expect(await catalogue(c, 'bag')).toMatchObject({ state: 'available', remaining: 1 });
    expect((await tillPost(c, '/v1/rewards/redeem', { memberNo: mc, rewardId: 'bag' })).status).toBe(201);
    const refused = await tillPost(c, '/v1/rewards/redeem', { memberNo: mc, rewardId: 'bag' });
    expect(refused.status).toBe(409);
    expect(code(refused)).toBe('reward_sold_out');
    expect(await catalogue(c, 'bag')).toMatchObject({ state: 'sold_out', remaining: 0 });

    // Back online: head office takes both offline entries; the second came after the stock was gone.
    await syncTills(c, d);
    const s = await hqGet('/v1/rewards/stock');
    expect((s.rewards as Json[]).find((r) => r.rewardId === 'bag')).toMatchObject({
      stock: 2,
      issued: 3,
      remaining: 0,
      oversold: 1,
    });
    expect(s.oversold).toEqual([
      expect.objectContaining({ tillId: 'off-c1', memberNo: mc, rewardId: 'bag', offline: true }),
    ]);
    const m = await hqGet(`/v1/members/${mc}`);
    expect((m.ledger as { kind: string }[]).filter((e) => e.kind === 'reward')).toHaveLength(2);
    // And c's catalogue now has head office's count.
    expect(await catalogue(c, 'bag')).toMatchObject({ state: 'sold_out', remaining: 0 });
  });

  it('when head office does not answer the reservation, the till issues on its known count and head office counts it later', async () => {
    await publish([reward('pen', 5)]);
    const e = await f.tillAt('down-e', 'down-e1');
    const me = await member(e);
    await syncTills(e);
    expect(e.ctx.isOnline()).toBe(true);
    await f.hq.kill('SIGKILL');
    try {
      // Online by its clock, but nobody answers (twice, same reservation id): issued as offline.
      const r = await tillPost(e, '/v1/rewards/redeem', { memberNo: me, rewardId: 'pen' });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      expect(await catalogue(e, 'pen')).toMatchObject({ state: 'available', remaining: 4 });
    } finally {
      f.hq = await startHq(f.hqDir, f.hqPort, TOKEN);
    }
    await syncTills(e);
    const s = await hqGet('/v1/rewards/stock');
    expect((s.rewards as Json[]).find((x) => x.rewardId === 'pen')).toMatchObject({
      issued: 1,
      remaining: 4,
      oversold: 0,
    });
  });
});
