/**
 * Head office's operator API answers and requests as zod schemas: the one source for their
 * TypeScript types (store/types.ts), request validation and the OpenAPI document
 * (openapi.ts). The till-facing sync protocol has its own source, core/sync/protocol.ts.
 */
import { z } from 'zod';
import { MEMBER_CHANNELS } from '../core/preferences.js';
import { LedgerEntrySchema, MemberFeed } from '../core/sync/protocol.js';
import { FeedbackCounts, FeedbackItem } from './feedback-schemas.js';
import { NpsTallySchema, SurveyAnswerItem } from './survey-schemas.js';

const Lifecycle = z.enum(['new', 'active', 'at_risk', 'dormant']);
const MemberClass = z.enum(['A', 'B', 'C', 'D']);
const Instant = z.string().describe('ISO 8601 instant');

/** A manual action on a member, case or till names who asks and why (DOMAIN.md 10); both are kept. */
export const OperatorRequestBody = z
  .strictObject({
    operatorId: z.string().trim().min(1).max(64),
    reason: z.string().trim().min(1).max(500),
  })
  .meta({ id: 'OperatorRequest' });

/** An operator's points adjustment (DOMAIN.md 10): written as a head-office ledger entry. */
export const AdjustmentRequest = OperatorRequestBody.extend({
  points: z.number().int().positive().max(100_000_000),
  direction: z.enum(['credit', 'debit']).describe('debit: refused when it would take the shown balance below zero'),
}).meta({ id: 'AdjustmentRequest' });

/** A win-back offer granted by hand (DOMAIN.md 8); `days` defaults to the rule set's winBack.days. */
export const WinBackRequest = OperatorRequestBody.extend({
  days: z.number().int().min(1).max(366).optional(),
}).meta({ id: 'WinBackRequest' });

/**
 * The dates reports and the end-of-day run take. Nothing of the programme predates 2000, and
 * the upper bound leaves a year of room below 9999-12-31: a report steps a day before `from` and
 * a previous period of up to a year, and YYYY-MM-DD strings stop comparing as dates once a year
 * has five digits ("10000-01-01" < "9999-12-31").
 */
export const EARLIEST_DATE = '2000-01-01';
export const LATEST_DATE = '9998-12-31';

/** Whether a YYYY-MM-DD string lies within [EARLIEST_DATE, LATEST_DATE]; four-digit years compare as text. */
export const inDateRange = (d: string): boolean => d >= EARLIEST_DATE && d <= LATEST_DATE;

const DATE_RANGE_MESSAGE = `must be from ${EARLIEST_DATE} to ${LATEST_DATE}`;

/** The end-of-day run; `date` (a local date, not after today) runs it for an earlier day. */
export const EodRequest = z
  .strictObject({
    date: z.iso
      .date()
      .refine(inDateRange, DATE_RANGE_MESSAGE)
      .optional()
      .describe(`local date (YYYY-MM-DD, ${EARLIEST_DATE} to ${LATEST_DATE}); default: today`),
  })
  .meta({ id: 'EodRequest' });

