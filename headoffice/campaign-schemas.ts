/**
 * Campaigns at head office (issue 15, docs/campaigns.md): the operator API's requests and
 * answers as zod schemas, one source for types, validation and the OpenAPI document. The rules
 * are core/campaigns.ts; the store is store/campaigns.ts; the offer reaches tills as a ledger
 * entry (core/ledger/entry.ts EntryData.campaignId).
 */
import { z } from 'zod';
import { LedgerEntrySchema } from '../core/sync/protocol.js';
import { DEFAULT_HOLDOUT_PERCENT } from '../core/campaigns.js';

const Instant = z.string().describe('ISO 8601 instant');
const LocalDay = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a date YYYY-MM-DD')
  .describe("a local date in the programme's zone");
const Name = z.object({ zh: z.string().trim().min(1).max(32), en: z.string().trim().min(1).max(32) });

const TargetCriteria = z.strictObject({
  classes: z
    .array(z.enum(['A', 'B', 'C', 'D']))
    .min(1)
    .optional(),
  lifecycles: z
    .array(z.enum(['new', 'active', 'at_risk', 'dormant']))
    .min(1)
    .optional(),
  tiers: z.array(z.string().min(1).max(32)).min(1).optional(),
  birthdayMonths: z.array(z.number().int().min(1).max(12)).min(1).optional().describe('1-12'),
  homeStores: z.array(z.string().min(1).max(64)).min(1).optional().describe('enrolment stores'),
  withinOfNextTier: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('fen: members at most this far short of the next tier on rolling spend'),
  rfmCells: z
    .array(z.string().regex(/^R[1-5]F[1-5]M[1-5]$/, 'must be an RFM cell such as R5F4M3'))
    .min(1)
    .max(125)
    .optional()
    .describe('RFM cells as the Members report scores them; members without a score never match'),
});

/** A saved segment's rule (issue 13 item 6): the target criteria, without a segment of its own. */
export const SegmentRuleSchema = TargetCriteria.describe(
  'every criterion given must hold; none given = every active member',
).meta({ id: 'SegmentRule' });

export const CampaignTargetSchema = TargetCriteria.extend({
  segmentId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe('a saved segment: its rule, re-evaluated when the campaign chooses, AND the other criteria given'),
})
  .describe('every criterion given must hold; none given = every active member')
  .meta({ id: 'CampaignTarget' });

const OfferDays = z.number().int().min(1).max(366).describe('local days from the grant, the grant day first');
const OfferName = Name.describe('what the cashier and the receipt show, e.g. 双倍积分 / double points');

const MultiplierOffer = z
  .strictObject({
    kind: z
      .literal('multiplier')
      .default('multiplier')
      .describe('absent: multiplier (the one kind before the others existed)'),
    multiplierMilli: z
      .number()
      .int()
      .min(1001)
      .max(10_000)
      .describe('earn multiplier in thousandths (2000 = x2); competes with promotions by the largest-multiplier rule'),
    days: OfferDays,
    name: OfferName,
  })
  .meta({ id: 'CampaignMultiplierOffer' });

const BonusOffer = z
  .strictObject({
    kind: z.literal('bonus'),
    minSpend: z
      .number()
      .int()
      .min(0)
      .max(1e10)
      .describe("fen: the sale's eligible spend (after excluded goods and points) must be at least this"),
    bonusPoints: z.number().int().positive().max(1_000_000).describe('given once per member and campaign'),
    days: OfferDays,
    name: OfferName,
  })
  .meta({ id: 'CampaignBonusOffer' });

const CouponOffer = z
  .strictObject({
    kind: z.literal('coupon'),
    value: z.number().int().positive().max(1e8).describe('fen: the coupon money value, single use at any till'),
    days: OfferDays.describe('the coupon is valid from the grant day for this many local days'),
    name: OfferName,
  })
  .meta({ id: 'CampaignCouponOffer' });

const ServiceOffer = z
  .strictObject({
    kind: z.literal('service'),
    service: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "a service code, as in the tiers' freeServices")
      .describe('one free claim within the window, beside the tier allowance'),
    value: z.number().int().min(0).max(1e8).describe('fen one claim costs the chain (the actual cost)'),
    days: OfferDays,
    name: OfferName,
  })
  .meta({ id: 'CampaignServiceOffer' });

/** The kinds listed before the multiplier: a body without `kind` can only be the multiplier (its default). */
export const CampaignOfferSchema = z
  .union([BonusOffer, CouponOffer, ServiceOffer, MultiplierOffer])
  .describe('docs/campaigns.md "Offer kinds"')
  .meta({ id: 'CampaignOffer' });

export const CampaignCreateRequest = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'lower-case letters, digits and -')
      .optional()
      .describe('a readable id (it also seeds the holdout hash); default: generated'),
    name: z.string().trim().min(1).max(100),
    target: CampaignTargetSchema,
    offer: CampaignOfferSchema,
    holdoutPercent: z.number().int().min(0).max(50).default(DEFAULT_HOLDOUT_PERCENT),
    budgetPoints: z
      .number()
      .int()
      .positive()
      .max(1e12)
      .describe(
        "what the campaign may cost, by the estimate, in the offer's unit: points (multiplier, bonus) or fen (coupon, service)",
      ),
    costPerGrant: z
      .number()
      .int()
      .positive()
      .max(1e9)
      .describe(
        'the estimated cost of one grant, same unit; grants stop once grants x costPerGrant would pass the budget',
      ),
    startOn: LocalDay.optional().describe(
      'the local day the end-of-day run starts the campaign on once approved; default: an operator starts it',
    ),
    endOn: LocalDay.optional().describe(
      'the last local day it grants on; the end-of-day run after it ends it; default: an operator ends it',
    ),
  })
  .refine((r) => r.startOn === undefined || r.endOn === undefined || r.startOn <= r.endOn, {
    message: 'endOn must not be before startOn',
    path: ['endOn'],
  })
  .meta({ id: 'CampaignCreateRequest' });

