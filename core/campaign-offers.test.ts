/**
 * The offer kinds beyond the earn multiplier (docs/campaigns.md "Offer kinds"), one rule each:
 * a bonus above a minimum spend (at the minimum exactly, not below, once per member and
 * campaign), a coupon (single use chain-wide through the coupon machinery), a free service
 * (claimed once, beside the tier's allowance), and the cashier's line for each.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { offersLine } from './campaigns.js';
import { memberContextFor } from './engine/decide.js';
import { computeEarn } from './engine/earn.js';
import { checkServiceClaim, serviceOffer, servicesAvailable } from './engine/free-services.js';
import { line, ruleSet, sale } from './engine/test-fixtures.js';
import { bonusEntryData } from './engine/types.js';
import { GENESIS_HASH, signEntry } from './ledger/hash.js';
import type { EntryData, EntryKind, LedgerEntry } from './ledger/entry.js';
import { foldEntries, isSecondCouponUse, openOffers, type MemberState } from './ledger/state.js';

const M = 'M0001';
const DAY = '2024-05-08';

/** A chain of entries for one member, signed in order (tills and head office alike). */
function chain(specs: { tillId?: string; kind: EntryKind; points?: number; localDate?: string; data: EntryData }[]) {
  let prevHash = GENESIS_HASH;
  const seqs = new Map<string, number>();
  return specs.map((s): LedgerEntry => {
    const tillId = s.tillId ?? 'hq';
    const seq = (seqs.get(tillId) ?? 0) + 1;
    seqs.set(tillId, seq);
    const localDate = s.localDate ?? '2024-05-01';
    const e = signEntry({
      tillId,
      seq,
      memberNo: M,
      kind: s.kind,
      points: s.points ?? 0,
      spend: 0,
      occurredAt: `${localDate}T02:00:00Z`,
      localDate,
      expiresOn: null,
      saleId: null,
      returnId: null,
      data: s.data,
      prevHash,
    });
    prevHash = e.hash;
    return e;
  });
}

const bonusOffer: EntryData = {
  campaignId: 'spend-200',
  offerKind: 'bonus',
  minSpend: 20_000,
  bonusPoints: 300,
  from: '2024-05-01',
  until: '2024-05-10',
  offerName: { zh: '满200送300', en: 'spend 200 get 300' },
};

function earnOn(rs: ReturnType<typeof ruleSet>, s: MemberState, fen: number, day = DAY) {
  const ctx = memberContextFor(rs, s, { birthday: null, saleDay: day, recordedOn: day });
  return computeEarn(rs, sale({ lines: [line('a', 'food', fen)], member: ctx, occurredAt: `${day}T02:00:00Z` }));
}