export const MemberViewSchema = z
  .object({
    memberNo: z.string(),
    /** false when head office holds entries for the member but no member record yet */
    known: z.boolean(),
    erasedAt: Instant.nullable().describe('set once the personal data was erased (name and phone are then null)'),
    name: z.string().nullable().describe('masked (DOMAIN.md 2)'),
    phone: z.string().nullable().describe('masked (DOMAIN.md 2)'),
    status: z.enum(['active', 'blocked']),
    enrolledStore: z.string().nullable(),
    enrolledAt: Instant.nullable(),
    tier: z.string(),
    class: MemberClass.nullable(),
    lifecycle: Lifecycle,
    balance: z.number().int().describe('what may be shown: never including expired points (DOMAIN.md 7)'),
    ledgerBalance: z.number().int().describe("the sum of signed points over every till's entries"),
    debt: z.number().int(),
    rollingSpend: z.number().int(),
    expiringSoon: z.array(z.object({ on: z.string(), points: z.number().int() })),
    cards: z.array(z.object({ code: z.string(), kind: z.string(), status: z.string() })),
    coupons: z
      .array(
        z.object({
          code: z.string(),
          rewardId: z.string(),
          value: z.number().int(),
          validFrom: z.string(),
          validTo: z.string(),
          issuedBy: z.string().describe('the reward entry that issued it, "till:seq"'),
          usedAt: Instant.nullable(),
          usedBy: z.string().nullable().describe('the coupon_use entry that used it, "till:seq"'),
        }),
      )
      .describe('coupons issued at any till, known chain-wide (DOMAIN.md 12)'),
    stamps: z.number().int(),
    tierSince: z.string().nullable(),
    ledger: z.array(LedgerEntrySchema).describe("in head office's merge order"),
    adjustmentNotes: z
      .array(z.object({ tillId: z.string(), seq: z.number().int(), note: z.string() }))
      .describe(
        "the reasons of the ledger's adjustments, tills' and head office's own (tillId hq), by entry (tillId, seq): kept beside the chain, sealed, and deleted at erasure; entries written before keep theirs in data.note",
      ),
  })
  .meta({ id: 'MemberView' });

export const TillViewSchema = z
  .object({
    tillId: z.string(),
    storeId: z.string(),
    tillName: z.string().nullable().describe("the till's name registered at head office; null when none"),
    storeName: z.string().nullable().describe("the store's name registered at head office; null when none"),
    lastUploadAt: Instant.nullable(),
    lastFeedAt: Instant.nullable(),
    ackSeq: z.number().int(),
    headHash: z.string(),
    chainStatus: z.enum(['ok', 'broken']),
    chainError: z.string().nullable(),
    badSignatures: z.number().int(),
    mismatches: z
      .number()
      .int()
      .describe(
        "this till's sales and returns head office's recomputation disagrees with (domain/recompute.ts, return-check.ts)",
      ),
    sales: z.number().int(),
    /** member records and card changes head office refused from this till (domain/ownership.ts) */
    refusedChanges: z.number().int(),
    lookupsRefused: z
      .number()
      .int()
      .describe(
        'member lookups by number head office refused this till past the limit a minute (429 too_many_lookups)',
      ),
    lastLookupRefusedAt: Instant.nullable().describe('when the last of them was refused; null when none'),
    lastRefusal: z
      .object({
        memberNo: z.string(),
        what: z.enum(['member', 'card']),
        reason: z.enum([
          'not_enrolled_here',
          'enrolment_is_fixed',
          'not_member_store',
          'member_not_held',
          'no_staff_id',
        ]),
        detail: z.string().nullable(),
        at: Instant,
      })
      .nullable(),
  })
  .meta({ id: 'TillView' });

export const DoubleSpendCaseSchema = z
  .object({
    id: z.number().int(),
    kind: z
      .enum([
        'double_spend',
        'coupon_reuse',
        'expiry_conflict',
        'earning_velocity_member',
        'earning_velocity_cashier',
        'enrolment_burst_prefix',
        'enrolment_burst_cashier',
        'redeem_after_earn',
        'personal_data_unlocks',
      ])
      .describe(
        'double_spend: two stores spent the same points offline; coupon_reuse: one coupon used twice offline; ' +
          'expiry_conflict: head office expired points a late offline entry had already spent (DOMAIN.md 12); ' +
          'the rest are anomaly rules with their evidence in detail (headoffice/domain/anomalies.ts)',
      ),
    memberNo: z.string(),
    tills: z.array(z.string()),
    points: z.number().int(),
    balanceAfter: z.number().int(),
    detail: z.record(z.string(), z.unknown()).nullable(),
    trigger: z.string().describe('the ledger entry that revealed the case, "till:seq"'),
    status: z.string().describe("'open' until an operator closes it after review"),
    detectedAt: Instant,
    closedAt: Instant.nullable(),
    closedBy: z.string().nullable(),
    resolution: z.string().nullable(),
  })
  .meta({ id: 'DoubleSpendCase' });

const nullableRate = z.number().nullable();

