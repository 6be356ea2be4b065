/**
 * A return takes a campaign bonus back (docs/campaigns.md "Returns"): 满200送300 on a ¥250 sale
 * of two ¥100 teas and a ¥50 cake, returned piece by piece at a real till over HTTP. The offer
 * reaches the member as head office's confirmed state does (an `offers` entry of the state).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../core/ledger/entry.js';
import type { LiveOffer } from '../../core/ledger/state.js';
import { enrolDirect, installRuleSet, startTill, type TestTill } from '../../test/helpers/till.js';

let t: TestTill;
let sales = 0;

const OFFER: LiveOffer = {
  campaignId: 'spend-200',
  kind: 'bonus',
  multiplierMilli: 1000,
  from: '2025-03-01',
  until: '2025-03-31',
  name: { zh: '满200送300', en: 'spend 200 get 300' },
  minSpend: 20_000,
  bonusPoints: 300,
  usedBy: null,
};

const tea = { sku: 'TEA', category: 'grocery', quantity: 2, unitPrice: 10_000 };
const cake = { sku: 'CAKE', category: 'grocery', quantity: 1, unitPrice: 5_000 };

/** A member head office granted the offer to (its confirmation, as the change feed brings it). */
function memberWithOffer(offer: LiveOffer = OFFER): string {
  const m = enrolDirect(t.ctx);
  const own = t.ctx.ledger.state(m, 'ordinary');
  t.ctx.hqState.put({
    memberNo: m,
    balance: own.balance,
    available: own.balance,
    tier: 'ordinary',
    class: null,
    confirmedAt: t.clock.iso(),
    includedSeq: t.ctx.ledger.headOf().seq,
    state: { ...own, offers: [offer] },
    cursor: 1,
  });
  return m;
}

async function buy(memberNo: string, lines: unknown[]): Promise<{ saleId: string; body: Record<string, unknown> }> {
  const saleId = `BR-${++sales}`;
  const r = await t.post('/v1/sales', { saleId, memberNo, lines });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { saleId, body: r.body as Record<string, unknown> };
}

async function giveBack(saleId: string, returnId: string, lines: unknown[]): Promise<Record<string, unknown>> {
  const r = await t.post('/v1/returns', { returnId, originalSaleId: saleId, lines });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as Record<string, unknown>;
}

const entriesOf = (memberNo: string, returnId: string): LedgerEntry[] =>
  t.ctx.ledger.entriesOf(memberNo).filter((e) => e.returnId === returnId);

beforeAll(async () => {
  t = await startTill({ now: '2025-03-05T02:00:00Z' });
});

afterAll(async () => {
  await t.close();
});

