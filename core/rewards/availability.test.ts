/** The availability rules of rewards that create urgency (issue 15 item 7), one rule per test. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../ruleset/default.js';
import { InvalidRuleSetError, parseRuleSet } from '../ruleset/schema.js';
import { availability, knownRemaining, refusalOf, remainingStock, rewardWindow } from './availability.js';

const days = { availableFrom: '2026-12-01', availableUntil: '2026-12-31' };

describe('limited time: inclusive local days', () => {
  it('opens on availableFrom and closes after availableUntil', () => {
    expect(rewardWindow(days, '2026-11-30')).toBe('not_started');
    expect(rewardWindow(days, '2026-12-01')).toBe('open');
    expect(rewardWindow(days, '2026-12-31')).toBe('open');
    expect(rewardWindow(days, '2027-01-01')).toBe('ended');
  });

  it('an absent bound does not bound', () => {
    expect(rewardWindow({}, '1999-01-01')).toBe('open');
    expect(rewardWindow({ availableUntil: '2026-12-31' }, '2000-01-01')).toBe('open');
    expect(rewardWindow({ availableFrom: '2026-12-01' }, '2999-01-01')).toBe('open');
  });
});

describe('limited stock', () => {
  it('head office: remaining = stock − taken, never below zero', () => {
    expect(remainingStock(5, 2)).toBe(3);
    expect(remainingStock(5, 5)).toBe(0);
    expect(remainingStock(5, 7)).toBe(0);
  });

  it("offline till: the last count less its own offline issues since; never heard a count = can't know", () => {
    expect(knownRemaining(3, 0)).toBe(3);
    expect(knownRemaining(3, 2)).toBe(1);
    expect(knownRemaining(3, 3)).toBe(0);
    expect(knownRemaining(3, 5)).toBe(0);
    expect(knownRemaining(null, 0)).toBeNull();
  });
});

describe('what the cashier sees', () => {
  it('"仅剩 3 件" and "限时至 12月31日": available with the count and the last day', () => {
    expect(availability({ ...days, stock: 10 }, '2026-12-15', 3)).toEqual({
      state: 'available',
      remaining: 3,
      from: '2026-12-01',
      until: '2026-12-31',
    });
  });

  it('an unlimited reward has no count', () => {
    expect(availability({}, '2026-12-15', null)).toEqual({
      state: 'available',
      remaining: null,
      from: null,
      until: null,
    });
  });

  it('no unit left, or never heard a count: sold out', () => {
    expect(availability({ stock: 10 }, '2026-12-15', 0).state).toBe('sold_out');
    expect(availability({ stock: 10 }, '2026-12-15', null)).toMatchObject({ state: 'sold_out', remaining: 0 });
  });

  it('time comes before stock: outside its days it is not_started / ended whatever is left', () => {
    expect(availability({ ...days, stock: 10 }, '2026-11-30', 0).state).toBe('not_started');
    expect(availability({ ...days, stock: 10 }, '2027-01-01', 5).state).toBe('ended');
  });

  it('each state has its typed refusal code', () => {
    expect(refusalOf('available')).toBeNull();
    expect(refusalOf('sold_out')).toBe('reward_sold_out');
    expect(refusalOf('not_started')).toBe('reward_not_started');
    expect(refusalOf('ended')).toBe('reward_ended');
  });
});

describe('rule set', () => {
  const withReward = (r: Record<string, unknown>) => ({
    ...DEFAULT_RULE_SET_INPUT,
    rewards: [{ id: 'mug', name: { zh: '马克杯', en: 'Mug' }, points: 100, kind: 'service', ...r }],
  });

  it('takes days and a stock; rule sets without them parse as before', () => {
    const rs = parseRuleSet(withReward({ ...days, stock: 50 }));
    expect(rs.rewards[0]).toMatchObject({ ...days, stock: 50 });
    expect(parseRuleSet(DEFAULT_RULE_SET_INPUT).rewards[0]).not.toHaveProperty('stock');
  });

  it('refuses days that end before they start, a negative stock, a bad date and a duplicate id', () => {
    const issues = (input: unknown): string[] => {
      try {
        parseRuleSet(input);
        return [];
      } catch (e) {
        if (!(e instanceof InvalidRuleSetError)) throw e;
        return e.issues.map((i) => `${i.path}: ${i.message}`);
      }
    };
    expect(issues(withReward({ availableFrom: '2026-12-31', availableUntil: '2026-12-01' }))).toEqual([
      'rewards.0.availableUntil: ends before it starts',
    ]);
    expect(issues(withReward({ stock: -1 }))[0]).toMatch(/^rewards\.0\.stock/);
    expect(issues(withReward({ availableUntil: '31/12/2026' }))[0]).toMatch(/^rewards\.0\.availableUntil/);
    const dup = withReward({});
    expect(issues({ ...dup, rewards: [...dup.rewards, ...dup.rewards] })).toEqual([
      'rewards.1.id: duplicate reward id',
    ]);
  });
});
