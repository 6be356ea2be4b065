import { describe, expect, it } from 'vitest';
import { computeEarn } from './earn.js';
import { line, member, name, ruleSet, sale, violation } from './test-fixtures.js';
import type { EarnInput } from './types.js';

const memberDay = { id: 'member-day', name: name('member day', '会员日'), multiplier: '2', weekdays: [3] };

describe('computeEarn: the worked example', () => {
  // Gold (×1.5) member on member day (Wednesdays ×2), ¥10 basket discount, tobacco line,
  // 500 points tendered, weighed apples 0.375 kg.
  //
  // gross: rice 2×2500 = 5000; wine 8800 (own discount 800 -> 8000); cigarettes 3000;
  //        apples 0.375×1600 = 600.                       Σ after own discounts = 16600
  // basket discount 1000 pro rata by 5000/8000/3000/600:
  //   1000×5000/16600 = 301.204  1000×8000/16600 = 481.927
  //   1000×3000/16600 = 180.722  1000×600/16600  =  36.145
  //   floors 301+481+180+36 = 998, 2 left -> largest remainders wine (.927), cigarettes (.722)
  //   shares 301, 482, 181, 36
  // net: 4699, 7518, 2819, 564                            total 15600
  // points tender: Gold has no redemption bonus, 500 points = 500 fen, pro rata by net:
  //   500×4699/15600 = 150.609  500×7518/15600 = 240.962
  //   500×2819/15600 =  90.353  500×564/15600  =  18.077
  //   floors 150+240+90+18 = 498, 2 left -> wine (.962), rice (.609)
  //   P = 151, 241, 90, 18
  // eligible: 4699-151 = 4548; 7518-241 = 7277; tobacco 0; 564-18 = 546.    Σ = 12371
  // points = floor(12371 × 1 × 1.5 × 2 / 100) = floor(371.13) = 371
  // base (display) = floor(12371 / 100) = 123
  // qualifying = 4699 + 7518 + 564 = 12781
  const rs = ruleSet({ promotions: [memberDay] });
  const input = sale({
    lines: [
      line('rice', 'grocery', 2500, 2),
      line('wine', 'drinks', 8800, 1, 800),
      line('cig', 'tobacco', 3000),
      line('apple', 'produce', 1600, 0.375),
    ],
    basketDiscount: 1000,
    pointsRedeemed: 500,
    // 17:00 UTC Tuesday = 01:00 Wednesday in Shanghai: member day is a local-date rule.
    occurredAt: '2024-05-07T17:00:00Z',
    member: member({ tier: 'gold' }),
  });
  const r = computeEarn(rs, input);

  it('allocates the basket discount and the points tender by largest remainder', () => {
    expect(r.lines.map((l) => l.gross)).toEqual([5000, 8800, 3000, 600]);
    expect(r.lines.map((l) => l.discount)).toEqual([301, 800 + 482, 181, 36]);
    expect(r.lines.map((l) => l.net)).toEqual([4699, 7518, 2819, 564]);
    expect(r.lines.map((l) => l.pointsTender)).toEqual([151, 241, 90, 18]);
    expect(r.lines.map((l) => l.eligible)).toEqual([4548, 7277, 0, 546]);
    expect(r.lines.map((l) => l.quantityMilli)).toEqual([2000, 1000, 1000, 375]);
  });

  it('computes totals and points', () => {
    expect(r.gross).toBe(17400);
    expect(r.total).toBe(15600);
    expect(r.redemptionValue).toBe(500);
    expect(r.eligibleSpend).toBe(12371);
    expect(r.qualifyingSpend).toBe(12781);
    expect(r.pointsBeforeCaps).toBe(371);
    expect(r.points).toBe(371);
    expect(r.withheldByCaps).toBe(0);
    expect(r.bonuses).toEqual([]);
  });

  it('marks excluded lines and the winning promotion per line', () => {
    expect(r.lines.map((l) => l.excluded)).toEqual([false, false, true, false]);
    expect(r.lines.map((l) => l.promotionId)).toEqual(['member-day', 'member-day', null, 'member-day']);
    expect(r.lines.map((l) => l.promoMultiplierMilli)).toEqual([2000, 2000, 1000, 2000]);
  });

  it('explains itself in order: base, excluded, points tender, tier, promotion', () => {
    expect(r.breakdown).toEqual([
      { kind: 'base', eligibleSpend: 12371, baseRateMilli: 1000, points: 123 },
      { kind: 'excluded', amount: 2819, categories: ['tobacco'] },
      { kind: 'pointsTender', amount: 500 },
      { kind: 'tier', tier: 'gold', multiplierMilli: 1500 },
      { kind: 'promotion', promotionId: 'member-day', multiplierMilli: 2000, categories: null },
    ]);
    expect(r.breakdownText.en).toBe(
      'base 123, excluded ¥28.19 (tobacco), paid by points ¥5.00, Gold ×1.5, member day ×2 = 371',
    );
    expect(r.breakdownText.zh).toBe('基础 123，不积分 ¥28.19（烟草），积分抵现 ¥5.00，金卡 ×1.5，会员日 ×2 = 371');
  });

  it('is not member day on the UTC Tuesday evening before it', () => {
    // 2024-05-07T15:00Z = 23:00 Tuesday in Shanghai: no promotion, floor(12371 × 1.5 / 100) = 185
    const tue = computeEarn(rs, { ...input, occurredAt: '2024-05-07T15:00:00Z' });
    expect(tue.points).toBe(185);
    expect(tue.lines.every((l) => l.promotionId === null)).toBe(true);
  });
});

