/**
 * Property: with any mix of live campaign offers (multipliers, bonuses above a minimum spend,
 * coupons, free services; used or not, in or out of their dates), head office's recompute of a
 * sale (domain/recompute.ts checkSale) gives exactly the till's points and bonus points, sale
 * after sale, the till's entries folded between them (DOMAIN.md 12: one view, one engine), the
 * view passed through the feed's schema as it travels between them.
 * And a bonus offer pays at most once per member and campaign along the way.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memberContextFor } from '../../core/engine/decide.js';
import { computeEarn } from '../../core/engine/earn.js';
import { line, ruleSet } from '../../core/engine/test-fixtures.js';
import { bonusEntryData } from '../../core/engine/types.js';
import type { EntryData, EntryKind, LedgerEntry } from '../../core/ledger/entry.js';
import { GENESIS_HASH, signEntry } from '../../core/ledger/hash.js';
import { applyEntry, emptyState, type MemberState } from '../../core/ledger/state.js';
import { MemberStateSchema, type SaleRecord } from '../../core/sync/protocol.js';
import { checkSale } from './recompute.js';

const M = 'M0001';
const rs = ruleSet();

type OfferSpec =
  | { kind: 'multiplier'; milli: number }
  | { kind: 'bonus'; minSpend: number; points: number }
  | { kind: 'coupon'; value: number }
  | { kind: 'service' };

const offerSpec: fc.Arbitrary<{ spec: OfferSpec; fromDay: number; days: number }> = fc.record({
  spec: fc.oneof(
    fc.record({ kind: fc.constant('multiplier' as const), milli: fc.integer({ min: 1001, max: 5000 }) }),
    fc.record({
      kind: fc.constant('bonus' as const),
      minSpend: fc.integer({ min: 0, max: 40_000 }),
      points: fc.integer({ min: 1, max: 2000 }),
    }),
    fc.record({ kind: fc.constant('coupon' as const), value: fc.integer({ min: 1, max: 5000 }) }),
    fc.record({ kind: fc.constant('service' as const) }),
  ),
  fromDay: fc.integer({ min: 1, max: 9 }),
  days: fc.integer({ min: 1, max: 5 }),
});

const saleSpec = fc.record({
  day: fc.integer({ min: 5, max: 12 }),
  lines: fc.array(
    fc.record({
      category: fc.constantFrom('food', 'drinks', 'tobacco', 'household'),
      price: fc.integer({ min: 1, max: 30_000 }),
      qty: fc.integer({ min: 1, max: 3 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
});

const dayOf = (n: number): string => `2024-05-${String(n).padStart(2, '0')}`;

class Chain {
  private seq = 0;
  private prev = GENESIS_HASH;
  constructor(private readonly tillId: string) {}
  add(kind: EntryKind, points: number, localDate: string, data: EntryData, saleId: string | null = null): LedgerEntry {
    this.seq += 1;
    const e = signEntry({
      tillId: this.tillId,
      seq: this.seq,
      memberNo: M,
      kind,
      points,
      spend: 0,
      occurredAt: `${localDate}T02:00:00Z`,
      localDate,
      expiresOn: null,
      saleId,
      returnId: null,
      data,
      prevHash: this.prev,
    });
    this.prev = e.hash;
    return e;
  }
}

/** Head office's grant of one offer, as store/campaigns.ts grantDecision writes it. */
function grant(hq: Chain, i: number, o: { spec: OfferSpec; fromDay: number; days: number }): LedgerEntry {
  const campaignId = `c-${i}`;
  const from = dayOf(o.fromDay);
  const until = dayOf(o.fromDay + o.days - 1);
  const common = { campaignId, offerName: { zh: `活动${i}`, en: `campaign ${i}` } };
  const s = o.spec;
  switch (s.kind) {
    case 'multiplier':
      return hq.add('offer', 0, '2024-05-01', { ...common, multiplierMilli: s.milli, from, until });
    case 'bonus':
      return hq.add('offer', 0, '2024-05-01', {
        ...common,
        offerKind: 'bonus',
        minSpend: s.minSpend,
        bonusPoints: s.points,
        from,
        until,
      });
    case 'coupon':
      return hq.add('reward', 0, '2024-05-01', {
        ...common,
        couponCode: `CP${i}`,
        rewardId: `campaign:${campaignId}`,
        couponValue: s.value,
        validFrom: from,
        validTo: until,
      });
    case 'service':
      return hq.add('offer', 0, '2024-05-01', { ...common, offerKind: 'service', service: 'car-wash', from, until });
  }
}