export const SummaryReportSchema = z
  .object({
    asOf: Instant,
    today: z.string(),
    members: z.object({
      enrolled: z.number().int(),
      active: z.number().int(),
      withLedger: z.number().int(),
      // An object, not a record keyed by the enum: its JSON Schema then defines the keys it requires.
      lifecycle: z.object({
        new: z.number().int(),
        active: z.number().int(),
        at_risk: z.number().int(),
        dormant: z.number().int(),
      }),
      tiers: z.record(z.string(), z.number().int()),
      classes: z.record(z.string(), z.number().int()),
    }),
    points: z.object({
      byKind: z.record(z.string(), z.number().int()),
      issued: z.number().int(),
      redeemed: z.number().int(),
      expired: z.number().int(),
      outstanding: z.number().int(),
      negativeBalances: z.object({ members: z.number().int(), points: z.number().int() }),
      liabilityFen: z.number().int(),
      redemptionRate: nullableRate,
      breakageRate: nullableRate,
    }),
    sales: z.object({
      count: z.number().int(),
      total: z.number().int(),
      memberCount: z.number().int(),
      memberTotal: z.number().int(),
      memberShare: nullableRate,
      averageSpendPerActiveMember: nullableRate,
      purchaseFrequency: nullableRate,
      repurchaseRate: nullableRate,
      mismatches: z.number().int().describe("sales and returns head office's recomputation disagrees with"),
    }),
    stores: z.array(
      z.object({
        storeId: z.string(),
        storeName: z.string().nullable().describe("the store's name registered at head office"),
        enrolments: z.number().int(),
        sales: z.number().int(),
        salesTotal: z.number().int(),
        memberSales: z.number().int(),
        memberSalesTotal: z.number().int(),
      }),
    ),
    staff: z
      .array(z.object({ storeId: z.string(), staffId: z.string(), enrolments: z.number().int() }))
      .describe('enrolments per (store, staff id): a staff id is its store’s own'),
    tills: z.object({ total: z.number().int(), broken: z.number().int() }),
    doubleSpendCases: z.array(DoubleSpendCaseSchema),
    /** complaints and suggestions recorded at the tills (DOMAIN.md 9) */
    feedback: FeedbackCounts,
    /** beside the complaints: the receipt survey's NPS over every answer (docs/member-page.md "Survey") */
    nps: NpsTallySchema,
  })
  .meta({ id: 'SummaryReport' });

const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const StoreId = z.string().min(1).max(64);

/** GET /v1/reports/daily's query: a local date range of at most MAX_REPORT_DAYS, optionally some stores. */
export const DailyReportQuery = z
  .object({
    from: LocalDate.describe(`first local date (programme time zone), inclusive; ${EARLIEST_DATE} to ${LATEST_DATE}`),
    to: LocalDate.describe(`last local date, inclusive; at most 365 days after from, at latest ${LATEST_DATE}`),
    store: z.array(StoreId).max(200).describe('only these stores (repeat the parameter); all when absent'),
  })
  .meta({ id: 'DailyReportQuery' });

const DayMeasures = z
  .object({
    date: LocalDate,
    sales: z.number().int(),
    salesTotal: z.number().int().describe('fen'),
    memberSales: z.number().int(),
    memberSalesTotal: z.number().int().describe('fen'),
    pointsIssued: z.number().int().describe('earn + bonus + adjust_credit − adjust_debit − reverse'),
    pointsRedeemed: z.number().int().describe('redeem + reward − restore'),
    pointsExpired: z.number().int(),
    enrolments: z.number().int(),
    referred: z.number().int().describe('enrolments another member referred'),
  })
  .meta({ id: 'DayMeasures' });