describe('computeEarn: allocation', () => {
  it('gives remainder ties to the earlier line', () => {
    // 100 over three equal lines: 33.33 each, floors 99, the 1 left goes to line 0.
    // net 966, 967, 967 -> Σ 2900 -> 29 points
    const r = computeEarn(
      ruleSet(),
      sale({ lines: [line('a', 'x', 1000), line('b', 'x', 1000), line('c', 'x', 1000)], basketDiscount: 100 }),
    );
    expect(r.lines.map((l) => l.discount)).toEqual([34, 33, 33]);
    expect(r.lines.map((l) => l.net)).toEqual([966, 967, 967]);
    expect(r.points).toBe(29);
  });

  it('allocates the basket discount by the line total after its own discount', () => {
    // weights 1000-500 = 500 and 500: a discount of 1 is a tie -> line 0.
    const r = computeEarn(
      ruleSet(),
      sale({ lines: [line('a', 'x', 1000, 1, 500), line('b', 'x', 500)], basketDiscount: 1 }),
    );
    expect(r.lines.map((l) => l.discount)).toEqual([501, 0]);
  });

  it('rounds weighed goods half up to the fen', () => {
    // 0.375 × 1599 = 599.625 -> 600; 0.375 × 1598 = 599.25 -> 599
    const r = computeEarn(
      ruleSet(),
      sale({ lines: [line('a', 'produce', 1599, 0.375), line('b', 'produce', 1598, 0.375)] }),
    );
    expect(r.lines.map((l) => l.gross)).toEqual([600, 599]);
    expect(r.points).toBe(11); // floor(1199 / 100)
  });

  it('applies one floor at the end, not per line', () => {
    // two lines of ¥1.50: per-line floors would give 1 + 1; floor(300 / 100) = 3
    const r = computeEarn(ruleSet(), sale({ lines: [line('a', 'x', 150), line('b', 'x', 150)] }));
    expect(r.points).toBe(3);
  });

  it('values a Diamond points tender at 100 points = ¥1.20', () => {
    // 100 points -> 120 fen; eligible 1000 - 120 = 880; floor(880 × 2 / 100) = 17
    const r = computeEarn(
      ruleSet(),
      sale({ lines: [line('a', 'x', 1000)], pointsRedeemed: 100, member: member({ tier: 'diamond' }) }),
    );
    expect(r.redemptionValue).toBe(120);
    expect(r.eligibleSpend).toBe(880);
    expect(r.points).toBe(17);
  });
});

