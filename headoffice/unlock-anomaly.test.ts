/**
 * personal_data_unlocks (domain/anomalies.ts), on both stores: a till first sent the names and
 * phones of TILL_UNLOCKS_PER_HOUR other stores' members in one hour of head office's clock, by
 * first sales to them or by lookups by number, raises one case naming the till. Its own store's
 * members, members it served before, and a lookup repeated count for nothing.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { SYNC_PATHS } from '../core/sync/protocol.js';
import { TILL_UNLOCKS_PER_HOUR } from './domain/anomalies.js';
import {
  at,
  operator,
  signedPost,
  upload,
  uploadAll,
  useTwoTillHq,
  type TestHq,
  type TillSim,
} from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;

useTwoTillHq((x) => ({ t, A, B } = x));

/**
 * The rule counts by head office's own clock, in UTC hours: a test started in an hour's last 8
 * seconds waits for the next one, so its unlocks all fall in one hour.
 */
beforeEach(async () => {
  const left = 3_600_000 - (Date.now() % 3_600_000);
  if (left < 8_000) await new Promise((r) => setTimeout(r, left + 100));
});

interface Case {
  kind: string;
  memberNo: string;
  detail: Record<string, unknown>;
  trigger: string;
}

async function unlockCases(): Promise<Case[]> {
  const all = (await operator(t, 'GET', '/v1/reports/summary')).body.doubleSpendCases as Case[];
  return all.filter((c) => c.kind === 'personal_data_unlocks');
}

const memberNo = (i: number): string => `M${String(i).padStart(3, '0')}`;
/** A real mobile number per member (TillSim's own default is not one for these numbers). */
const phoneOf = (no: string): string => `139${no.replace(/\D/g, '').padStart(8, '0')}`;

/** `n` members enrolled at store S1 (till A), uploaded. */
async function enrolAtA(n: number): Promise<string[]> {
  const nos = Array.from({ length: n }, (_, i) => memberNo(i + 1));
  for (const no of nos) A.enrol(no, at(0), { phone: phoneOf(no) });
  await uploadAll(t, A, 500);
  return nos;
}

describe('personal_data_unlocks', () => {
  it("raises one case when a till first serves that many other stores' members in an hour", async () => {
    const nos = await enrolAtA(TILL_UNLOCKS_PER_HOUR + 2);
    // B's own store's member, and a second sale to the same member, reveal nothing new.
    B.enrol('B-OWN', at(1));
    B.sale('B-OWN', 1_000, at(2));
    for (const no of nos.slice(0, TILL_UNLOCKS_PER_HOUR - 1)) B.sale(no, 1_000, at(3));
    B.sale(nos[0] as string, 1_000, at(4));
    await uploadAll(t, B, 500);
    expect(await unlockCases()).toEqual([]);
    // The threshold's member, in a later batch, and two more past it: one case.
    const from = B.headSeq + 1;
    for (const no of nos.slice(TILL_UNLOCKS_PER_HOUR - 1)) B.sale(no, 1_000, at(5));
    expect((await upload(t, B, B.batch(from))).status).toBe(200);
    const found = await unlockCases();
    expect(found).toEqual([
      expect.objectContaining({
        memberNo: nos[TILL_UNLOCKS_PER_HOUR + 1],
        trigger: 'B:0',
        detail: expect.objectContaining({ unlocked: TILL_UNLOCKS_PER_HOUR + 2, via: 'served' }),
      }),
    ]);
  });

  it('counts lookups by number of members the till had not served, once each', async () => {
    const nos = await enrolAtA(TILL_UNLOCKS_PER_HOUR + 1);
    // B serves one of them first (a first unlock, by the sale); looking that one up later reveals nothing new.
    B.sale(nos[0] as string, 1_000, at(3));
    await uploadAll(t, B, 500);
    for (const no of nos.slice(0, TILL_UNLOCKS_PER_HOUR - 1)) {
      const r = await signedPost(t, B, SYNC_PATHS.memberLookup, { phone: phoneOf(no) });
      expect(r.status).toBe(200);
    }
    // The same lookups again, and A looking up its own store's members: nothing more.
    for (const no of nos.slice(1, 4)) await signedPost(t, B, SYNC_PATHS.memberLookup, { phone: phoneOf(no) });
    for (const no of nos.slice(0, 3)) await signedPost(t, A, SYNC_PATHS.memberLookup, { phone: phoneOf(no) });
    expect(await unlockCases()).toEqual([]);
    // One more of another store's members: B's hour reaches the threshold; one past it raises nothing new.
    const last = nos[TILL_UNLOCKS_PER_HOUR - 1] as string;
    expect((await signedPost(t, B, SYNC_PATHS.memberLookup, { phone: phoneOf(last) })).status).toBe(200);
    await signedPost(t, B, SYNC_PATHS.memberLookup, { phone: phoneOf(nos[TILL_UNLOCKS_PER_HOUR] as string) });
    expect(await unlockCases()).toEqual([
      expect.objectContaining({
        memberNo: last,
        trigger: 'B:0',
        detail: expect.objectContaining({ unlocked: TILL_UNLOCKS_PER_HOUR, via: 'lookup' }),
      }),
    ]);
  });
});
