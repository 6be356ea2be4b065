/**
 * The programme definition (DOMAIN.md 3-7) as one zod schema: types, validation and the
 * OpenAPI/JSON Schema of rule sets all derive from it. Every default lives here so a rule
 * set may be as short as `{version, effectiveFrom}`.
 */
import { z } from 'zod';
import { isMilliString } from '../decimal.js';
import { isValidTimeZone } from '../time.js';

export const Multiplier = z
  .string()
  .refine(isMilliString, 'must be a decimal string with at most 3 places, e.g. "1.25"');

const Fen = z.number().int().nonnegative();
const Points = z.number().int().nonnegative();
const LocalDateStr = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const Code = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be a lower-case code');

export const LocalisedName = z.object({ zh: z.string().min(1), en: z.string().min(1) });

export const TierDef = z.object({
  code: Code,
  name: LocalisedName,
  /** rolling 12-month qualifying spend in fen that reaches this tier */
  threshold: Fen,
  earnMultiplier: Multiplier.default('1'),
  /** a single sale with at least this qualifying spend reaches the tier at once */
  instantUpgradeSale: Fen.nullable().default(null),
  memberDiscountPercent: z.number().min(0).max(100).default(0),
  birthdayGiftPoints: Points.default(0),
  /** better redemption ratio: "0.2" = 100 points buy ¥1.20 */
  redemptionBonus: Multiplier.default('0'),
  freeServices: z.array(z.string()).default([]),
  /**
   * How often a member of this tier may claim each of `freeServices` per calendar year (local
   * time, the ledger's `servicesUsed["<year>:<service>"]`); docs/decisions.md "Tier benefits".
   */
  freeServiceAllowance: z.number().int().min(1).max(1000).default(1),
});

export const Promotion = z.object({
  id: Code,
  name: LocalisedName,
  multiplier: Multiplier,
  /** inclusive local dates */
  from: LocalDateStr.optional(),
  to: LocalDateStr.optional(),
  /** ISO weekdays 1 (Mon) .. 7 (Sun) */
  weekdays: z.array(z.number().int().min(1).max(7)).optional(),
  daysOfMonth: z.array(z.number().int().min(1).max(31)).optional(),
  birthdayMonth: z.boolean().default(false),
  tiers: z.array(Code).optional(),
  /** when set the promotion multiplies only lines of these categories */
  categories: z.array(z.string().min(1)).optional(),
  /** minimum eligible spend of the sale (of the promotion's categories when set), fen */
  minSpend: Fen.default(0),
  /** only for members holding an active win-back offer (DOMAIN.md 8) */
  winBack: z.boolean().default(false),
});

export const Reward = z.object({
  id: Code,
  name: LocalisedName,
  points: z.number().int().positive(),
  kind: z.enum(['voucher', 'coupon', 'service']),
  /** money value in fen for vouchers/coupons; 0 for a service */
  value: Fen.default(0),
  validDays: z.number().int().positive().default(90),
  /**
   * Limited time (issue 15 item 7): the first and last local day (inclusive, the rule set's
   * `timeZone`) the reward may be issued; absent = no bound. Coupons already issued keep
   * their own validity.
   */
  availableFrom: LocalDateStr.optional(),
  availableUntil: LocalDateStr.optional(),
  /**
   * Limited stock: units for the whole chain, counted at head office (core/rewards/availability.ts,
   * docs/sync.md "Limited-stock rewards"). Absent = unlimited. Raising it in a later version restocks.
   */
  stock: z.number().int().min(0).max(1_000_000_000).optional(),
});

export const StampCard = z.object({
  /** eligible spend of one sale that earns a stamp, fen */
  threshold: Fen,
  stampsForReward: z.number().int().min(1),
  rewardPoints: z.number().int().positive(),
});

export const Expiry = z.discriminatedUnion('policy', [
  z.object({ policy: z.literal('rollingMonths'), months: z.number().int().min(1).max(120).default(12) }),
  z.object({ policy: z.literal('endOfNextYear') }),
  z.object({ policy: z.literal('never') }),
]);

/** The highest rule-set version: PostgreSQL's INTEGER (int4) maximum. */
export const MAX_RULE_SET_VERSION = 2_147_483_647;