describe('computeEarn: category multipliers and exclusions', () => {
  it('multiplies per category without intermediate rounding', () => {
    // drinks ×2: 1000 -> 2000; grocery ×1: 1000; produce ×0.5: 1001 -> 500.5
    // raw 3500.5 -> floor(35.005) = 35
    const rs = ruleSet({
      earn: { ...ruleSet().earn, categoryMultipliers: { drinks: '2', produce: '0.5' } },
    });
    const r = computeEarn(
      rs,
      sale({ lines: [line('d', 'drinks', 1000), line('g', 'grocery', 1000), line('p', 'produce', 1001)] }),
    );
    expect(r.points).toBe(35);
    expect(r.lines.map((l) => l.categoryMultiplierMilli)).toEqual([2000, 1000, 500]);
    expect(r.breakdown.filter((b) => b.kind === 'category')).toEqual([
      { kind: 'category', category: 'drinks', multiplierMilli: 2000, amount: 1000 },
      { kind: 'category', category: 'produce', multiplierMilli: 500, amount: 1001 },
    ]);
    expect(r.breakdownText.en).toBe('base 30, drinks ×2, produce ×0.5 = 35');
  });

  it('does not read multipliers from Object.prototype', () => {
    const r = computeEarn(ruleSet(), sale({ lines: [line('a', 'constructor', 1000)] }));
    expect(r.lines[0]?.categoryMultiplierMilli).toBe(1000);
    expect(r.points).toBe(10);
  });

  it('earns nothing on excluded lines and leaves them out of qualifying spend', () => {
    // tobacco 5000 + gift card 10000 + grocery 1234 -> only 1234 earns: 12 points
    const r = computeEarn(
      ruleSet(),
      sale({ lines: [line('t', 'tobacco', 5000), line('g', 'gift-card', 10000), line('r', 'grocery', 1234)] }),
    );
    expect(r.points).toBe(12);
    expect(r.qualifyingSpend).toBe(1234);
    expect(r.total).toBe(16234);
    expect(r.breakdown[1]).toEqual({ kind: 'excluded', amount: 15000, categories: ['tobacco', 'gift-card'] });
  });
});

