/**
 * Property: whatever order two tills' batches reach head office in, with duplicates and
 * resends from arbitrary earlier points, head office ends in the same state as when each
 * till uploaded its chain once, in order. Real servers, real SQLite files, real HTTP.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TillCredentials } from '../core/sync/sign.js';
import { addTill } from './provision.js';
import { TillSim, at, ledgerSum, memberStates, rowCounts, startHq, upload, type TestHq } from './test-helpers.js';

const MEMBERS = ['M0', 'M1', 'M2'];

type Op =
  | { kind: 'enrol'; m: number }
  | { kind: 'sale'; m: number; price: number; redeem: number }
  | { kind: 'bonus'; m: number; points: number }
  | { kind: 'redeem'; m: number; points: number }
  | { kind: 'oldEarn'; m: number; points: number }
  | { kind: 'expire'; m: number };

const member = fc.integer({ min: 0, max: MEMBERS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('enrol' as const), m: member }),
  fc.record({
    kind: fc.constant('sale' as const),
    m: member,
    price: fc.integer({ min: 0, max: 300_000 }),
    redeem: fc.constantFrom(0, 0, 100, 200),
  }),
  fc.record({ kind: fc.constant('bonus' as const), m: member, points: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('redeem' as const), m: member, points: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('oldEarn' as const), m: member, points: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('expire' as const), m: member }),
);

/** One till's history, with its own clock advancing 0-40 minutes per operation. */
const program = fc.array(fc.tuple(op, fc.integer({ min: 0, max: 40 })), { minLength: 1, maxLength: 12 });

function play(till: TillSim, ops: [Op, number][]): void {
  let minute = 0;
  for (const [o, step] of ops) {
    minute += step;
    const when = at(minute);
    const m = MEMBERS[o.m] as string;
    switch (o.kind) {
      case 'enrol':
        till.enrol(m, when);
        break;
      case 'sale': {
        // A till never redeems more than its own view holds, nor more than half the basket.
        const spendable = till.state(m).balance;
        const redeem = o.redeem <= spendable && o.redeem * 2 <= o.price ? o.redeem : 0;
        till.sale(m, o.price, when, { redeem });
        break;
      }
      case 'bonus':
        till.bonus(m, o.points, when);
        break;
      case 'redeem':
        till.redeem(m, o.points, when);
        break;
      case 'oldEarn':
        till.append(m, 'earn', o.points, when, { expiresOn: '2020-01-31', spend: o.points * 100 });
        break;
      case 'expire':
        till.expire(m, '2020-02-01', when);
        break;
    }
  }
}

/** Upload actions: which till, from which seq (possibly beyond what head office holds), how many. */
const actions = fc.array(
  fc.record({ till: fc.integer({ min: 0, max: 1 }), start: fc.nat(), len: fc.integer({ min: 1, max: 5 }) }),
  { maxLength: 25 },
);

async function hqWith(tills: TillSim[]): Promise<{ t: TestHq; signers: TillCredentials[] }> {
  const t = await startHq();
  const signers: TillCredentials[] = [];
  for (const till of tills) {
    const issued = await addTill(t.hq.store, till.storeId, till.tillId);
    signers.push({ tillId: till.tillId, secret: issued.secret });
  }
  return { t, signers };
}

async function snapshot(t: TestHq) {
  const c = await rowCounts(t);
  return { states: await memberStates(t), counts: [c.ledger, c.sales, c.members, c.cards, c.member_state] };
}

describe('convergence', () => {
  it('any interleaving of uploads reaches the state of in-order uploads', async () => {
    await fc.assert(
      fc.asyncProperty(program, program, actions, async (progA, progB, acts) => {
        const tills = [new TillSim('A', 'S1', ''), new TillSim('B', 'S2', '')];
        play(tills[0] as TillSim, progA);
        play(tills[1] as TillSim, progB);

        const ref = await hqWith(tills);
        const mixed = await hqWith(tills);
        try {
          for (const [i, till] of tills.entries()) {
            for (const b of till.batches(3)) {
              expect((await upload(ref.t, ref.signers[i] as TillCredentials, b)).status).toBe(200);
            }
          }

          for (const a of acts) {
            const till = tills[a.till] as TillSim;
            const first = (a.start % (till.headSeq + 2)) + 1;
            const last = Math.min(till.headSeq, first + a.len - 1);
            const body =
              first > till.headSeq + 1 ? till.batch(till.headSeq + 1, till.headSeq) : till.batch(first, last);
            const r = await upload(mixed.t, mixed.signers[a.till] as TillCredentials, body);
            // A gap is the till's cue to resend; nothing honest is ever refused otherwise.
            expect([200, 409]).toContain(r.status);
          }
          // Each till finally resends its whole chain from seq 1: head office applies what it lacks.
          for (const [i, till] of tills.entries()) {
            expect((await upload(mixed.t, mixed.signers[i] as TillCredentials, till.batch(1))).status).toBe(200);
          }

          const want = await snapshot(ref.t);
          expect(await snapshot(mixed.t)).toEqual(want);
          for (const s of want.states) expect(s.balance).toBe(ledgerSum(tills, s.member_no));
        } finally {
          await ref.t.close();
          await mixed.t.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