export const RuleSet = z
  .object({
    programme: z.string().min(1).default('default'),
    /**
     * monotonically increasing per programme; every sale records the one it used. At most
     * 2^31 - 1: head office's PostgreSQL keeps rule_sets.version and sales.rule_version as
     * INTEGER, so a larger version would publish on SQLite and fail there; refused alike on
     * both stores and on the till, which parses with this schema too.
     */
    version: z.number().int().positive().max(MAX_RULE_SET_VERSION),
    effectiveFrom: z.iso.datetime({ offset: true }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default('CNY'),
    timeZone: z.string().refine(isValidTimeZone, 'unknown IANA time zone').default('Asia/Shanghai'),
    earn: z
      .object({
        /** points per currency unit (¥1) */
        baseRate: Multiplier.default('1'),
        excludedCategories: z.array(z.string().min(1)).default(['tobacco', 'gift-card']),
        categoryMultipliers: z.record(z.string().min(1), Multiplier).default({}),
        perTransactionMax: Points.nullable().default(null),
        perMemberDailyMax: Points.nullable().default(5000),
      })
      .prefault({}),
    tiers: z.array(TierDef).min(1),
    tierReview: z.enum(['quarterly', 'annual']).default('quarterly'),
    promotions: z.array(Promotion).default([]),
    bonuses: z
      .object({
        enrolment: Points.default(0),
        /** granted to both the new member and the referrer */
        referral: Points.default(0),
      })
      .prefault({}),
    stampCard: StampCard.nullable().default(null),
    redemption: z
      .object({
        pointsPerCurrencyUnit: z.number().int().positive().default(100),
        minimumPoints: Points.default(100),
        maxShareOfBasket: Multiplier.default('0.5'),
        pointsLockDays: z.number().int().min(0).default(0),
        supervisorThreshold: Points.default(5000),
        maxRedemptionsPerMinute: z.number().int().positive().default(100),
        offlineAfterMinutes: z.number().int().positive().default(15),
        offlineRedemptionDailyMax: Points.default(2000),
      })
      .prefault({}),
    rewards: z.array(Reward).default([]),
    returns: z
      .object({ insufficientBalance: z.enum(['allowNegative', 'deductFromRefund']).default('allowNegative') })
      .prefault({}),
    expiry: Expiry.default({ policy: 'rollingMonths', months: 12 }),
    cards: z
      .object({
        /** check digit of printed member barcodes; a failing code is a misread, never looked up */
        barcodeCheck: z.enum(['ean13', 'mod10', 'mod11', 'none']).default('ean13'),
        /** validity window of a signed mobile member QR code */
        qrWindowSeconds: z.number().int().min(15).max(3600).default(60),
      })
      .prefault({}),
    winBack: z
      .object({
        multiplier: Multiplier.default('2'),
        days: z.number().int().positive().default(30),
        /** head office's end-of-day run grants the offer to members who became dormant (DOMAIN.md 8) */
        autoGrant: z.boolean().default(false),
      })
      .prefault({}),
    /** a sale dated more than this many days before it is recorded is refused (DOMAIN.md 12) */
    lateSaleMaxDays: z.number().int().min(0).max(35).default(30),
    /**
     * Display names of category codes ({"tobacco": {"zh": "烟草", "en": "Tobacco"}}) for screens
     * and receipts; codes not named here use the built-in names (core/ruleset/names.ts).
     * Optional without a default so rule sets published before it parse to the same value.
     */
    categoryNames: z.record(z.string().min(1), LocalisedName).optional(),
    /** Display names of stores by store id, printed on receipts when a till has no TILL_STORE_NAME. */
    storeNames: z.record(z.string().min(1), LocalisedName).optional(),
  })
  .superRefine((rs, ctx) => {
    const codes = new Set<string>();
    let last = -1;
    rs.tiers.forEach((t, i) => {
      if (codes.has(t.code))
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'code'], message: 'duplicate tier code' });
      codes.add(t.code);
      if (t.threshold <= last) {
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'threshold'], message: 'tier thresholds must increase' });
      }
      last = t.threshold;
    });
    if (rs.tiers[0] && rs.tiers[0].threshold !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['tiers', 0, 'threshold'],
        message: 'the first tier must have threshold 0',
      });
    }
    rs.promotions.forEach((p, i) => {
      p.tiers?.forEach((t, j) => {
        if (!codes.has(t))
          ctx.addIssue({ code: 'custom', path: ['promotions', i, 'tiers', j], message: `unknown tier ${t}` });
      });
      if (p.from && p.to && p.from > p.to) {
        ctx.addIssue({ code: 'custom', path: ['promotions', i, 'to'], message: 'ends before it starts' });
      }
    });
    const ids = new Set<string>();
    rs.promotions.forEach((p, i) => {
      if (ids.has(p.id))
        ctx.addIssue({ code: 'custom', path: ['promotions', i, 'id'], message: 'duplicate promotion id' });
      ids.add(p.id);
    });
    const rewardIds = new Set<string>();
    rs.rewards.forEach((r, i) => {
      if (rewardIds.has(r.id))
        ctx.addIssue({ code: 'custom', path: ['rewards', i, 'id'], message: 'duplicate reward id' });
      rewardIds.add(r.id);
      if (r.availableFrom && r.availableUntil && r.availableFrom > r.availableUntil) {
        ctx.addIssue({ code: 'custom', path: ['rewards', i, 'availableUntil'], message: 'ends before it starts' });
      }
    });
    const share = rs.redemption.maxShareOfBasket;
    if (isMilliString(share) && Number(share) > 1) {
      ctx.addIssue({ code: 'custom', path: ['redemption', 'maxShareOfBasket'], message: 'must be at most 1' });
    }
  });

export type RuleSetInput = z.input<typeof RuleSet>;
export type RuleSet = z.output<typeof RuleSet>;
export type TierDef = z.output<typeof TierDef>;
export type Promotion = z.output<typeof Promotion>;
export type Reward = z.output<typeof Reward>;

export class InvalidRuleSetError extends Error {
  readonly code = 'invalid_rule_set';
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`invalid rule set: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidRuleSetError';
  }
}

/** Validates and fills defaults; the error names every bad field by its dotted path. */
export function parseRuleSet(input: unknown): RuleSet {
  const r = RuleSet.safeParse(input);
  if (r.success) return r.data;
  throw new InvalidRuleSetError(
    r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })),
  );
}