describe('computeEarn: promotions', () => {
  const tenYuan = [line('a', 'grocery', 10000)];

  it('does not stack: of two active promotions the largest wins', () => {
    // ×2 member day and ×3 holiday both active on 8 May: 100 × 3 = 300, not 100 × 6
    const rs = ruleSet({
      promotions: [
        memberDay,
        { id: 'holiday', name: name('holiday', '节日'), multiplier: '3', from: '2024-05-01', to: '2024-05-08' },
      ],
    });
    const r = computeEarn(rs, sale({ lines: tenYuan }));
    expect(r.points).toBe(300);
    expect(r.lines[0]?.promotionId).toBe('holiday');
    expect(r.breakdown.filter((b) => b.kind === 'promotion')).toHaveLength(1);
  });

  it('gives an equal multiplier to the promotion declared first', () => {
    const rs = ruleSet({
      promotions: [memberDay, { id: 'also-two', name: name('also two'), multiplier: '2', daysOfMonth: [8] }],
    });
    expect(computeEarn(rs, sale({ lines: tenYuan })).lines[0]?.promotionId).toBe('member-day');
  });

  it('respects from/to inclusive and days of month', () => {
    const p = (from: string, to: string) =>
      ruleSet({ promotions: [{ id: 'p', name: name('p'), multiplier: '2', from, to }] });
    expect(computeEarn(p('2024-05-08', '2024-05-08'), sale({ lines: tenYuan })).points).toBe(200);
    expect(computeEarn(p('2024-05-09', '2024-05-31'), sale({ lines: tenYuan })).points).toBe(100);
    expect(computeEarn(p('2024-05-01', '2024-05-07'), sale({ lines: tenYuan })).points).toBe(100);
    const dom = (days: number[]) =>
      ruleSet({ promotions: [{ id: 'p', name: name('p'), multiplier: '2', daysOfMonth: days }] });
    expect(computeEarn(dom([8, 18, 28]), sale({ lines: tenYuan })).points).toBe(200);
    expect(computeEarn(dom([9]), sale({ lines: tenYuan })).points).toBe(100);
  });

  it('applies a category-scoped promotion only to its lines, largest per line', () => {
    // drinks: max(×3 drinks, ×2 holiday) = ×3 -> 3000; grocery: ×2 -> 2000; Σ 5000 -> 50
    const rs = ruleSet({
      promotions: [
        { id: 'holiday', name: name('holiday', '节日'), multiplier: '2', from: '2024-05-01', to: '2024-05-31' },
        { id: 'drinks-x3', name: name('drinks triple', '饮品三倍'), multiplier: '3', categories: ['drinks'] },
      ],
    });
    const r = computeEarn(rs, sale({ lines: [line('d', 'drinks', 1000), line('g', 'grocery', 1000)] }));
    expect(r.points).toBe(50);
    expect(r.lines.map((l) => l.promotionId)).toEqual(['drinks-x3', 'holiday']);
    expect(r.breakdownText.en).toBe('base 20, holiday ×2, drinks triple ×3 (drinks) = 50');
    expect(r.breakdownText.zh).toBe('基础 20，节日 ×2，饮品三倍 ×3（饮料） = 50');
  });

  it('activates at exactly minSpend of eligible spend, after the points tender', () => {
    const rs = ruleSet({ promotions: [{ id: 'big', name: name('big'), multiplier: '2', minSpend: 10000 }] });
    // 9999 eligible: inactive -> floor(99.99) = 99
    expect(computeEarn(rs, sale({ lines: [line('a', 'x', 9999)] })).points).toBe(99);
    // 10000 eligible: active -> 200
    expect(computeEarn(rs, sale({ lines: [line('a', 'x', 10000)] })).points).toBe(200);
    // 10099 paid 100 points (= 100 fen) -> eligible 9999: inactive -> 99
    expect(computeEarn(rs, sale({ lines: [line('a', 'x', 10099)], pointsRedeemed: 100 })).points).toBe(99);
    // 10100 paid 100 points -> eligible 10000: active -> 200
    expect(computeEarn(rs, sale({ lines: [line('a', 'x', 10100)], pointsRedeemed: 100 })).points).toBe(200);
  });

  it('measures minSpend of a category promotion on its categories only', () => {
    const rs = ruleSet({
      promotions: [{ id: 'd', name: name('d'), multiplier: '2', categories: ['drinks'], minSpend: 5000 }],
    });
    // drinks 4999 (+ grocery 6000) -> inactive: floor(10999 / 100) = 109
    expect(computeEarn(rs, sale({ lines: [line('d', 'drinks', 4999), line('g', 'grocery', 6000)] })).points).toBe(109);
    // drinks 5000 -> active: 5000×2 + 6000 = 16000 -> 160
    expect(computeEarn(rs, sale({ lines: [line('d', 'drinks', 5000), line('g', 'grocery', 6000)] })).points).toBe(160);
  });

  it('applies a birthday-month promotion in the member’s birthday month only', () => {
    const rs = ruleSet({
      promotions: [{ id: 'bday', name: name('birthday month', '生日月'), multiplier: '2', birthdayMonth: true }],
    });
    // Ordinary has no birthday gift, so only the multiplier shows: 100 × 2 = 200
    expect(computeEarn(rs, sale({ lines: tenYuan, member: member({ birthday: '05-20' }) })).points).toBe(200);
    expect(computeEarn(rs, sale({ lines: tenYuan, member: member({ birthday: '06-01' }) })).points).toBe(100);
    expect(computeEarn(rs, sale({ lines: tenYuan, member: member({ birthday: null }) })).points).toBe(100);
    expect(computeEarn(rs, sale({ lines: tenYuan, member: null })).points).toBe(100);
  });

  it('applies a tier-scoped promotion to those tiers only', () => {
    const rs = ruleSet({ promotions: [{ id: 'g', name: name('gold day'), multiplier: '2', tiers: ['gold'] }] });
    // Gold: 100 × 1.5 × 2 = 300; Silver: 100 × 1.2 = 120
    expect(computeEarn(rs, sale({ lines: tenYuan, member: member({ tier: 'gold' }) })).points).toBe(300);
    expect(computeEarn(rs, sale({ lines: tenYuan, member: member({ tier: 'silver' }) })).points).toBe(120);
  });

  it('treats an active win-back offer as a sale-wide promotion that does not stack', () => {
    const until = (d: string | null) => sale({ lines: tenYuan, member: member({ winBackUntil: d }) });
    // default win-back ×2, valid through its last day inclusive
    const on = computeEarn(ruleSet(), until('2024-05-08'));
    expect(on.points).toBe(200);
    expect(on.lines[0]?.promotionId).toBe('win-back');
    expect(computeEarn(ruleSet(), until('2024-05-07')).points).toBe(100);
    // against a ×3 holiday the holiday wins: 300, not 600
    const rs = ruleSet({ promotions: [{ id: 'h', name: name('h'), multiplier: '3', from: '2024-05-01' }] });
    expect(computeEarn(rs, until('2024-06-01')).points).toBe(300);
    // a declared winBack promotion needs the offer to be active
    const wb = ruleSet({ promotions: [{ id: 'wb', name: name('wb'), multiplier: '4', winBack: true }] });
    expect(computeEarn(wb, until('2024-06-01')).points).toBe(400);
    expect(computeEarn(wb, until(null)).points).toBe(100);
  });
});