/** The programme measures day by day (core/analytics.ts defines each). */
export const DailyReportSchema = z
  .object({
    from: LocalDate,
    to: LocalDate,
    timeZone: z.string().describe("the programme's time zone the dates are in"),
    days: z
      .array(DayMeasures)
      .describe(
        "every date of the range, for the chain or the chosen stores; head office's own entries (expiry, adjustments) only for the chain",
      ),
    stores: z.array(
      z.object({
        storeId: z.string(),
        storeName: z.string().nullable().describe("the store's name registered at head office"),
        days: z.array(DayMeasures),
      }),
    ),
    staff: z
      .array(
        z.object({
          storeId: z.string(),
          staffId: z.string(),
          enrolments: z.number().int().describe('members they enrolled in the range'),
          sales: z.number().int().describe('sales they rang up in the range'),
          salesTotal: z.number().int().describe('fen'),
          memberSales: z.number().int(),
          memberSalesTotal: z.number().int().describe('fen'),
          memberShare: nullableRate,
        }),
      )
      .describe('per (store, staff id) over the range; sales and enrolments naming no staff member are left out'),
  })
  .meta({ id: 'DailyReport' });

const Rate = z.number().min(0).max(1);

/** The programme's targets (core/overview.ts): the guides' figures until the programme team sets its own. */
const TargetFields = {
  memberShare: z
    .strictObject({ low: Rate, high: Rate })
    .refine((b) => b.low <= b.high, { message: 'low must not exceed high' })
    .describe('the band of member share of sales to reach (default 50-60 %)'),
  repurchaseLift: z
    .number()
    .min(0)
    .max(10)
    .describe('repurchase rate to reach: the previous period’s × (1 + this); default 0.1'),
  clvLift: z.number().min(0).max(10).describe('CLV to reach: the baseline × (1 + this); default 0.2'),
  clvBaselineFen: z
    .number()
    .int()
    .min(0)
    .max(1e12)
    .nullable()
    .describe('the CLV (fen) the lift is measured from; null: not set'),
};

export const TargetsRequest = OperatorRequestBody.extend(TargetFields).meta({ id: 'TargetsRequest' });