describe('till and head office agree on points with any mix of live offers', () => {
  it('recomputes every sale to the till figures; a bonus pays once per campaign', () => {
    fc.assert(
      fc.property(
        fc.array(offerSpec, { maxLength: 5 }),
        fc.array(saleSpec, { minLength: 1, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        (offers, sales, useFirst) => {
          const hq = new Chain('hq');
          const till = new Chain('T1');
          let state: MemberState = emptyState(M, 'ordinary');
          offers.forEach((o, i) => {
            state = applyEntry(state, grant(hq, i, o));
            // Some coupons and services were used before (at another till): closed offers.
            if (useFirst[i] && o.spec.kind === 'service') {
              state = applyEntry(
                state,
                till.add('service_use', 0, '2024-05-02', { service: 'car-wash', campaignId: `c-${i}` }),
              );
            }
            if (useFirst[i] && o.spec.kind === 'coupon') {
              state = applyEntry(state, till.add('coupon_use', 0, '2024-05-02', { couponCode: `CP${i}` }));
            }
          });
          const bonusesPaid = new Map<string, number>();
          [...sales]
            .sort((a, b) => a.day - b.day)
            .forEach((sp, n) => {
              const day = dayOf(sp.day);
              const occurredAt = `${day}T02:00:00Z`;
              const lines = sp.lines.map((l, k) => line(`s${k}`, l.category, l.price, l.qty));
              // The till: its view, its context, the engine, its entries.
              const view = state;
              const ctx = memberContextFor(rs, view, { birthday: null, saleDay: day, recordedOn: day });
              const r = computeEarn(rs, { lines, basketDiscount: 0, pointsRedeemed: 0, occurredAt, member: ctx });
              const saleId = `S${n}`;
              const entries = [
                till.add('earn', r.points, day, { stamp: r.stampEarned, ruleVersion: rs.version }, saleId),
              ];
              for (const b of r.bonuses) {
                entries.push(till.add('bonus', b.points, day, bonusEntryData(b), saleId));
                if (b.campaignId !== undefined) bonusesPaid.set(b.campaignId, (bonusesPaid.get(b.campaignId) ?? 0) + 1);
              }
              const bonusPoints = r.bonuses.reduce((a, b) => a + b.points, 0);
              const record: SaleRecord = {
                saleId,
                memberNo: M,
                ruleVersion: rs.version,
                request: { saleId, memberNo: M, lines, basketDiscount: 0, tenders: [] },
                pointsEarned: r.points,
                bonusPoints,
                pointsRedeemed: 0,
                total: r.total,
                occurredAt,
                recordedAt: occurredAt,
              };
              // Head office: the till's view rebuilt, the same engine. The state crosses the wire
              // (the feed's MemberStateSchema) as it does between them: a field the schema dropped
              // would turn a bonus offer into a multiplier on one side only.
              const wire = MemberStateSchema.parse(JSON.parse(JSON.stringify(view)));
              expect(wire).toEqual(view);
              const check = checkSale({
                sale: record,
                ruleSet: rs,
                saleEntries: entries,
                tillView: wire,
                birthday: null,
              });
              expect(check).toMatchObject({
                mismatch: false,
                recomputedPoints: r.points,
                recomputedBonus: bonusPoints,
              });
              for (const e of entries) state = applyEntry(state, e);
            });
          for (const times of bonusesPaid.values()) expect(times).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