describe('computeEarn: caps', () => {
  it('caps a single transaction', () => {
    // 15000 fen -> 150 points, per-transaction max 100 -> 100, 50 withheld
    const rs = ruleSet({ earn: { ...ruleSet().earn, perTransactionMax: 100 } });
    const r = computeEarn(rs, sale({ lines: [line('a', 'x', 15000)] }));
    expect([r.pointsBeforeCaps, r.points, r.withheldByCaps]).toEqual([150, 100, 50]);
    expect(r.breakdown.filter((b) => b.kind === 'cap')).toEqual([
      { kind: 'cap', cap: 'perTransaction', limit: 100, withheld: 50 },
    ]);
    expect(r.breakdownText.en).toBe('base 150 = 150; per-sale cap: 50 withheld → 100');
  });

  it('caps the member’s day', () => {
    // 30000 fen -> 300 points; 4900 earned today of 5000 -> 100 granted, 200 withheld
    const r = computeEarn(ruleSet(), sale({ lines: [line('a', 'x', 30000)], member: member({ earnedToday: 4900 }) }));
    expect([r.points, r.withheldByCaps]).toEqual([100, 200]);
    expect(r.breakdownText.en).toBe('base 300 = 300; daily cap: 200 withheld → 100');
    expect(r.breakdownText.zh).toBe('基础 300 = 300；每日上限：扣除 200 → 100');
    // already over the cap (e.g. a cap lowered mid-day): nothing, never negative
    const over = computeEarn(
      ruleSet(),
      sale({ lines: [line('a', 'x', 30000)], member: member({ earnedToday: 5200 }) }),
    );
    expect([over.points, over.withheldByCaps]).toEqual([0, 300]);
  });

  it('applies the transaction cap first, then the daily cap', () => {
    // 300 -> per-sale 250 (50 withheld) -> day has 100 left (150 withheld): 100, 200 withheld
    const rs = ruleSet({ earn: { ...ruleSet().earn, perTransactionMax: 250 } });
    const r = computeEarn(rs, sale({ lines: [line('a', 'x', 30000)], member: member({ earnedToday: 4900 }) }));
    expect(r.points).toBe(100);
    expect(r.withheldByCaps).toBe(200);
    expect(r.breakdown.filter((b) => b.kind === 'cap')).toEqual([
      { kind: 'cap', cap: 'perTransaction', limit: 250, withheld: 50 },
      { kind: 'cap', cap: 'daily', limit: 5000, withheld: 150 },
    ]);
  });

  it('has no daily cap when the programme sets none', () => {
    const rs = ruleSet({ earn: { ...ruleSet().earn, perMemberDailyMax: null } });
    const r = computeEarn(rs, sale({ lines: [line('a', 'x', 30000)], member: member({ earnedToday: 99999 }) }));
    expect(r.points).toBe(300);
  });
});