describe('bonus above a minimum spend', () => {
  const rs = ruleSet();
  const granted = foldEntries(M, 'ordinary', chain([{ kind: 'offer', data: bonusOffer }]));

  it('applies at the minimum spend exactly, as a fixed bonus beside the sale points', () => {
    const r = earnOn(rs, granted, 20_000);
    expect(r.points).toBe(200);
    expect(r.bonuses).toEqual([
      { bonus: 'campaign', points: 300, campaignId: 'spend-200', name: bonusOffer.offerName, minSpend: 20_000 },
    ]);
    expect(r.breakdownText.zh).toContain('满200送300 +300');
    expect(r.breakdownText.en).toContain('spend 200 get 300 +300');
    // The entry keeps the threshold, so a return can tell when the sale falls below it.
    expect(bonusEntryData(r.bonuses[0] as never)).toEqual({
      bonus: 'campaign',
      campaignId: 'spend-200',
      minSpend: 20_000,
    });
  });

  it('does not apply a fen below it, nor outside its dates', () => {
    expect(earnOn(rs, granted, 19_999).bonuses).toEqual([]);
    expect(earnOn(rs, granted, 50_000, '2024-05-11').bonuses).toEqual([]);
  });

  it('counts eligible spend: excluded goods and the points tender do not reach the minimum', () => {
    const ctx = memberContextFor(rs, granted, { birthday: null, saleDay: DAY, recordedOn: DAY });
    const tobacco = computeEarn(
      rs,
      sale({ lines: [line('a', 'food', 19_000), line('t', 'tobacco', 5_000)], member: ctx }),
    );
    expect(tobacco.bonuses).toEqual([]);
  });

  it('is given once per member and campaign: the bonus entry uses the offer', () => {
    const used = foldEntries(
      M,
      'ordinary',
      chain([
        { kind: 'offer', data: bonusOffer },
        {
          tillId: 'T1',
          kind: 'bonus',
          points: 300,
          localDate: DAY,
          data: { bonus: 'campaign', campaignId: 'spend-200' },
        },
      ]),
    );
    expect(used.offers?.[0]?.usedBy).toBe('T1:1');
    expect(earnOn(rs, used, 90_000).bonuses).toEqual([]);
    expect(openOffers(used, DAY)).toEqual([]);
  });

  it('starts used when its use is folded before the grant (a till clock behind head office)', () => {
    const entries = chain([
      {
        tillId: 'T1',
        kind: 'bonus',
        points: 300,
        localDate: DAY,
        data: { bonus: 'campaign', campaignId: 'spend-200' },
      },
      { kind: 'offer', data: bonusOffer },
    ]);
    const early = foldEntries(M, 'ordinary', entries.slice(0, 1));
    expect(early.offerUsesAhead).toEqual({ 'spend-200': { on: DAY, usedBy: 'T1:1' } });
    const s = foldEntries(M, 'ordinary', entries);
    expect(s.offers?.[0]?.usedBy).toBe('T1:1');
    expect(s.offerUsesAhead).toBeUndefined();
    expect(earnOn(rs, s, 90_000).bonuses).toEqual([]);
  });

  it('is never multiplied by a multiplier offer live the same day', () => {
    const both = foldEntries(
      M,
      'ordinary',
      chain([
        { kind: 'offer', data: bonusOffer },
        {
          kind: 'offer',
          data: {
            campaignId: 'double',
            multiplierMilli: 2000,
            from: '2024-05-01',
            until: '2024-05-10',
            offerName: { zh: '双倍积分', en: 'double points' },
          },
        },
      ]),
    );
    const r = earnOn(rs, both, 20_000);
    expect(r.points).toBe(400);
    expect(r.bonuses.map((b) => b.points)).toEqual([300]);
  });
});

describe('campaign coupon', () => {
  const couponGrant = {
    kind: 'reward' as const,
    data: {
      campaignId: 'cpn',
      couponCode: 'CPTESTCODE0001',
      rewardId: 'campaign:cpn',
      couponValue: 2000,
      validFrom: '2024-05-01',
      validTo: '2024-05-10',
      offerName: { zh: '回馈券', en: 'thank-you coupon' },
    },
  };

  it("is the member's coupon and an open offer until used", () => {
    const s = foldEntries(M, 'ordinary', chain([couponGrant]));
    expect(s.balance).toBe(0);
    expect(s.coupons?.CPTESTCODE0001).toMatchObject({ value: 2000, validTo: '2024-05-10', usedBy: null });
    expect(openOffers(s, DAY).map((o) => o.kind)).toEqual(['coupon']);
    expect(offersLine(openOffers(s, DAY), DAY)).toEqual({
      zh: '回馈券 ¥20.00券 CPTESTCODE0001，还剩 3 天',
      en: 'thank-you coupon ¥20.00 coupon CPTESTCODE0001, 3 days left',
    });
  });

  it('is used once: a second use anywhere is a second use', () => {
    const entries = chain([
      couponGrant,
      { tillId: 'T1', kind: 'coupon_use', localDate: DAY, data: { couponCode: 'CPTESTCODE0001' } },
      { tillId: 'T2', kind: 'coupon_use', localDate: DAY, data: { couponCode: 'CPTESTCODE0001' } },
    ]);
    const afterFirst = foldEntries(M, 'ordinary', entries.slice(0, 2));
    expect(afterFirst.coupons?.CPTESTCODE0001?.usedBy).toBe('T1:1');
    expect(openOffers(afterFirst, DAY)).toEqual([]);
    expect(isSecondCouponUse(afterFirst, entries[2] as LedgerEntry)).toBe(true);
    expect(foldEntries(M, 'ordinary', entries).coupons?.CPTESTCODE0001?.usedBy).toBe('T1:1');
  });

  it('multiplies nothing', () => {
    const s = foldEntries(M, 'ordinary', chain([couponGrant]));
    const r = earnOn(ruleSet(), s, 10_000);
    expect(r.points).toBe(100);
    expect(r.bonuses).toEqual([]);
  });
});

