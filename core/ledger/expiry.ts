/** Expiry dates of lots (DOMAIN.md 7). */
import type { RuleSet } from '../ruleset/schema.js';
import { addMonthsClamped } from '../time.js';

/**
 * Days ahead a member is shown the points about to expire (DOMAIN.md 7: "the receipt and the
 * member screen show the points expiring in the next 60 days"): the till's member screen and
 * receipt, head office's member view and the member's own page.
 */
export const EXPIRING_SOON_DAYS = 60;

/** The last local date on which points earned on `earnedOn` can be used. */
export function expiryDate(ruleSet: RuleSet, earnedOn: string): string | null {
  const p = ruleSet.expiry;
  switch (p.policy) {
    case 'rollingMonths': {
      // "points earned on D expire at the end of the same date N months later"
      return addMonthsClamped(earnedOn, p.months);
    }
    case 'endOfNextYear':
      return `${Number(earnedOn.slice(0, 4)) + 1}-12-31`;
    case 'never':
      return null;
    default: {
      const never: never = p;
      throw new Error(`unknown expiry policy ${JSON.stringify(never)}`);
    }
  }
}