describe('computeEarn: fixed bonuses', () => {
  const gold = (o: Parameters<typeof member>[0]) => member({ tier: 'gold', birthday: '05-20', ...o });
  const basket = [line('a', 'x', 1000)];

  it('grants the tier’s birthday gift once per year in the birthday month', () => {
    // Gold gift 200, not multiplied and outside the sale points (15 = floor(1000 × 1.5 / 100))
    const first = computeEarn(ruleSet(), sale({ lines: basket, member: gold({ birthdayGiftYear: null }) }));
    expect(first.bonuses).toEqual([{ bonus: 'birthday', points: 200 }]);
    expect(first.points).toBe(15);
    expect(first.breakdownText.en).toBe('base 10, Gold ×1.5 = 15; birthday gift +200');
    expect(first.breakdownText.zh).toBe('基础 10，金卡 ×1.5 = 15；生日礼 +200');
    expect(computeEarn(ruleSet(), sale({ lines: basket, member: gold({ birthdayGiftYear: 2023 }) })).bonuses).toEqual([
      { bonus: 'birthday', points: 200 },
    ]);
    expect(computeEarn(ruleSet(), sale({ lines: basket, member: gold({ birthdayGiftYear: 2024 }) })).bonuses).toEqual(
      [],
    );
    // June sale: not the birthday month
    const june = sale({ lines: basket, member: gold({}), occurredAt: '2024-06-03T02:00:00Z' });
    expect(computeEarn(ruleSet(), june).bonuses).toEqual([]);
    // Ordinary has no birthday gift
    expect(computeEarn(ruleSet(), sale({ lines: basket, member: gold({ tier: 'ordinary' }) })).bonuses).toEqual([]);
  });

  it('uses the local month for the birthday', () => {
    // 2024-05-31T16:30Z is 1 June 00:30 in Shanghai
    const s = sale({ lines: basket, member: gold({ birthday: '06-01' }), occurredAt: '2024-05-31T16:30:00Z' });
    expect(computeEarn(ruleSet(), s).bonuses).toEqual([{ bonus: 'birthday', points: 200 }]);
  });

  describe('stamp card', () => {
    const rs = ruleSet({ stampCard: { threshold: 5000, stampsForReward: 10, rewardPoints: 50 } });
    const at = (stamps: number, price = 5000) =>
      computeEarn(rs, sale({ lines: [line('a', 'x', price)], member: member({ stamps }) }));

    it('earns a stamp at the threshold and the reward at the Nth stamp', () => {
      const tenth = at(9);
      expect(tenth.stampEarned).toBe(1);
      expect(tenth.bonuses).toEqual([{ bonus: 'stamp', points: 50 }]);
      expect(tenth.breakdown.slice(-2)).toEqual([
        { kind: 'bonus', bonus: 'stamp', points: 50 },
        { kind: 'stamp', stamps: 10, of: 10 },
      ]);
      expect(tenth.breakdownText.en).toBe('base 50 = 50; stamp reward +50; stamp 10/10');
      const ninth = at(8);
      expect([ninth.stampEarned, ninth.bonuses.length]).toEqual([1, 0]);
      expect(ninth.breakdown.at(-1)).toEqual({ kind: 'stamp', stamps: 9, of: 10 });
      // second card: stamps 19 -> 20th stamp is a multiple of 10
      expect(at(19).bonuses).toEqual([{ bonus: 'stamp', points: 50 }]);
      expect(at(20).breakdown.at(-1)).toEqual({ kind: 'stamp', stamps: 1, of: 10 });
    });

    it('needs the threshold of eligible spend', () => {
      const below = at(9, 4999);
      expect([below.stampEarned, below.bonuses.length]).toEqual([0, 0]);
    });

    it('grants no reward again for a stamp re-earned after a return took one back', () => {
      // 10 stamps (reward granted), a return took one back: the card holds 9, its high mark 10.
      const again = computeEarn(
        rs,
        sale({ lines: [line('a', 'x', 5000)], member: member({ stamps: 9, stampsHigh: 10 }) }),
      );
      expect([again.stampEarned, again.bonuses]).toEqual([1, []]);
      expect(again.breakdown.at(-1)).toEqual({ kind: 'stamp', stamps: 10, of: 10 });
      // Past the high mark the next card's reward comes as usual.
      const next = computeEarn(rs, sale({ lines: [line('a', 'x', 5000)], member: member({ stamps: 19 }) }));
      expect(next.bonuses).toEqual([{ bonus: 'stamp', points: 50 }]);
    });

    it('gives an anonymous basket neither stamps nor bonuses', () => {
      const r = computeEarn(rs, sale({ lines: [line('a', 'x', 5000)], member: null }));
      expect([r.stampEarned, r.bonuses.length]).toEqual([0, 0]);
    });
  });
});

