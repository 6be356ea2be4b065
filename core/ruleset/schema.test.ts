import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET, DEFAULT_RULE_SET_INPUT } from './default.js';
import { InvalidRuleSetError, parseRuleSet } from './schema.js';

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseRuleSet(input);
  } catch (e) {
    if (e instanceof InvalidRuleSetError) return e.issues;
    throw e;
  }
  return [];
}

describe('rule set schema', () => {
  it('ships the default programme of DOMAIN.md', () => {
    const rs = DEFAULT_RULE_SET;
    expect(rs.earn.baseRate).toBe('1');
    expect(rs.earn.perMemberDailyMax).toBe(5000);
    expect(rs.earn.excludedCategories).toEqual(['tobacco', 'gift-card']);
    expect(rs.tiers.map((t) => [t.code, t.earnMultiplier, t.threshold])).toEqual([
      ['ordinary', '1', 0],
      ['silver', '1.2', 500_000],
      ['gold', '1.5', 1_000_000],
      ['diamond', '2', 5_000_000],
    ]);
    expect(rs.tiers.map((t) => t.name.zh)).toEqual(['普通会员', '银卡', '金卡', '钻石卡']);
    expect(rs.redemption).toMatchObject({ pointsPerCurrencyUnit: 100, minimumPoints: 100, maxShareOfBasket: '0.5' });
    expect(rs.redemption.offlineAfterMinutes).toBe(15);
    expect(rs.redemption.offlineRedemptionDailyMax).toBe(2000);
    expect(rs.redemption.maxRedemptionsPerMinute).toBe(100);
    expect(rs.tiers[3]?.redemptionBonus).toBe('0.2');
    expect(rs.rewards.map((r) => [r.points, r.kind])).toEqual([
      [150, 'voucher'],
      [1000, 'coupon'],
      [5000, 'service'],
    ]);
    expect(rs.expiry).toEqual({ policy: 'rollingMonths', months: 12 });
    expect(rs.timeZone).toBe('Asia/Shanghai');
    expect(rs.winBack).toEqual({ multiplier: '2', days: 30, autoGrant: false });
    expect(rs.lateSaleMaxDays).toBe(30);
  });

  it('fills every default from a minimal rule set', () => {
    const rs = parseRuleSet({
      version: 7,
      effectiveFrom: '2027-01-01T00:00:00+08:00',
      tiers: [{ code: 'basic', name: { zh: '会员', en: 'Member' }, threshold: 0 }],
    });
    expect(rs.earn.perMemberDailyMax).toBe(5000);
    expect(rs.tiers[0]?.earnMultiplier).toBe('1');
    expect(rs.returns.insufficientBalance).toBe('allowNegative');
    expect(rs.cards.barcodeCheck).toBe('ean13');
  });

  it('refuses an invalid rule set naming each bad field', () => {
    const bad = {
      ...DEFAULT_RULE_SET_INPUT,
      earn: { ...DEFAULT_RULE_SET_INPUT.earn, baseRate: '1.2345', categoryMultipliers: { dairy: 'two' } },
      timeZone: 'Mars/Olympus',
    };
    const paths = issuesOf(bad).map((i) => i.path);
    expect(paths).toContain('earn.baseRate');
    expect(paths).toContain('earn.categoryMultipliers.dairy');
    expect(paths).toContain('timeZone');
    expect(() => parseRuleSet(bad)).toThrow(/earn\.baseRate/);
  });

  it('refuses tiers out of order, a first tier above zero and promotions naming unknown tiers', () => {
    const tiers = [
      { code: 'a', name: { zh: 'A', en: 'A' }, threshold: 100 },
      { code: 'b', name: { zh: 'B', en: 'B' }, threshold: 50 },
    ];
    const paths = issuesOf({
      version: 1,
      effectiveFrom: '2026-01-01T00:00:00Z',
      tiers,
      promotions: [
        { id: 'p', name: { zh: 'P', en: 'P' }, multiplier: '2', tiers: ['zz'], from: '2026-02-01', to: '2026-01-01' },
      ],
    }).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['tiers.1.threshold', 'tiers.0.threshold', 'promotions.0.tiers.0', 'promotions.0.to']),
    );
  });

  it('refuses missing version, negative caps and a basket share above 1', () => {
    const paths = issuesOf({
      effectiveFrom: 'yesterday',
      tiers: DEFAULT_RULE_SET_INPUT.tiers,
      earn: { perTransactionMax: -1 },
      redemption: { maxShareOfBasket: '1.5' },
    }).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['version', 'effectiveFrom', 'earn.perTransactionMax']));
    expect(
      issuesOf({ ...DEFAULT_RULE_SET_INPUT, redemption: { maxShareOfBasket: '1.5' } }).map((i) => i.path),
    ).toContain('redemption.maxShareOfBasket');
  });
});
