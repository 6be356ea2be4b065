import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET } from '../ruleset/default.js';
import { parseRuleSet } from '../ruleset/schema.js';
import { DEFAULT_RULE_SET_INPUT } from '../ruleset/default.js';
import { type EntryKind, type LedgerEntry, signedPoints } from './entry.js';
import { expiryDate } from './expiry.js';
import { GENESIS_HASH, signEntry, verifyChain } from './hash.js';
import {
  lotKey,
  LedgerStateError,
  expiredDue,
  expiringBetween,
  foldEntries,
  isSecondCouponUse,
  rollingSpend,
  spendablePoints,
  visibleBalance,
} from './state.js';

function chain(
  specs: { kind: EntryKind; points: number; on: string; expiresOn?: string | null; spend?: number; data?: object }[],
): LedgerEntry[] {
  let prev = GENESIS_HASH;
  return specs.map((s, i) => {
    const e = signEntry({
      tillId: 't1',
      seq: i + 1,
      memberNo: 'M1',
      kind: s.kind,
      points: s.points,
      spend: s.spend ?? 0,
      occurredAt: `${s.on}T04:00:00Z`,
      localDate: s.on,
      expiresOn: s.expiresOn ?? null,
      saleId: null,
      returnId: null,
      data: s.data ?? {},
      prevHash: prev,
    });
    prev = e.hash;
    return e;
  });
}

describe('expiry dates (DOMAIN.md 7)', () => {
  it('rollingMonths: the same date N months later, or the month end', () => {
    expect(expiryDate(DEFAULT_RULE_SET, '2025-12-31')).toBe('2026-12-31');
    expect(expiryDate(DEFAULT_RULE_SET, '2024-02-29')).toBe('2025-02-28');
    const six = parseRuleSet({ ...DEFAULT_RULE_SET_INPUT, expiry: { policy: 'rollingMonths', months: 6 } });
    expect(expiryDate(six, '2026-08-31')).toBe('2027-02-28');
  });

  it('endOfNextYear: 31 December of the following year', () => {
    const rs = parseRuleSet({ ...DEFAULT_RULE_SET_INPUT, expiry: { policy: 'endOfNextYear' } });
    expect(expiryDate(rs, '2025-01-01')).toBe('2026-12-31');
    expect(expiryDate(rs, '2025-12-31')).toBe('2026-12-31');
  });
});