describe('computeEarn: anonymous basket', () => {
  it('quotes the lowest tier, with no member-dependent promotions', () => {
    const rs = ruleSet({
      promotions: [
        { id: 'g', name: name('gold day'), multiplier: '5', tiers: ['ordinary', 'gold'] },
        { id: 'h', name: name('holiday'), multiplier: '2', from: '2024-05-01', to: '2024-05-31' },
      ],
    });
    // tier promotion skipped (needs a member), holiday ×2: 1000 -> 20 at Ordinary ×1
    const r = computeEarn(rs, sale({ lines: [line('a', 'x', 1000)], member: null }));
    expect(r.points).toBe(20);
    expect(r.breakdown.find((b) => b.kind === 'tier')).toEqual({
      kind: 'tier',
      tier: 'ordinary',
      multiplierMilli: 1000,
    });
    expect(r.bonuses).toEqual([]);
  });
});

describe('computeEarn: refusals', () => {
  const rs = ruleSet();
  const bad = (o: Partial<EarnInput>) =>
    violation(() => computeEarn(rs, sale({ lines: [line('a', 'x', 1000)], ...o })));

  it('refuses an unknown tier', () => {
    expect(bad({ member: member({ tier: 'platinum' }) }).code).toBe('unknown_tier');
  });

  it('names the line and field of a bad basket', () => {
    const l = (o: object) => bad({ lines: [line('ok', 'x', 100), { ...line('a', 'x', 1000), ...o }] });
    for (const [o, field] of [
      [{ quantity: 0 }, 'lines[1].quantity'],
      [{ quantity: -1 }, 'lines[1].quantity'],
      [{ quantity: 0.0005 }, 'lines[1].quantity'],
      [{ quantity: Number.NaN }, 'lines[1].quantity'],
      [{ unitPrice: -1 }, 'lines[1].unitPrice'],
      [{ unitPrice: 9.5 }, 'lines[1].unitPrice'],
      [{ discount: 1001 }, 'lines[1].discount'],
      [{ discount: -1 }, 'lines[1].discount'],
      [{ discount: 0.5 }, 'lines[1].discount'],
    ] as const) {
      const v = l(o);
      expect(v.code).toBe('invalid_basket');
      expect(v.message).toContain(field);
    }
  });

  it('refuses a basket discount beyond the basket, bad points and a tender beyond the total', () => {
    expect(bad({ basketDiscount: 1001 }).message).toContain('basketDiscount');
    expect(bad({ basketDiscount: -1 }).code).toBe('invalid_basket');
    expect(bad({ pointsRedeemed: -100 }).message).toContain('pointsRedeemed');
    expect(bad({ pointsRedeemed: 1.5 }).code).toBe('invalid_basket');
    // 1100 points = 1100 fen > 1000 fen basket
    expect(bad({ pointsRedeemed: 1100 }).code).toBe('invalid_basket');
    // exactly the total is allowed here (the basket-share rule is checkRedemption's job)
    expect(computeEarn(rs, sale({ lines: [line('a', 'x', 1000)], pointsRedeemed: 1000 })).eligibleSpend).toBe(0);
  });

  it('accepts a full basket discount and an empty basket', () => {
    expect(computeEarn(rs, sale({ lines: [line('a', 'x', 1000)], basketDiscount: 1000 })).points).toBe(0);
    expect(computeEarn(rs, sale({ lines: [] })).points).toBe(0);
  });

  it('refuses an unreadable sale time', () => {
    expect(bad({ occurredAt: 'yesterday' }).message).toContain('occurredAt');
  });
});