/** approve, start, end: who acts is the token's operator (the bootstrap token is one operator, "bootstrap-token"). */
export const CampaignActionRequest = z.strictObject({}).meta({ id: 'CampaignActionRequest' });

export const CampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(['draft', 'approved', 'running', 'ended']),
    target: CampaignTargetSchema,
    offer: CampaignOfferSchema,
    holdoutPercent: z.number().int(),
    budgetPoints: z.number().int(),
    costPerGrant: z.number().int(),
    budgetUnit: z.enum(['points', 'fen']).describe("the unit of budgetPoints and costPerGrant, from the offer's kind"),
    createdBy: z.string(),
    createdAt: Instant,
    approvedBy: z.string().nullable(),
    approvedAt: Instant.nullable(),
    startedAt: Instant.nullable(),
    endedAt: Instant.nullable(),
    startOn: z.string().nullable().describe('scheduled start day (local), or null'),
    endOn: z.string().nullable().describe('last day it grants on (local), or null'),
  })
  .meta({ id: 'Campaign' });

export const CampaignList = z.object({ campaigns: z.array(CampaignSchema) }).meta({ id: 'CampaignList' });

export const CampaignStartAnswer = z
  .object({
    campaign: CampaignSchema,
    chosen: z.number().int().describe('members newly chosen (target and holdout)'),
    granted: z.number().int().describe('offer entries written'),
    budgetExhausted: z.boolean().describe('true when target members were left without the offer'),
    entries: z.array(LedgerEntrySchema).describe("the offers, head office's ledger entries"),
  })
  .meta({ id: 'CampaignStartAnswer' });

export const CampaignResult = z
  .object({
    campaign: CampaignSchema,
    targeted: z.number().int().describe('members in the target group (the budget may have left some ungranted)'),
    heldOut: z.number().int(),
    granted: z.number().int().describe('target members the offer entry was written for'),
    reached: z
      .number()
      .int()
      .describe("granted members the offer's message was delivered to (consent, quiet hours and the cap allowing)"),
    used: z
      .number()
      .int()
      .describe('granted members who used the offer: a sale it multiplied, its bonus, its coupon or its service'),
    spendPerMember: z
      .object({
        target: z.number().describe('mean fen per target member since the start (no sale = 0)'),
        holdout: z.number(),
        difference: z.number().describe('target - holdout: the incremental spend per member'),
        low: z.number().nullable().describe("95 % confidence interval (Welch's); null below 2 members a group"),
        high: z.number().nullable(),
        df: z.number().nullable(),
      })
      .describe('intent to treat: every target member, granted or not, against every held-out one'),
    visitsPerMember: z.object({ target: z.number(), holdout: z.number() }),
    pointsCost: z
      .number()
      .int()
      .describe(
        'actual points: multiplier, extra points earned under the offer, points x (1 - 1000 / multiplierMilli); bonus, the bonus points given; 0 otherwise',
      ),
    moneyCost: z
      .number()
      .int()
      .describe('actual fen: coupon, value x coupons used; service, value x services claimed; 0 otherwise'),
    estimatedCost: z.number().int().describe('granted x costPerGrant: what the budget is charged, in budgetUnit'),
    returnOnCost: z
      .object({
        pointValueFen: z
          .number()
          .describe("a point's money value: 100 / the rule set's redemption pointsPerCurrencyUnit"),
        costFen: z.number().describe('pointsCost x pointValueFen + moneyCost'),
        incrementalSpend: z.number().describe('fen: spendPerMember.difference x targeted'),
        incrementalLow: z.number().nullable(),
        incrementalHigh: z.number().nullable(),
        ratio: z.number().nullable().describe('incrementalSpend / costFen; null while the cost is 0'),
        low: z.number().nullable().describe("the ratio at the ends of the difference's 95 % interval"),
        high: z.number().nullable(),
      })
      .describe('return on the points cost (docs/campaigns.md "Return on cost")'),
    segmentName: z.string().nullable().describe("the target's saved segment's name (null without one)"),
  })
  .meta({ id: 'CampaignResult' });

export const CampaignPreviewRequest = z
  .strictObject({
    target: CampaignTargetSchema,
    holdoutPercent: z.number().int().min(0).max(50).default(DEFAULT_HOLDOUT_PERCENT),
  })
  .meta({ id: 'CampaignPreviewRequest' });

export const CampaignPreview = z
  .object({
    asOf: z.string().describe("today's local date in the programme's zone"),
    matching: z.number().int().describe('active members the target matches now (already chosen or not)'),
    expectedHoldout: z.number().int().describe('round(matching x holdoutPercent / 100): the holdout is random'),
  })
  .meta({ id: 'CampaignPreview' });

export const OperatorMe = z
  .object({
    operatorId: z
      .string()
      .describe('who the token acts as: a named operator, or "bootstrap-token" for the shared token'),
    role: z.enum(['viewer', 'analyst', 'admin']),
    shared: z.boolean().describe('true for the shared bootstrap token'),
  })
  .meta({ id: 'OperatorMe' });

export type CampaignPreviewRequest = z.output<typeof CampaignPreviewRequest>;
export type CampaignPreview = z.output<typeof CampaignPreview>;
export type CampaignOfferInput = z.input<typeof CampaignOfferSchema>;
export type CampaignCreateRequest = z.output<typeof CampaignCreateRequest>;
export type CampaignView = z.output<typeof CampaignSchema>;
export type CampaignStartAnswer = z.output<typeof CampaignStartAnswer>;
export type CampaignResult = z.output<typeof CampaignResult>;