export const TargetsAnswer = z
  .object({
    ...TargetFields,
    memberShare: z.object({ low: Rate, high: Rate }),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .meta({ id: 'Targets' });

const RepurchaseSchema = z.object({
  buyers: z.number().int().describe('members with a sale in the period'),
  repeaters: z.number().int().describe('of them, members with two sales or more'),
  rate: nullableRate.describe('repeaters / buyers'),
});

/** GET /v1/reports/overview: churn, repurchase against its target, the targets (core/overview.ts). */
export const OverviewReportSchema = z
  .object({
    from: LocalDate,
    to: LocalDate,
    previous: z.object({ from: LocalDate, to: LocalDate }),
    churn: z
      .object({
        activeAtStart: z.number().int().nullable().describe('members with a sale in the 180 days before from'),
        lapsed: z.number().int().describe('members whose 180th day without a sale fell in the period'),
        rate: nullableRate.describe('lapsed / activeAtStart'),
        daysWithoutSnapshot: z.number().int().describe('dates the end-of-day run left no snapshot for'),
      })
      .describe("chain-wide, from the end-of-day run's daily snapshots"),
    repurchase: z.object({
      current: RepurchaseSchema,
      previous: RepurchaseSchema,
      target: nullableRate.describe("the previous period's rate raised by repurchaseLift"),
    }),
    targets: TargetsAnswer.extend({ clvTargetFen: z.number().int().nullable() }),
  })
  .meta({ id: 'OverviewReport' });

const ExportSale = z.object({
  tillId: z.string(),
  saleId: z.string(),
  storeId: z.string(),
  occurredAt: Instant,
  total: z.number().int(),
  pointsEarned: z.number().int(),
  bonusPoints: z.number().int(),
  pointsRedeemed: z.number().int(),
  ruleVersion: z.number().int(),
  request: z.record(z.string(), z.unknown()),
});

const ExportReturn = z.object({
  tillId: z.string(),
  returnId: z.string(),
  originalSaleId: z.string(),
  occurredAt: Instant,
  pointsReversed: z.number().int(),
  pointsRestored: z.number().int(),
  request: z.record(z.string(), z.unknown()),
});

/** The member's preferences (core/preferences.ts). */
export const Preferences = z
  .object({
    consentMarketing: z.boolean(),
    preferredChannel: z.enum(MEMBER_CHANNELS),
    interests: z.array(z.string()),
  })
  .meta({ id: 'MemberPreferences' });

/** One preference change: when, where (a till and staff member, or the member's page), and what it set. */
export const PreferenceHistoryItem = z
  .object({
    changeId: z.string(),
    at: Instant.describe("when it was made (a till's time, never after head office received it)"),
    origin: z.enum(['till', 'page']),
    tillId: z.string().nullable(),
    staffId: z.string().nullable(),
    receivedAt: Instant,
    consentMarketing: z.boolean().optional(),
    preferredChannel: z.enum(MEMBER_CHANNELS).optional(),
    interests: z.array(z.string()).optional().describe('absent once erased'),
  })
  .meta({ id: 'PreferenceChange' });

export const MemberExportSchema = MemberViewSchema.omit({ name: true, phone: true })
  .extend({
    exportedAt: Instant,
    personal: MemberFeed.omit({ memberNo: true, status: true, updatedAt: true })
      .nullable()
      .describe("null once erased, or when no till has uploaded the member's record"),
    sales: z.array(ExportSale),
    returns: z.array(ExportReturn),
    /** complaints and suggestions about them, recorded at the tills */
    feedback: z.array(FeedbackItem),
    surveyAnswers: z
      .array(SurveyAnswerItem)
      .describe('receipt survey answers: score, comment, sale (deleted at erasure)'),
    /** the member's outbox (docs/member-page.md): texts as kept, sign-in codes masked; emptied at erasure */
    messages: z.array(
      z.object({
        messageId: z.string(),
        purpose: z.enum(['otp', 'offer', 'expiring', 'tier']),
        marketing: z.boolean(),
        text: z.string(),
        status: z.enum(['queued', 'sent', 'failed']),
        queuedAt: Instant,
        sentAt: Instant.nullable(),
      }),
    ),
    /** marketing consent, channel and interests now, and every change with when and where (null once erased) */
    preferences: z.object({
      current: Preferences.nullable(),
      history: z.array(PreferenceHistoryItem),
    }),
    /** the member page's sign-ins, times only (never the token) */
    sessions: z.array(z.object({ createdAt: Instant, expiresAt: Instant })),
    operatorActions: z.array(
      z.object({
        at: Instant,
        action: z.enum(['export', 'erase', 'adjust', 'win_back']),
        operatorId: z.string(),
        reason: z
          .string()
          .describe(
            "an adjustment's or a win-back's: its entry's sealed note while held (after erasure: 'points adjusted' / 'win-back offered')",
          ),
      }),
    ),
  })
  .meta({ id: 'MemberExport' });

export const EraseAnswer = z
  .object({
    status: z.enum(['erased', 'already_erased']),
    memberNo: z.string(),
    erasedAt: Instant,
    cardsBlocked: z.number().int(),
  })
  .meta({ id: 'EraseAnswer' });

export const CaseCloseAnswer = z
  .object({
    id: z.number().int(),
    status: z.enum(['closed', 'already_closed']),
    closedAt: Instant,
    closedBy: z.string(),
    resolution: z.string(),
  })
  .meta({ id: 'CaseCloseAnswer' });

export const ChainClearAnswer = z
  .object({
    tillId: z.string(),
    status: z.enum(['cleared', 'not_broken']),
    previousError: z.string().nullable(),
  })
  .meta({ id: 'ChainClearAnswer' });

export const InboxHealth = z.object({
  batches: z.number().int(),
  entries: z.number().int(),
  oldestReceivedAt: Instant.nullable(),
  failing: z.boolean(),
  stuckTills: z.array(z.string()),
});

export const HealthAnswer = z
  .object({
    ok: z.boolean(),
    version: z.string(),
    storage: z.enum(['sqlite', 'postgres']),
    inbox: InboxHealth.describe(
      'batches acknowledged to tills and not applied yet: normally none, or a backlog draining',
    ),
  })
  .meta({ id: 'HeadOfficeHealth' });

export const TillsAnswer = z.object({ tills: z.array(TillViewSchema) });

/** One sale or return of a till that head office's recomputation disagrees with. */
export const TillMismatchSchema = z
  .object({
    kind: z.enum(['sale', 'return']),
    id: z.string().describe('the sale id, or the return id'),
    saleId: z.string().describe('the sale, or the sale the return took back'),
    originalTillId: z.string().nullable().describe("a return's sale's till (null for a sale)"),
    occurredAt: Instant,
    receivedAt: Instant,
    note: z.string().describe('what differed (till=… hq=…), or why it could not be recomputed'),
  })
  .meta({ id: 'TillMismatch' });

export const TillMismatchesAnswer = z.object({
  tillId: z.string(),
  mismatches: z.array(TillMismatchSchema).describe('newest received first'),
  truncated: z.boolean().describe('more than the 200 listed'),
});
export const SegmentsAnswer = z.object({ changed: z.number().int() });
export const PublishAnswer = z.object({
  status: z.enum(['published', 'unchanged']),
  version: z.number().int(),
  cursor: z.number().int().optional(),
});

export const AdjustmentAnswer = z
  .object({
    memberNo: z.string(),
    entry: LedgerEntrySchema.describe("the adjust_credit / adjust_debit entry of head office's chain (till hq)"),
    balance: z.number().int().describe('the shown balance after it'),
    ledgerBalance: z.number().int(),
  })
  .meta({ id: 'AdjustmentAnswer' });

export const WinBackAnswer = z
  .object({
    memberNo: z.string(),
    winBackUntil: z.string().describe('last local date the offer applies (inclusive)'),
    entry: LedgerEntrySchema.describe("the offer entry of head office's chain (till hq)"),
  })
  .meta({ id: 'WinBackAnswer' });

export const EodAnswer = z
  .object({
    date: z.string().describe('the local date the run decided for'),
    members: z.number().int().describe('members with a state, each looked at'),
    entries: z.number().int().describe('entries head office wrote (0 when the day had been run already)'),
    expired: z.object({ members: z.number().int(), points: z.number().int() }),
    reviews: z.object({ held: z.number().int(), downgrades: z.number().int() }),
    offers: z.number().int().describe('win-back offers granted to dormant members (rule set winBack.autoGrant)'),
    classesChanged: z.number().int(),
  })
  .meta({ id: 'EodAnswer' });

/** A member of an RFM cell as the Members report lists it: member number and masked fields only. */
export const RfmMemberSchema = z
  .object({
    memberNo: z.string(),
    tier: z.string(),
    class: MemberClass,
    lifecycle: Lifecycle,
    recencyDays: z.number().int().nullable().describe('R: days since the last sale; null without a sale'),
    frequency: z.number().int().describe('F: sales in the rolling 12 months'),
    monetary: z.number().int().describe('M: rolling 12-month spend, fen'),
    r: z.number().int().min(1).max(5).nullable(),
    f: z.number().int().min(1).max(5).nullable(),
    m: z.number().int().min(1).max(5).nullable(),
    cell: z.string().nullable().describe('R<r>F<f>M<m>; null when not scored (no sale in 12 months)'),
  })
  .meta({ id: 'RfmMember' });

/** GET /v1/reports/members (core/rfm.ts defines each figure). */
export const MembersReportSchema = z
  .object({
    asOf: LocalDate.describe("today in the programme's time zone"),
    members: z.number().int(),
    tiers: z.array(z.object({ tier: z.string(), members: z.number().int() })).describe('lowest tier first'),
    classes: z.array(
      z.object({
        class: MemberClass,
        members: z.number().int(),
        minSpend: z.number().int().nullable().describe('lowest rolling 12-month spend in the class, fen'),
        maxSpend: z.number().int().nullable().describe('highest, fen'),
      }),
    ),
    lifecycle: z.array(z.object({ stage: Lifecycle, members: z.number().int() })),
    rfm: z.object({
      scored: z.number().int().describe('members with a sale in the rolling 12 months'),
      unscored: z.number().int(),
      cells: z.array(
        z.object({
          cell: z.string(),
          r: z.number().int(),
          f: z.number().int(),
          m: z.number().int(),
          members: z.number().int(),
        }),
      ),
    }),
    tierMovement: z
      .object({
        months: z
          .array(z.object({ month: z.string(), upgrades: z.number().int(), downgrades: z.number().int() }))
          .describe('this month and the 11 before, oldest first'),
        flows: z
          .array(
            z.object({
              from: z.string(),
              to: z.string(),
              direction: z.enum(['up', 'down']),
              members: z.number().int(),
            }),
          )
          .describe('from → to over those months; a member counts once per month and (from, to)'),
        upgrades: z.number().int(),
        downgrades: z.number().int(),
      })
      .describe(
        "tier entries of head office's ledger whose from-tier differs from the to-tier (core/rfm.ts tierMovement)",
      ),
    cohorts: z
      .array(
        z.object({
          cohort: z.string().describe('enrolment month, YYYY-MM'),
          members: z.number().int(),
          buyers: z.array(z.number().int()).describe('[k]: members with a sale in month cohort + k, up to this month'),
          share: z.array(z.number()).describe('[k] = buyers[k] / members'),
        }),
      )
      .describe('the last 12 enrolment months, oldest first (core/rfm.ts cohortRetention)'),
    cltv: z
      .object({
        members: z.number().int(),
        averageOrderValue: z.number().int().nullable().describe('fen'),
        purchaseFrequency: z.number().nullable().describe('purchases per valued member in 12 months'),
        churn: z.object({
          base: z.number().int(),
          retained: z.number().int(),
          churned: z.number().int(),
          rate: z.number().nullable(),
        }),
        lifetimeYears: z.number(),
        lifetimeBasis: z.enum(['churn', 'cap', 'unmeasured']),
        mean: z.number().int().nullable().describe('fen'),
        median: z.number().int().nullable().describe('fen'),
        buckets: z.array(
          z.object({ min: z.number().int(), max: z.number().int().nullable(), members: z.number().int() }),
        ),
      })
      .describe('CLTV = spend per purchase × purchases per year × expected lifetime (1 / churn, at most 10 years)'),
    cell: z.string().nullable().describe('the cell asked for with ?cell='),
    cellMembers: z.array(RfmMemberSchema).nullable().describe("that cell's members, member number order"),
  })
  .meta({ id: 'MembersReport' });

/** ?cell= of the Members report and its CSV export: an RFM cell such as R5F4M3. */
export const RfmCellParam = z.string().regex(/^R[1-5]F[1-5]M[1-5]$/, 'must be an RFM cell such as R5F4M3');

/** GET /v1/rewards/stock (store/stock.ts): limited-stock rewards as head office counts them, and the oversell. */
export const RewardStockSchema = z
  .object({
    rewards: z.array(
      z.object({
        rewardId: z.string(),
        name: z.object({ zh: z.string(), en: z.string() }),
        stock: z.number().int().describe('units for the whole chain (rule set in force)'),
        issued: z.number().int().describe('reward entries head office holds (online and offline issues)'),
        reserved: z.number().int().describe('holds still running, waiting for their reward entry'),
        released: z.number().int().describe('holds that ran out unconfirmed (the unit went back)'),
        remaining: z.number().int().describe('max(0, stock − issued − reserved)'),
        oversold: z
          .number()
          .int()
          .describe('issues that arrived when no unit was left (offline past zero, or a hold confirmed after release)'),
        availableFrom: z.string().nullable(),
        availableUntil: z.string().nullable(),
      }),
    ),
    oversold: z
      .array(
        z.object({
          tillId: z.string(),
          seq: z.number().int().describe("the reward entry's seq in its till's chain"),
          memberNo: z.string(),
          rewardId: z.string(),
          occurredAt: z.string(),
          countedAt: z.string().describe('when head office applied it'),
          offline: z.boolean().describe('issued without a reservation (false: a hold that had run out)'),
        }),
      )
      .describe('issues that arrived when the stock was already gone, for review; the entries stand'),
  })
  .meta({ id: 'RewardStock' });