describe('free service offer', () => {
  const rs = ruleSet();
  const grant = {
    kind: 'offer' as const,
    data: {
      campaignId: 'wash',
      offerKind: 'service' as const,
      service: 'car-wash',
      from: '2024-05-01',
      until: '2024-05-10',
      offerName: { zh: '洗车礼', en: 'car wash gift' },
    },
  };

  it('is claimable once, beside the tier allowance, and not counted against it', () => {
    const s = foldEntries(M, 'ordinary', chain([grant]));
    expect(serviceOffer(s, DAY, 'car-wash')?.campaignId).toBe('wash');
    expect(servicesAvailable(rs, { tier: 'ordinary', state: s, today: DAY })).toEqual([
      { service: 'car-wash', remaining: 1 },
    ]);
    // The ordinary tier offers no car wash of its own.
    expect(checkServiceClaim(rs, { tier: 'ordinary', state: s, today: DAY, service: 'car-wash' }).ok).toBe(false);
    const used = foldEntries(
      M,
      'ordinary',
      chain([
        grant,
        { tillId: 'T1', kind: 'service_use', localDate: DAY, data: { service: 'car-wash', campaignId: 'wash' } },
      ]),
    );
    expect(serviceOffer(used, DAY, 'car-wash')).toBeNull();
    expect(used.servicesUsed).toBeUndefined();
    expect(servicesAvailable(rs, { tier: 'ordinary', state: used, today: DAY })).toEqual([]);
    expect(openOffers(used, DAY)).toEqual([]);
  });

  it('is gone after its last day', () => {
    const s = foldEntries(M, 'ordinary', chain([grant]));
    expect(serviceOffer(s, '2024-05-11', 'car-wash')).toBeNull();
  });
});

describe("the cashier's line", () => {
  it('says what each kind gives, zh-CN and English', () => {
    const s = foldEntries(
      M,
      'ordinary',
      chain([
        { kind: 'offer', data: bonusOffer },
        {
          kind: 'offer',
          data: {
            campaignId: 'wash',
            offerKind: 'service',
            service: 'car-wash',
            from: '2024-05-01',
            until: '2024-05-08',
            offerName: { zh: '洗车礼', en: 'car wash gift' },
          },
        },
      ]),
    );
    expect(offersLine(openOffers(s, DAY), DAY)).toEqual({
      zh: '满200送300 满¥200.00加送300分，还剩 3 天；洗车礼 免费car-wash，还剩 1 天',
      en: 'spend 200 get 300 spend ¥200.00, get 300 bonus points, 3 days left; car wash gift free car-wash, 1 day left',
    });
  });
});

describe('offer uses fold the same in either order (DOMAIN.md 12: head office merges by time)', () => {
  it('leaves the same offers whatever the order of grants and their uses', () => {
    const grants: { kind: EntryKind; data: EntryData }[] = [
      { kind: 'offer', data: bonusOffer },
      {
        kind: 'offer',
        data: {
          campaignId: 'wash',
          offerKind: 'service',
          service: 'car-wash',
          from: '2024-05-01',
          until: '2024-05-10',
          offerName: { zh: '洗车礼', en: 'car wash gift' },
        },
      },
    ];
    const uses: { tillId: string; kind: EntryKind; localDate: string; data: EntryData; points?: number }[] = [
      {
        tillId: 'T1',
        kind: 'bonus',
        points: 300,
        localDate: DAY,
        data: { bonus: 'campaign', campaignId: 'spend-200' },
      },
      { tillId: 'T1', kind: 'service_use', localDate: DAY, data: { service: 'car-wash', campaignId: 'wash' } },
    ];
    const entries = chain([...grants, ...uses]);
    const inOrder = foldEntries(M, 'ordinary', entries);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }),
        (shuffled) => {
          const s = foldEntries(M, 'ordinary', shuffled);
          expect(s.offers).toEqual(inOrder.offers);
          expect(s.offerUsesAhead).toBeUndefined();
          expect(s.balance).toBe(inOrder.balance);
        },
      ),
      { numRuns: 100 },
    );
  });
});