describe('a return takes the campaign bonus back', () => {
  it('keeps it while ¥200 stays, takes it back once below, and a full return leaves the balance as before', async () => {
    const m = memberWithOffer();
    const s = await buy(m, [tea, cake]);
    expect(s.body).toMatchObject({ pointsEarned: 250, bonusPoints: 300, balance: 550 });
    const bonusEntry = t.ctx.ledger.entriesOf(m).find((e) => e.kind === 'bonus') as LedgerEntry;
    // The entry and the sale's computation keep the threshold.
    expect(bonusEntry.data).toMatchObject({ bonus: 'campaign', campaignId: 'spend-200', minSpend: 20_000 });
    expect(t.ctx.sales.sale(s.saleId)?.computation).toMatchObject({
      campaignBonuses: [{ campaignId: 'spend-200', points: 300, minSpend: 20_000 }],
    });

    // The cake back: ¥200 kept, exactly the minimum: the bonus stays.
    const r1 = await giveBack(s.saleId, 'BR-R1', [{ sku: 'CAKE', quantity: 1 }]);
    expect(r1).toMatchObject({ pointsReversed: 50, bonusReversed: 0, balance: 500 });

    // A tea back: ¥100 kept, below ¥200: the 300 points go back with the sale's 100.
    const r2 = await giveBack(s.saleId, 'BR-R2', [{ sku: 'TEA', quantity: 1 }]);
    expect(r2).toMatchObject({ pointsReversed: 100, bonusReversed: 300, balance: 100 });
    const reversal = entriesOf(m, 'BR-R2').filter((e) => e.kind === 'reverse');
    expect(reversal.map((e) => [e.points, e.spend])).toEqual([
      [100, -10_000],
      [300, 0],
    ]);
    expect(reversal[1]?.data).toMatchObject({
      lotId: `${bonusEntry.tillId}:${bonusEntry.seq}`,
      campaignId: 'spend-200',
      bonusReturn: true,
    });

    // The last tea: not again.
    const r3 = await giveBack(s.saleId, 'BR-R3', [{ sku: 'TEA', quantity: 1 }]);
    expect(r3).toMatchObject({ pointsReversed: 100, bonusReversed: 0, fullyReturned: true, balance: 0 });

    // The offer stays used: another ¥200 earns no bonus (a return does not re-arm it).
    expect((await buy(m, [tea])).body).toMatchObject({ bonusPoints: 0 });
  });

  it('a replay answers the first answer, bonus included', async () => {
    const m = memberWithOffer();
    const s = await buy(m, [tea]);
    const first = await giveBack(s.saleId, 'BR-RP', [{ sku: 'TEA', quantity: 1 }]);
    expect(first).toMatchObject({ bonusReversed: 300 });
    const again = await t.post('/v1/returns', {
      returnId: 'BR-RP',
      originalSaleId: s.saleId,
      lines: [{ sku: 'TEA', quantity: 1 }],
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first);
    expect(entriesOf(m, 'BR-RP').filter((e) => e.data.bonusReturn)).toHaveLength(1);
  });

  it('under deductFromRefund, counts the bonus in the points short: sale points first, then the bonus', async () => {
    const rs = t.ctx.rules.at(t.clock.iso());
    installRuleSet(t.ctx, { version: rs.version + 1, returns: { insufficientBalance: 'deductFromRefund' } });
    try {
      const m = memberWithOffer();
      const s = await buy(m, [tea, cake]);
      expect(s.body).toMatchObject({ balance: 550 });
      // 500 points pay ¥5 of a ¥20 basket, which earns 15: 65 left.
      const spent = await t.post('/v1/sales', {
        saleId: `BR-${++sales}`,
        memberNo: m,
        lines: [{ sku: 'X', category: 'grocery', quantity: 1, unitPrice: 2_000 }],
        tenders: [{ type: 'points', points: 500 }],
      });
      expect(spent.body).toMatchObject({ balance: 65 });
      // Everything back: 250 + 300 due, 65 covered.
      const r = await giveBack(s.saleId, 'BR-RD', [
        { sku: 'TEA', quantity: 2 },
        { sku: 'CAKE', quantity: 1 },
      ]);
      expect(r).toMatchObject({ pointsReversed: 65, bonusReversed: 0, pointsShort: 485, refundDeduction: 485 });
      expect(r.balance).toBe(0);
      // The bonus is marked taken back all the same (a 0-point reversal): no later return takes it.
      const bonusBack = entriesOf(m, 'BR-RD').filter((e) => e.data.bonusReturn);
      expect(bonusBack.map((e) => e.points)).toEqual([0]);
    } finally {
      installRuleSet(t.ctx, { version: rs.version + 2 });
    }
  });
});

describe('property: any series of partial returns', () => {
  it('takes the bonus back at most once, exactly when the kept eligible spend drops below the minimum; all back = balance before', async () => {
    const units = fc.record({
      qty: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      price: fc.tuple(fc.integer({ min: 100, max: 15_000 }), fc.integer({ min: 100, max: 15_000 })),
      order: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 6, maxLength: 6 }),
      cuts: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
      minPermille: fc.integer({ min: 1, max: 1000 }),
    });
    await fc.assert(
      fc.asyncProperty(units, async ({ qty, price, order, cuts, minPermille }) => {
        const lines = [
          { sku: 'P', category: 'grocery', quantity: qty[0], unitPrice: price[0] },
          { sku: 'Q', category: 'grocery', quantity: qty[1], unitPrice: price[1] },
        ];
        const eligible = qty[0] * price[0] + qty[1] * price[1];
        const minSpend = Math.max(1, Math.floor((eligible * minPermille) / 1000));
        const m = memberWithOffer({ ...OFFER, minSpend });
        const s = await buy(m, lines);
        expect(s.body.bonusPoints).toBe(300);
        const pieces = lines
          .flatMap((l) => Array.from({ length: l.quantity }, () => l.sku))
          .map((sku, i) => ({ sku, key: order[i] ?? 0 }))
          .sort((a, b) => a.key - b.key);
        const left: Record<string, number> = { P: qty[0], Q: qty[1] };
        // floor(Σ eligible_i × remaining_i / qty_i), held as sixths (qty ≤ 3 divides 6).
        const kept = (): number => Math.floor((price[0] * left.P! * 6 + price[1] * left.Q! * 6) / 6);
        let pending: string[] = [];
        let reversals = 0;
        for (const [i, p] of pieces.entries()) {
          pending.push(p.sku);
          if (!(cuts[i] ?? false) && i < pieces.length - 1) continue;
          const before = kept();
          for (const sku of pending) left[sku]! -= 1;
          const returning = [...new Set(pending)].map((sku) => ({
            sku,
            quantity: pending.filter((x) => x === sku).length,
          }));
          const r = await giveBack(s.saleId, `${s.saleId}-R${i}`, returning);
          const due = before >= minSpend && kept() < minSpend;
          expect(r.bonusReversed).toBe(due ? 300 : 0);
          reversals += r.bonusReversed === 300 ? 1 : 0;
          pending = [];
        }
        expect(reversals).toBe(1);
        expect(t.ctx.ledger.state(m, 'ordinary').balance).toBe(0);
      }),
      { numRuns: 25 },
    );
  });
});
