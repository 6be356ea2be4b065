/**
 * Property: whatever the interleaving of online reservations (several tills at once, retries of
 * the same reservation id, holds running out, holds confirmed by the till's reward entry, on
 * time or late), the units head office holds for tills never exceed the stock:
 *
 *   holds still running + issues not listed as oversold  ≤  stock
 *
 * so the stock never goes below zero through online reservations; a confirmation arriving after
 * its hold was released and the unit given to another is listed as oversold, never hidden.
 * Real head office (the project's store), real HTTP, requests of a wave sent concurrently.
 * Date is faked (only Date: the head office's clock and the tills' signatures move together).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RESERVATION_HOLD_MS } from '../core/rewards/availability.js';
import { DEFAULT_RULE_SET_INPUT } from '../core/ruleset/default.js';
import { RewardReserveAnswer, SYNC_PATHS } from '../core/sync/protocol.js';
import { operator, provision, signedPost, startHq, upload, type TestHq, type TillSim } from './test-helpers.js';

type Req = { till: number; retry: number | null };
type Wave = { reqs: Req[]; minutes: number; confirm: { till: number; pick: number } | null };

const wave: fc.Arbitrary<Wave> = fc.record({
  reqs: fc.array(fc.record({ till: fc.integer({ min: 0, max: 2 }), retry: fc.option(fc.nat(20), { nil: null }) }), {
    minLength: 1,
    maxLength: 4,
  }),
  // Up to 12 minutes between waves: holds (10 minutes) run out now and then.
  minutes: fc.integer({ min: 0, max: 12 }),
  confirm: fc.option(fc.record({ till: fc.integer({ min: 0, max: 2 }), pick: fc.nat(20) }), { nil: null }),
});

let t: TestHq;
let tills: TillSim[] = [];
const uploaded = new Map<string, number>();
let clock = Date.now();
let version = 1;
let idSeq = 0;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock);
  t = await startHq();
  tills = [await provision(t, 'S1', 'A'), await provision(t, 'S2', 'B'), await provision(t, 'S3', 'C')];
  for (const s of tills) {
    s.enrol(`M-${s.tillId}`, new Date(clock - 60_000).toISOString());
    await send(s);
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
  vi.useRealTimers();
});

async function send(s: TillSim): Promise<void> {
  const from = (uploaded.get(s.tillId) ?? 0) + 1;
  if (from > s.headSeq) return;
  const r = await upload(t, s, s.batch(from));
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  uploaded.set(s.tillId, s.headSeq);
}

function advance(minutes: number): void {
  clock += minutes * 60_000;
  vi.setSystemTime(clock);
}

/** Per till, the last request timestamp: strictly increasing while Date stands still (a repeated signature is refused). */
const lastTs = new Map<string, number>();

async function reserve(s: TillSim, rewardId: string, reservationId: string): Promise<RewardReserveAnswer> {
  const ts = Math.max(Date.now(), (lastTs.get(s.tillId) ?? 0) + 1);
  lastTs.set(s.tillId, ts);
  const body = { reservationId, rewardId, memberNo: `M-${s.tillId}` };
  const r = await signedPost(t, s, SYNC_PATHS.rewardReserve, body, ts);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.signed).toBe(true);
  return RewardReserveAnswer.parse(r.body);
}

/** Holds running now plus issues not listed as oversold, read from the database. */
async function heldUnits(rewardId: string): Promise<number> {
  await t.hq.store.settle();
  const rows = await t.sql<{ n: number }>(
    `SELECT count(*) AS n FROM reward_units WHERE reward_id = ?
       AND ((status = 'reserved' AND expires_at > ?) OR (status = 'issued' AND oversold = 0))`,
    rewardId,
    new Date(clock).toISOString(),
  );
  return Number(rows[0]?.n ?? 0);
}

describe('limited stock through online reservations', () => {
  it('never holds more units than the stock, whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 }),
        fc.array(wave, { minLength: 1, maxLength: 6 }),
        async (stock, waves) => {
          version += 1;
          const rewardId = `p${version}`;
          const published = await operator(t, 'POST', '/v1/rulesets', {
            ...DEFAULT_RULE_SET_INPUT,
            version,
            effectiveFrom: '2020-01-01T00:00:00Z',
            rewards: [{ id: rewardId, name: { zh: '限量', en: 'Limited' }, points: 1, kind: 'service', stock }],
          });
          expect(published.status).toBe(201);
          // Per till: the ids it asked for and the expiry each got.
          const asked: string[][] = [[], [], []];
          const held = new Map<string, string>();
          for (const w of waves) {
            advance(w.minutes);
            const answers = await Promise.all(
              w.reqs.map(async (q) => {
                const till = tills[q.till] as TillSim;
                const mine = asked[q.till] as string[];
                const id =
                  q.retry !== null && mine.length > 0
                    ? (mine[q.retry % mine.length] as string)
                    : `res-${String(++idSeq).padStart(6, '0')}`;
                if (!mine.includes(id)) mine.push(id);
                return { id, till: q.till, a: await reserve(till, rewardId, id) };
              }),
            );
            for (const { id, a } of answers) {
              expect(a.remaining).toBeGreaterThanOrEqual(0);
              if (a.outcome === 'reserved' && a.expiresAt) held.set(id, a.expiresAt);
            }
            if (w.confirm) {
              const mine = (asked[w.confirm.till] as string[]).filter((id) => held.has(id));
              const id = mine.length > 0 ? mine[w.confirm.pick % mine.length] : undefined;
              if (id !== undefined) {
                const s = tills[w.confirm.till] as TillSim;
                s.append(`M-${s.tillId}`, 'reward', 0, new Date(clock).toISOString(), {
                  data: { rewardId, reservationId: id },
                });
                await send(s);
                held.delete(id);
              }
            }
            expect(await heldUnits(rewardId)).toBeLessThanOrEqual(stock);
          }
          // Every hold runs out in the end; what stays is the issued units, never past the stock unless listed.
          advance(RESERVATION_HOLD_MS / 60_000 + 1);
          expect(await heldUnits(rewardId)).toBeLessThanOrEqual(stock);
          const report = await t.hq.store.rewardStock(new Date(clock));
          const line = report.rewards.find((r) => r.rewardId === rewardId);
          expect(line?.reserved).toBe(0);
          expect(line?.oversold).toBe(report.oversold.filter((o) => o.rewardId === rewardId).length);
        },
      ),
      { numRuns: 50 },
    );
  }, 240_000);
});
