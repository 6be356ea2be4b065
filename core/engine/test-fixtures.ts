/** Shared builders for the engine's tests (not used by production code). */
import { DEFAULT_RULE_SET_INPUT } from '../ruleset/default.js';
import { parseRuleSet, type RuleSet, type RuleSetInput } from '../ruleset/schema.js';
import { RuleViolation, type BasketLineInput, type EarnInput, type MemberContext } from './types.js';

export function ruleSet(overrides: Partial<RuleSetInput> = {}): RuleSet {
  return parseRuleSet({ ...DEFAULT_RULE_SET_INPUT, ...overrides });
}

export function member(overrides: Partial<MemberContext> = {}): MemberContext {
  return {
    memberNo: 'M0001',
    tier: 'ordinary',
    birthday: null,
    winBackUntil: null,
    earnedToday: 0,
    stamps: 0,
    birthdayGiftYear: null,
    ...overrides,
  };
}

export function line(sku: string, category: string, unitPrice: number, quantity = 1, discount = 0): BasketLineInput {
  return { sku, category, quantity, unitPrice, discount };
}

/** 2024-05-08 is a Wednesday; 10:00 in Shanghai. */
export const WED_8_MAY = '2024-05-08T02:00:00Z';

export function sale(overrides: Partial<EarnInput> = {}): EarnInput {
  return {
    lines: [],
    basketDiscount: 0,
    pointsRedeemed: 0,
    occurredAt: WED_8_MAY,
    member: member(),
    ...overrides,
  };
}

export const name = (en: string, zh = en): { en: string; zh: string } => ({ en, zh });

/** Runs fn and returns the RuleViolation it throws; anything else fails the test. */
export function violation(fn: () => unknown): RuleViolation {
  try {
    fn();
  } catch (e) {
    if (e instanceof RuleViolation) return e;
    throw e;
  }
  throw new Error('expected a RuleViolation');
}