describe('member state reducer', () => {
  it('consumes lots FIFO by expiry and drops expired points from what is shown', () => {
    const es = chain([
      { kind: 'earn', points: 100, on: '2025-12-31', expiresOn: '2026-12-31' },
      { kind: 'earn', points: 50, on: '2026-01-15', expiresOn: '2027-01-15' },
      { kind: 'redeem', points: 30, on: '2026-06-01' },
    ]);
    const s = foldEntries('M1', 'ordinary', es);
    expect(s.balance).toBe(120);
    expect(s.lots.map((l) => l.remaining)).toEqual([70, 50]);
    // across the year boundary: usable through 31 Dec, gone on 1 Jan
    expect(visibleBalance(s, '2026-12-31')).toBe(120);
    expect(expiredDue(s, '2027-01-01')).toBe(70);
    expect(visibleBalance(s, '2027-01-01')).toBe(50);
    expect(expiringBetween(s, '2026-11-23', '2027-01-22')).toEqual([
      { on: '2026-12-31', points: 70 },
      { on: '2027-01-15', points: 50 },
    ]);
    const after = foldEntries('M1', 'ordinary', [
      ...es,
      ...chain([{ kind: 'expire', points: 70, on: '2027-01-01', data: { before: '2027-01-01' } }]).map((e) => ({
        ...e,
        seq: 4,
      })),
    ]);
    expect(after.balance).toBe(50);
    expect(after.lots).toHaveLength(1);
  });

  it('a reversal larger than the lots leaves a debt that later earnings pay first', () => {
    const s = foldEntries(
      'M1',
      'ordinary',
      chain([
        { kind: 'earn', points: 100, on: '2026-01-01', expiresOn: '2027-01-01' },
        { kind: 'redeem', points: 100, on: '2026-01-02' },
        { kind: 'reverse', points: 40, on: '2026-01-03' },
        { kind: 'earn', points: 25, on: '2026-01-04', expiresOn: '2027-01-04' },
      ]),
    );
    expect(s.balance).toBe(-15);
    expect(s.debt).toBe(15);
    expect(s.lots).toEqual([]);
    expect(spendablePoints(s, '2026-01-05', null)).toBe(0);
  });

  it('locks points earned within pointsLockDays', () => {
    const s = foldEntries('M1', 'ordinary', chain([{ kind: 'earn', points: 80, on: '2026-03-10', expiresOn: null }]));
    expect(spendablePoints(s, '2026-03-10', '2026-03-07')).toBe(0);
    expect(spendablePoints(s, '2026-03-13', '2026-03-10')).toBe(80);
  });

  it('rolling spend counts the last 12 months only', () => {
    const s = foldEntries(
      'M1',
      'ordinary',
      chain([
        { kind: 'earn', points: 0, on: '2025-03-01', spend: 1000 },
        { kind: 'earn', points: 0, on: '2025-11-01', spend: 2000 },
        { kind: 'reverse', points: 0, on: '2025-12-01', spend: -500 },
      ]),
    );
    expect(rollingSpend(s, '2026-02-28')).toBe(2500);
    expect(rollingSpend(s, '2026-03-01')).toBe(1500);
  });

  it('an upgrade to the tier held, decided below it (a due review applied in memory), holds it anew', () => {
    const tier = (on: string, data: object) => ({ kind: 'tier' as const, points: 0, on, data });
    const gold = { toTier: 'gold', reason: 'threshold', rank: 2 };
    // The till applied the 2025-03-31 review in memory (Gold -> Silver), then a sale crossed Gold.
    const inMemory = {
      reviewedInMemory: [{ before: '2025-03-31', from: 'gold', to: 'silver', threshold: 1_000_000 }],
    };
    const held = foldEntries('M1', 'ordinary', chain([tier('2024-03-20', { fromTier: 'silver', ...gold })]));
    const regained = foldEntries(
      'M1',
      'ordinary',
      chain([
        tier('2024-03-20', { fromTier: 'silver', ...gold }),
        tier('2025-04-02', { fromTier: 'silver', ...gold, ...inMemory }),
      ]),
    );
    expect([held.tier, held.tierSince]).toEqual(['gold', '2024-03-20']);
    expect([regained.tier, regained.tierSince]).toEqual(['gold', '2025-04-02']);
    // Decided below it without such reviews, the till had not heard of the tier (head office's
    // upgrade on merged spend): it is held from when it was reached, and its reviews stay due.
    const unheard = foldEntries(
      'M1',
      'ordinary',
      chain([tier('2024-03-20', { fromTier: 'silver', ...gold }), tier('2025-04-02', { fromTier: 'silver', ...gold })]),
    );
    expect([unheard.tier, unheard.tierSince]).toEqual(['gold', '2024-03-20']);
    // The review of 2025-03-31, folded after, judges the tier held on its date: Gold stays.
    const reviewed = foldEntries(
      'M1',
      'ordinary',
      chain([
        tier('2024-03-20', { fromTier: 'silver', ...gold }),
        tier('2025-04-02', { fromTier: 'silver', ...gold, ...inMemory }),
        tier('2025-04-03', { fromTier: 'gold', toTier: 'silver', reason: 'review', before: '2025-03-31', rank: 1 }),
      ]),
    );
    expect([reviewed.tier, reviewed.reviewedThrough]).toEqual(['gold', '2025-03-31']);
    // A lower tier's upgrade, or one decided on the same tier, changes nothing.
    const same = foldEntries(
      'M1',
      'ordinary',
      chain([tier('2024-03-20', { fromTier: 'silver', ...gold }), tier('2025-04-02', { fromTier: 'gold', ...gold })]),
    );
    expect(same.tierSince).toBe('2024-03-20');
  });

  it('keeps the stamps high mark only while returns hold the card below it', () => {
    const stamp = (on: string) => ({ kind: 'earn' as const, points: 0, on, data: { stamp: 1 } });
    const back = (on: string) => ({ kind: 'stamp_return' as const, points: 0, on, data: { stamp: 1 } });
    const fold = (specs: Parameters<typeof chain>[0]) => foldEntries('M1', 'ordinary', chain(specs));
    const plain = fold([stamp('2025-03-01'), stamp('2025-03-02')]);
    expect([plain.stamps, plain.stampsHigh]).toEqual([2, undefined]);
    const returned = fold([stamp('2025-03-01'), stamp('2025-03-02'), back('2025-03-03'), back('2025-03-04')]);
    expect([returned.stamps, returned.stampsHigh]).toEqual([0, 2]);
    const caughtUp = fold([stamp('2025-03-01'), back('2025-03-02'), stamp('2025-03-03'), stamp('2025-03-04')]);
    expect([caughtUp.stamps, caughtUp.stampsHigh]).toEqual([2, undefined]);
  });

  it('property: balance equals the signed sum of the entries, and lots minus debt equal the balance', () => {
    const kind = fc.constantFrom<EntryKind>('earn', 'bonus', 'redeem', 'reverse', 'restore', 'reward');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(kind, fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 300 })), { maxLength: 40 }),
        (ops) => {
          const es = chain(
            ops.map(([k, p, d]) => {
              const on = `2026-${String(1 + (d % 12)).padStart(2, '0')}-10`;
              return {
                kind: k,
                points: p,
                on,
                expiresOn: k === 'earn' || k === 'bonus' || k === 'restore' ? '2030-01-01' : null,
              };
            }),
          );
          const s = foldEntries('M1', 'ordinary', es);
          expect(s.balance).toBe(es.reduce((a, e) => a + signedPoints(e), 0));
          expect(s.lots.reduce((a, l) => a + l.remaining, 0) - s.debt).toBe(s.balance);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('hash chain', () => {
  const es = chain([
    { kind: 'earn', points: 10, on: '2026-01-01' },
    { kind: 'earn', points: 20, on: '2026-01-02' },
    { kind: 'redeem', points: 5, on: '2026-01-03' },
  ]);

  it('verifies an intact chain', () => {
    expect(verifyChain(es).ok).toBe(true);
  });

  it('detects a changed amount, a gap and a re-signed entry that breaks the link', () => {
    const changed = es.map((e, i) => (i === 1 ? { ...e, points: 2000 } : e));
    expect(verifyChain(changed)).toEqual({ ok: false, seq: 2, reason: 'hash' });
    expect(verifyChain([es[0]!, es[2]!])).toEqual({ ok: false, seq: 3, reason: 'gap' });
    const { hash: _h, ...unsigned } = es[1]!;
    const resigned = es.map((e, i) => (i === 1 ? signEntry({ ...unsigned, points: 2000 }) : e));
    expect(verifyChain(resigned)).toEqual({ ok: false, seq: 3, reason: 'prev_hash' });
  });
});

describe('lots, against the plain model (copy every lot, re-sort on every credit)', () => {
  type Lot = { id: string; earnedOn: string; expiresOn: string | null; remaining: number };
  const order = (a: Lot, b: Lot): number => {
    const ae = a.expiresOn ?? '9999-99-99';
    const be = b.expiresOn ?? '9999-99-99';
    if (ae !== be) return ae < be ? -1 : 1;
    if (a.earnedOn !== b.earnedOn) return a.earnedOn < b.earnedOn ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
  function model(es: readonly LedgerEntry[]): { lots: Lot[]; debt: number } | 'throws' {
    let lots: Lot[] = [];
    let debt = 0;
    for (const e of es) {
      if (['earn', 'bonus', 'restore', 'adjust_credit'].includes(e.kind)) {
        let add = e.points;
        const pay = Math.min(debt, add);
        debt -= pay;
        add -= pay;
        if (add > 0) {
          // One lot per (earned, expires) day pair: a day's credits join its lot.
          const same = lots.find((l) => l.earnedOn === e.localDate && l.expiresOn === e.expiresOn);
          if (same) same.remaining += add;
          else {
            lots = [
              ...lots,
              { id: lotKey(e.localDate, e.expiresOn), earnedOn: e.localDate, expiresOn: e.expiresOn, remaining: add },
            ];
            lots.sort(order);
          }
        }
      } else if (e.kind === 'expire') {
        const before = e.data.before ?? e.localDate;
        const due = lots.filter((l) => l.expiresOn !== null && l.expiresOn < before);
        if (due.reduce((a, l) => a + l.remaining, 0) !== e.points) return 'throws';
        lots = lots.filter((l) => !due.includes(l));
      } else {
        const next = lots.map((l) => ({ ...l }));
        let left = e.points;
        const take = (l: Lot): void => {
          const t = Math.min(l.remaining, left);
          l.remaining -= t;
          left -= t;
        };
        // An expired lot cannot pay; it waits for its expire entry.
        const live = (l: Lot): boolean => l.expiresOn === null || l.expiresOn >= e.localDate;
        const own =
          e.kind === 'reverse' && e.data.lotId ? next.find((l) => l.id === e.data.lotId && live(l)) : undefined;
        if (own) take(own);
        for (const l of next) if (left > 0 && live(l)) take(l);
        lots = next.filter((l) => l.remaining > 0);
        debt += left;
      }
    }
    return { lots, debt };
  }

  it('property: the reducer keeps exactly the model lots and debt, in order', () => {
    const kind = fc.constantFrom<EntryKind>(
      'earn',
      'bonus',
      'restore',
      'adjust_credit',
      'redeem',
      'reward',
      'reverse',
      'adjust_debit',
      'expire',
    );
    const day = fc.integer({ min: 1, max: 28 }).map((d) => `2026-03-${String(d).padStart(2, '0')}`);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind,
            points: fc.integer({ min: 0, max: 300 }),
            on: day,
            expiresOn: fc.option(day, { nil: null }),
            lot: fc.nat(),
            dueOnly: fc.boolean(),
          }),
          { maxLength: 40 },
        ),
        (ops) => {
          const specs: { kind: EntryKind; points: number; on: string; expiresOn?: string | null; data?: object }[] = [];
          for (const [i, o] of ops.entries()) {
            const data: Record<string, string> = {};
            if (o.kind === 'reverse' && i > 0) {
              const j = specs[o.lot % i] as { on: string; expiresOn?: string | null };
              data.lotId = lotKey(j.on, j.expiresOn ?? null);
            }
            let points = o.points;
            if (o.kind === 'expire') {
              data.before = o.on;
              // Mostly the exact due sum (an honest expiry run), sometimes not (the reducer refuses).
              const m = model(chain(specs));
              if (o.dueOnly && m !== 'throws') {
                points = m.lots
                  .filter((l) => l.expiresOn !== null && l.expiresOn < o.on)
                  .reduce((a, l) => a + l.remaining, 0);
              }
            }
            specs.push({ kind: o.kind, points, on: o.on, expiresOn: o.expiresOn, data });
          }
          const es = chain(specs);
          const want = model(es);
          if (want === 'throws') {
            expect(() => foldEntries('M1', 'ordinary', es)).toThrow(LedgerStateError);
            return;
          }
          const s = foldEntries('M1', 'ordinary', es);
          expect({ lots: s.lots, debt: s.debt }).toEqual(want);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('coupons folded in either order (DOMAIN.md 12)', () => {
  const issue = {
    kind: 'reward' as const,
    points: 100,
    on: '2026-03-01',
    data: { couponCode: 'C1', rewardId: 'r', couponValue: 500, validTo: '2026-04-01' },
  };
  const use = {
    kind: 'coupon_use' as const,
    points: 0,
    on: '2026-03-01',
    data: { couponCode: 'C1', usedOnSale: 'S9' },
  };
  const earn = { kind: 'earn' as const, points: 200, on: '2026-03-01' };

  it('a use folded before its issue waits, and the coupon starts used', () => {
    const [e, u, i] = chain([earn, use, issue]);
    const s = foldEntries('M1', 'ordinary', [e!, u!, i!]);
    expect(s.coupons?.C1).toMatchObject({ usedBy: 't1:2', usedSaleId: 'S9' });
    expect(s.couponUsesAhead).toBeUndefined();
    const inOrder = foldEntries('M1', 'ordinary', [e!, i!, u!]);
    expect(inOrder.coupons?.C1).toMatchObject({ usedBy: 't1:2', usedSaleId: 'S9' });
  });

  it('a second use waiting for the issue is a second use', () => {
    const [u1, u2] = chain([use, use]);
    const s = foldEntries('M1', 'ordinary', [u1!]);
    expect(s.couponUsesAhead?.C1?.usedBy).toBe('t1:1');
    expect(isSecondCouponUse(s, u2!)).toBe(true);
  });

  it('a use whose coupon never comes is dropped 35 days on', () => {
    const [u, later] = chain([use, { ...use, on: '2026-04-10', data: { couponCode: 'C2' } }]);
    const s = foldEntries('M1', 'ordinary', [u!, later!]);
    expect(Object.keys(s.couponUsesAhead ?? {})).toEqual(['C2']);
  });
});

/** The state folded from `specs` as one chain of member M1, enrolled on the lowest tier. */
const fold = (specs: Parameters<typeof chain>[0]) => foldEntries('M1', 'ordinary', chain(specs));

describe('a tier review folded onto a state it did not judge (DOMAIN.md 5, 12)', () => {
  const silver = { kind: 'tier' as const, points: 0, on: '2025-01-10' };
  const up = (from: string, to: string, rank: number) => ({ fromTier: from, toTier: to, reason: 'threshold', rank });
  const review = (from: string, to: string, rank: number, threshold?: number) => ({
    kind: 'tier' as const,
    points: 0,
    on: '2025-07-01',
    data: { fromTier: from, toTier: to, reason: 'review', before: '2025-06-30', rank, threshold },
  });
  const earn = (on: string, spend: number) => ({ kind: 'earn' as const, points: 0, on, spend });

  it('a downgrade applies on the spend it judged', () => {
    const s = fold([
      earn('2025-01-10', 300_000),
      { ...silver, data: up('ordinary', 'silver', 1) },
      review('silver', 'ordinary', 0, 500_000),
    ]);
    expect(s).toMatchObject({ tier: 'ordinary', reviewedThrough: '2025-06-30', tierSince: '2025-06-30' });
  });

  it('a downgrade folded onto spend that meets the threshold it judged keeps the tier, the review done', () => {
    const s = fold([
      earn('2025-01-10', 300_000),
      { ...silver, data: up('ordinary', 'silver', 1) },
      earn('2025-06-20', 200_000), // an offline till's sale, uploaded after the review was written
      review('silver', 'ordinary', 0, 500_000),
    ]);
    expect(s).toMatchObject({ tier: 'silver', reviewedThrough: '2025-06-30', tierSince: '2025-01-10' });
  });

  it('a review written before reviews carried a threshold applies as it says', () => {
    const s = fold([
      earn('2025-01-10', 300_000),
      { ...silver, data: up('ordinary', 'silver', 1) },
      earn('2025-06-20', 200_000),
      review('silver', 'ordinary', 0),
    ]);
    expect(s.tier).toBe('ordinary');
  });

  it('a review naming a tier the member no longer holds is void, and stays due', () => {
    const s = fold([
      earn('2025-01-10', 600_000),
      { ...silver, data: up('ordinary', 'silver', 1) },
      { kind: 'tier', points: 0, on: '2025-06-20', data: { ...up('silver', 'gold', 2), reason: 'instant' } },
      review('silver', 'silver', 1, 500_000),
    ]);
    expect(s).toMatchObject({ tier: 'gold', tierSince: '2025-06-20', reviewedThrough: null });
  });
});

describe('an upgrade decided below the stored tier (DOMAIN.md 5, 12)', () => {
  const earn = (on: string, spend: number) => ({ kind: 'earn' as const, points: 0, on, spend });
  const tier = (on: string, data: object) => ({ kind: 'tier' as const, points: 0, on, data });
  // Diamond on 10 Jan (instant); the till's reviews in memory: 30 June Diamond -> Gold, 30 September Gold -> Silver.
  const diamond = tier('2024-01-10', { fromTier: 'ordinary', toTier: 'diamond', reason: 'instant', rank: 3 });
  const inMemory = [
    { before: '2024-06-30', from: 'diamond', to: 'gold', threshold: 5_000_000 },
    { before: '2024-09-30', from: 'gold', to: 'silver', threshold: 1_000_000 },
  ];
  const toGold = (reviewedInMemory?: object[]) =>
    tier('2024-10-15', { fromTier: 'silver', toTier: 'gold', reason: 'threshold', rank: 2, reviewedInMemory });

  it('stands when the reviews it was decided after judge the same on the spend known', () => {
    const s = fold([earn('2024-01-10', 300_000), diamond, toGold(inMemory)]);
    expect(s).toMatchObject({ tier: 'gold', tierRank: 2, tierSince: '2024-10-15' });
  });

  it('does not lower a tier that spend the till did not know keeps (a smaller view)', () => {
    // Another store's 9,000 yuan in June: on the spend known, 30 September keeps Gold.
    const s = fold([earn('2024-01-10', 300_000), diamond, earn('2024-06-01', 900_000), toGold(inMemory)]);
    expect(s).toMatchObject({ tier: 'diamond', tierRank: 3 });
  });

  it('without the reviews it was decided after, the rank rule keeps the stored tier', () => {
    const s = fold([earn('2024-01-10', 300_000), diamond, toGold()]);
    expect(s).toMatchObject({ tier: 'diamond', tierRank: 3 });
  });
});
