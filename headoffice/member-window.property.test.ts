/**
 * Property: a member state head office keeps in memory, folded from its cached window when a
 * till's entries land among other tills' (store/memberstate.ts), equals the member folded
 * again from the whole ledger. Three tills sell to two members with interleaved clocks (up to 120 entries, so windows are trimmed
 * and their base holds entries); their
 * batches are taken in random order, with passes applied at random points, on one head office
 * that is never restarted (so the in-memory window is what every later batch folds from).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowestTier } from '../core/engine/tiers.js';
import { stateJson } from '../core/ledger/json.js';
import { emptyState } from '../core/ledger/state.js';
import { DEFAULT_RULE_SET } from '../core/ruleset/default.js';
import { UploadBatch } from '../core/sync/protocol.js';
import { foldHq } from './domain/fold.js';
import { rowToEntry, type LedgerRow } from './store/rows.js';
import { at, memberStates, provision, startHq, type TillSim } from './test-helpers.js';

const MEMBERS = ['W0', 'W1'];

const step = fc.record({
  till: fc.integer({ min: 0, max: 2 }),
  m: fc.integer({ min: 0, max: MEMBERS.length - 1 }),
  kind: fc.constantFrom('sale', 'sale', 'bonus', 'redeem'),
  amount: fc.integer({ min: 100, max: 90_000 }),
});

describe('member states folded from the cached window (store/memberstate.ts)', () => {
  it('equal the fold of the whole ledger, whatever order the tills’ batches arrive in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 4, maxLength: 120 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        async (steps, order, batchSize) => {
          const t = await startHq();
          try {
            const tills: TillSim[] = [];
            for (let i = 0; i < 3; i++) tills.push(await provision(t, `S${i}`, `W${i}`));
            MEMBERS.forEach((m, i) => (tills[i] as TillSim).enrol(m, at(i)));
            // One clock for the chain: entries of different tills interleave in merge order.
            steps.forEach((s, n) => {
              const till = tills[s.till] as TillSim;
              const m = MEMBERS[s.m] as string;
              const when = at(10 + n);
              if (s.kind === 'sale') till.sale(m, s.amount, when);
              else if (s.kind === 'bonus') till.bonus(m, 1 + (s.amount % 300), when);
              else if (till.state(m).balance > 0) till.redeem(m, 1 + (s.amount % till.state(m).balance), when);
            });
            const queues = tills.map((till) => till.batches(batchSize).map((b) => UploadBatch.parse(b)));
            const take = async (i: number): Promise<void> => {
              const b = queues[i]?.shift();
              if (b) {
                const r = await t.hq.store.ingest({ tillId: b.tillId, storeId: b.storeId }, b, new Date());
                expect(r.kind).toBe('ok');
              }
            };
            for (const [n, i] of order.entries()) {
              await take(i);
              if (n % 3 === 2) await t.hq.store.settle();
            }
            for (let i = 0; i < queues.length; i++) while ((queues[i]?.length ?? 0) > 0) await take(i);
            const first = lowestTier(DEFAULT_RULE_SET).code;
            for (const row of await memberStates(t)) {
              const entries = (
                await t.sql<LedgerRow>(
                  'SELECT * FROM ledger WHERE member_no = ? ORDER BY sort_ms, till_id, seq',
                  row.member_no,
                )
              ).map(rowToEntry);
              expect(row.state).toBe(stateJson(foldHq(emptyState(row.member_no, first), entries)));
            }
          } finally {
            await t.close();
          }
        },
      ),
      { numRuns: 20 },
    );
  }, 300_000);

  it('fold from the ledger when a till back from offline brings entries from before the window', async () => {
    const t = await startHq();
    try {
      const a = await provision(t, 'S0', 'W0');
      const b = await provision(t, 'S1', 'W1');
      a.enrol('W0', at(0));
      // Offline at B, before any of A's: a sale, and a redemption the member had no points for
      // then (folded in time order it leaves debt that A's sales repay; folded after A's first
      // sales it would not).
      b.sale('W0', 1_000, at(1));
      b.redeem('W0', 5_000, at(2));
      // A's 40 sales: the window is trimmed, its base holds A's first ones.
      for (let n = 0; n < 40; n++) a.sale('W0', 2_000 + n * 10, at(100 + n));
      const ingest = async (till: TillSim): Promise<void> => {
        for (const body of till.batches(10)) {
          const batch = UploadBatch.parse(body);
          expect(
            (await t.hq.store.ingest({ tillId: batch.tillId, storeId: batch.storeId }, batch, new Date())).kind,
          ).toBe('ok');
          await t.hq.store.settle();
        }
      };
      await ingest(a);
      await ingest(b);
      const [row] = await memberStates(t);
      const entries = (
        await t.sql<LedgerRow>('SELECT * FROM ledger WHERE member_no = ? ORDER BY sort_ms, till_id, seq', 'W0')
      ).map(rowToEntry);
      expect(entries.length).toBeGreaterThan(40);
      expect(row?.state).toBe(stateJson(foldHq(emptyState('W0', lowestTier(DEFAULT_RULE_SET).code), entries)));
    } finally {
      await t.close();
    }
  });
});
