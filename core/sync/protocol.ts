/**
 * The till <-> head office sync protocol (ARCHITECTURE.md "Data"; CONTRACTS.md "Head office").
 * One schema source: the till's uploader, head office's ingest and the tests all validate
 * with these definitions, so the two ends cannot drift apart silently.
 *
 * Transport facts that are not JSON shapes live here too (paths, limits, header names), so
 * the uploader imports them instead of copying numbers.
 */
import { z } from 'zod';
import { FEEDBACK_CATEGORIES, FEEDBACK_KINDS } from '../feedback.js';
import { INTEREST_CATEGORIES, MEMBER_CHANNELS } from '../preferences.js';
import { CREDIT_KINDS, DEBIT_KINDS, MARKER_KINDS, type LedgerEntry } from '../ledger/entry.js';
import type { MemberState } from '../ledger/state.js';
import type { LineResult } from '../engine/types.js';
import { MAX_FEN } from '../money.js';
import { MAX_RULE_SET_VERSION, RuleSet } from '../ruleset/schema.js';

/** A rule set's version as entries and sales carry it: within what rule sets may be (core/ruleset/schema.ts). */
const RuleVersion = z.number().int().positive().max(MAX_RULE_SET_VERSION);

export const SYNC_PATHS = {
  batches: '/v1/sync/batches',
  changes: '/v1/sync/changes',
  /** one sale as head office holds it, for a return at another store (DOMAIN.md 12) */
  sale: '/v1/sync/sales/{saleId}',
  /** one member by mobile number, for a cashier at another store (DOMAIN.md 2, 12); the phone rides in the body */
  memberLookup: '/v1/sync/members/lookup',
  /** head office's member-QR key sealed to the asking till (core/sync/memberqrkey.ts) */
  memberQrKey: '/v1/sync/member-qr-key',
  /** one unit of a limited-stock reward held for the asking till (core/rewards/availability.ts) */
  rewardReserve: '/v1/sync/rewards/reserve',
} as const;
/** Member lookups one till may make per minute (head office answers 429 `too_many_lookups` above it). */
export const MEMBER_LOOKUPS_PER_MINUTE = 60;
/** Request bodies above this many bytes (on the wire, and again after gunzip) get 413. */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;
/** A signed request whose X-Till-Timestamp is further than this from head office's clock is refused. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
export const TIMESTAMP_HEADER = 'x-till-timestamp';
export const CHANGES_DEFAULT_LIMIT = 500;
export const CHANGES_MAX_LIMIT = 1000;
/** Upper bound on each array of a batch; a till uploads in chunks well below it. */
export const MAX_BATCH_ITEMS = 10_000;

/** Till and store ids: ASCII only, so byte order and JS string order agree (head office sorts by them). */
export const TillId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only');
const MemberNo = z.string().min(1).max(32);
const Hash = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');
const Seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const Points = z.number().int().min(0).max(MAX_FEN);
const Fen = z.number().int().min(0).max(MAX_FEN);
const Instant = z.iso.datetime({ offset: true });
const LocalDateStr = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const RecordId = z.string().min(1).max(128);

export const EntryKind = z.enum([...CREDIT_KINDS, ...DEBIT_KINDS, ...MARKER_KINDS]);

/**
 * Loose: a key a newer till adds to `data` is kept verbatim, because the entry's hash covers
 * it; stripping it would make a genuine entry look tampered.
 */
export const EntryData = z.looseObject({
  stamp: z.number().int().optional(),
  bonus: z.enum(['birthday', 'stamp', 'enrolment', 'referral', 'campaign']).optional(),
  ruleVersion: RuleVersion.optional(),
  lotId: z.string().optional(),
  bonusReturn: z.boolean().optional(),
  before: LocalDateStr.optional(),
  fromTier: z.string().optional(),
  toTier: z.string().optional(),
  reason: z.enum(['threshold', 'instant', 'review', 'hq']).optional(),
  rank: z.number().int().min(0).optional(),
  threshold: z.number().int().min(0).optional(),
  reachedOn: LocalDateStr.optional(),
  reviewedInMemory: z
    .array(z.object({ before: LocalDateStr, from: z.string(), to: z.string(), threshold: z.number().int().min(0) }))
    .max(400)
    .optional(),
  spendOn: LocalDateStr.optional(),
  recordedOn: LocalDateStr.optional(),
  winBackUntil: LocalDateStr.optional(),
  campaignId: z.string().max(64).optional(),
  multiplierMilli: z.number().int().min(1000).max(100_000).optional(),
  from: LocalDateStr.optional(),
  until: LocalDateStr.optional(),
  offerName: z.object({ zh: z.string().max(64), en: z.string().max(64) }).optional(),
  offerKind: z.enum(['multiplier', 'bonus', 'coupon', 'service']).optional(),
  minSpend: z.number().int().min(0).optional(),
  bonusPoints: z.number().int().min(0).optional(),
  couponCode: z.string().optional(),
  /** reward: the head-office reservation it issues (absent: issued offline, counted on arrival) */
  reservationId: z.string().max(64).optional(),
  staffId: z.string().optional(),
  note: z.string().optional(),
});

/** Strict: an unknown top-level key would change the hash head office recomputes, so it is refused outright. */
export const LedgerEntrySchema = z
  .strictObject({
    tillId: TillId,
    seq: Seq,
    memberNo: MemberNo,
    kind: EntryKind,
    points: Points,
    spend: z.number().int().min(-MAX_FEN).max(MAX_FEN),
    occurredAt: Instant,
    localDate: LocalDateStr,
    expiresOn: LocalDateStr.nullable(),
    saleId: RecordId.nullable(),
    returnId: RecordId.nullable(),
    data: EntryData,
    prevHash: Hash,
    hash: Hash,
  })
  .refine((e) => e.kind !== 'tier' || typeof e.data.toTier === 'string', {
    message: 'a tier entry needs data.toTier',
    path: ['data', 'toTier'],
  });

// Compile-time guard: what the schema accepts is a LedgerEntry the core reducer can fold.
const _entryFits = (e: z.output<typeof LedgerEntrySchema>): LedgerEntry => e;
void _entryFits;

export const CardItem = z.object({
  code: z.string().min(1).max(256),
  kind: z.enum(['barcode', 'nfc', 'qr']),
  status: z.enum(['active', 'blocked']),
  /** when the till changed the status; needed for head office to accept an unblock */
  changedAt: Instant.optional(),
  /** the staff member who changed it (a block is attributed at head office) */
  staffId: z.string().max(64).nullable().optional(),
});

const memberFields = {
  memberNo: MemberNo,
  name: z.string().min(1).max(64),
  phone: z.string().min(1).max(32),
  /** "MM-DD" */
  birthday: z
    .string()
    .regex(/^\d{2}-\d{2}$/, 'must be MM-DD')
    .nullable(),
  gender: z.string().max(16).nullable(),
  ageBand: z.string().max(16).nullable().optional(),
  preferredChannel: z.enum(MEMBER_CHANNELS),
  interests: z.array(z.string().min(1).max(32)).max(50),
  consentMarketing: z.boolean(),
  consentText: z.string().min(1).max(64),
  consentAt: Instant,
  enrolledStore: TillId,
  enrolledTill: TillId,
  enrolledBy: z.string().max(64).nullable(),
  referrerMemberNo: MemberNo.nullable().optional(),
  status: z.enum(['active', 'blocked']).optional(),
  /** when the till last changed these fields; head office ignores it and stamps its own time */
  updatedAt: Instant.optional(),
};

/**
 * A preference change made at the till (issue 15 item 6, core/preferences.ts): only the fields
 * it sets. Head office records it once per changeId, dates it min(at, its own receipt time)
 * and folds the member's history by last change wins, field by field.
 */
export const PreferenceChangeItem = z.strictObject({
  changeId: z.uuid(),
  at: Instant,
  /** the staff member signed in with their PIN who keyed it */
  staffId: z.string().min(1).max(64),
  consentMarketing: z.boolean().optional(),
  preferredChannel: z.enum(MEMBER_CHANNELS).optional(),
  interests: z.array(z.enum(INTEREST_CATEGORIES)).max(INTEREST_CATEGORIES.length).optional(),
});

/**
 * An upload's personal data travels in clear inside TLS or loopback; head office encrypts it at rest.
 * Once head office holds the member, the record's consent, channel and interests are ignored:
 * they change only through `preferenceChanges`, so a stale record cannot undo a later choice.
 */
/** What one member record may carry (a till sends the cards changed last, and the rest of the changes next batch). */
export const MAX_CARDS_PER_RECORD = 20;
export const MAX_PREFERENCE_CHANGES_PER_RECORD = 100;

export const MemberUpsert = z.object({
  ...memberFields,
  cards: z.array(CardItem).max(MAX_CARDS_PER_RECORD),
  preferenceChanges: z.array(PreferenceChangeItem).max(MAX_PREFERENCE_CHANGES_PER_RECORD).optional(),
});

/** The confirmed state a sale was computed against (DOMAIN.md 12): the till's feed cursor then. */
export const SaleBasis = z.object({
  cursor: z.number().int().min(0),
  /** the highest of the till's own seqs head office's confirmation of the member included */
  confirmedThrough: z.number().int().min(0),
});

export const SaleRecord = z.object({
  saleId: RecordId,
  memberNo: MemberNo.nullable(),
  ruleVersion: RuleVersion,
  /** the till's validated sale request (CONTRACTS.md sale body); head office recomputes from it */
  request: z.record(z.string(), z.unknown()),
  pointsEarned: Points,
  bonusPoints: Points,
  pointsRedeemed: Points,
  total: Fen,
  occurredAt: Instant,
  /** when the till recorded it (a late sale's budget is that day's, DOMAIN.md 12) */
  recordedAt: Instant.optional(),
  basis: SaleBasis.nullable().optional(),
  /** the engine's per-line result, so a return at another store can take the sale back */
  computation: z.record(z.string(), z.unknown()).optional(),
});

/** Quantity in thousandths per sku. */
const ReturnedQuantities = z.record(z.string(), z.number().int().min(0));

export const ReturnRecord = z.object({
  returnId: RecordId,
  originalSaleId: RecordId,
  /** the till that rang the original sale up; absent = the uploading till's own sale */
  originalTillId: TillId.optional(),
  request: z.record(z.string(), z.unknown()),
  pointsReversed: Points,
  pointsRestored: Points,
  occurredAt: Instant,
  /**
   * Thousandths per sku the till counted as taken back by earlier returns of the sale when it
   * computed this one (head office recomputes with it); absent from tills before this field.
   */
  previouslyReturned: ReturnedQuantities.optional(),
  /**
   * The confirmed state the member's figures were decided on (as a sale's `basis`): head office
   * rebuilds the till's view from it to check a shortfall under `deductFromRefund`. Absent from
   * tills before this field and on returns without a member.
   */
  basis: SaleBasis.optional(),
  /**
   * Fen the refund kept back for the points short under `deductFromRefund` (0 otherwise): head
   * office checks it against the member's tier in the same view. Absent from tills before it.
   */
  refundDeduction: Fen.optional(),
});

/** What a member told staff at the till (DOMAIN.md 9: complaints and feedback recorded at the till). */
export { FEEDBACK_CATEGORIES };
export const FeedbackKind = z.enum(FEEDBACK_KINDS);
export const FeedbackRecord = z.object({
  /** the till's own id for it; head office keys it by (till, feedbackId) so a resend is a no-op */
  feedbackId: RecordId,
  kind: FeedbackKind,
  category: z.enum(FEEDBACK_CATEGORIES),
  text: z.string().max(2000),
  memberNo: MemberNo.nullable(),
  /** the member agreed to be contacted about it */
  followUp: z.boolean(),
  staffId: z.string().max(32).nullable(),
  recordedAt: Instant,
});

/**
 * A manual adjustment's reason (main/service/adjust.ts): kept out of the hash-chained entry,
 * which nothing can erase, and sent beside it. `seq` is the adjust_credit / adjust_debit entry's
 * in the same batch; head office keeps the note sealed under (till, seq) and deletes it when
 * the member is erased. Entries written before keep theirs in `data.note`.
 */
export const MAX_ADJUSTMENT_NOTE = 200;
export const AdjustmentNoteRecord = z.strictObject({
  seq: Seq,
  memberNo: MemberNo,
  note: z.string().min(1).max(MAX_ADJUSTMENT_NOTE),
});
export type AdjustmentNoteRecord = z.output<typeof AdjustmentNoteRecord>;

/** An outbox row id of a till (1 on; 0: before the first row). */
const OutboxId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** UploadBatch.outbox: the till's outbox rows `after` < id <= `last` (the records it carries are of these rows). */
export const BatchOutbox = z
  .strictObject({ after: OutboxId, last: OutboxId })
  .refine((o) => o.last >= o.after, { message: 'last must be at least after', path: ['last'] });

/**
 * POST /v1/sync/batches. `entries` are exactly seq firstSeq..lastSeq of the till's chain
 * (empty when lastSeq = firstSeq - 1: a batch of records only). `prevHash` is the hash of
 * entry firstSeq - 1 (GENESIS_HASH for firstSeq 1).
 */
export const UploadBatch = z
  .object({
    tillId: TillId,
    storeId: TillId,
    firstSeq: Seq,
    lastSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    prevHash: Hash,
    entries: z.array(LedgerEntrySchema).max(MAX_BATCH_ITEMS),
    members: z.array(MemberUpsert).max(MAX_BATCH_ITEMS).default([]),
    sales: z.array(SaleRecord).max(MAX_BATCH_ITEMS).default([]),
    returns: z.array(ReturnRecord).max(MAX_BATCH_ITEMS).default([]),
    feedback: z.array(FeedbackRecord).max(MAX_BATCH_ITEMS).default([]),
    /**
     * Optional, so an older till's batch still parses. An older head office strips the unknown
     * key (z.object) and accepts the batch without the notes: upgrade head office first
     * (docs/sync.md "Adjustment reasons").
     */
    adjustmentNotes: z.array(AdjustmentNoteRecord).max(MAX_BATCH_ITEMS).default([]),
    /**
     * The till's outbox rows this batch covers, `after` < id <= `last` (main/db/outbox.ts): the
     * records of a card change, feedback, a preference change or a member record ride no
     * entry of their own, so head office keeps `last` as the till's acknowledged outbox row
     * (`ackOutbox` on the feed) when the batch continues from a row it holds (`after` <= it).
     * Optional: an older till sends none, and an older head office strips it.
     */
    outbox: BatchOutbox.optional(),
  })
  .superRefine((b, ctx) => {
    if (b.lastSeq < b.firstSeq - 1) {
      ctx.addIssue({ code: 'custom', path: ['lastSeq'], message: 'must be at least firstSeq - 1' });
      return;
    }
    if (b.entries.length !== b.lastSeq - b.firstSeq + 1) {
      ctx.addIssue({ code: 'custom', path: ['entries'], message: 'must hold exactly seq firstSeq..lastSeq' });
      return;
    }
    b.entries.forEach((e, i) => {
      if (e.seq !== b.firstSeq + i)
        ctx.addIssue({ code: 'custom', path: ['entries', i, 'seq'], message: `expected seq ${b.firstSeq + i}` });
      if (e.tillId !== b.tillId)
        ctx.addIssue({ code: 'custom', path: ['entries', i, 'tillId'], message: 'must equal the batch tillId' });
    });
    b.adjustmentNotes.forEach((n, i) => {
      const e = b.entries[n.seq - b.firstSeq];
      if (
        !e ||
        e.seq !== n.seq ||
        (e.kind !== 'adjust_credit' && e.kind !== 'adjust_debit') ||
        e.memberNo !== n.memberNo
      )
        ctx.addIssue({
          code: 'custom',
          path: ['adjustmentNotes', i, 'seq'],
          message: "must be an adjustment entry of this batch, of the note's member",
        });
    });
  });

/** core/engine/types.ts LineResult: one line of a sale as the engine computed it. */
export const SaleLine = z.object({
  sku: z.string(),
  category: z.string(),
  quantityMilli: z.number().int().positive(),
  unitPrice: z.number().int(),
  gross: z.number().int(),
  discount: z.number().int(),
  net: z.number().int(),
  pointsTender: z.number().int(),
  excluded: z.boolean(),
  eligible: z.number().int(),
  categoryMultiplierMilli: z.number().int(),
  promotionId: z.string().nullable(),
  promoMultiplierMilli: z.number().int(),
});

// Compile-time guard: a line head office sends back is one the till's return arithmetic takes.
const _lineFits = (l: z.output<typeof SaleLine>): LineResult => l;
void _lineFits;

/** What a till keeps of a sale's computation: enough to take any part of it back (DOMAIN.md 6). */
export const SaleComputation = z.object({
  lines: z.array(SaleLine).min(1),
  /** sale points actually granted */
  earned: Points,
  pointsRedeemed: Points,
  stampEarned: z.number().int().min(0),
  /**
   * the campaign bonuses the sale gave, each with the offer's minimum spend: a return that leaves
   * the kept eligible spend below it takes the bonus back (docs/campaigns.md "Returns"). Absent on
   * sales of tills before this field: their bonus is never taken back.
   */
  campaignBonuses: z.array(z.object({ campaignId: z.string().max(64), points: Points, minSpend: Fen })).optional(),
});

/**
 * GET /v1/sync/sales/{saleId}[?till=<tillId>][&store=<storeId>]: a sale as head office holds
 * it, so a till of another store can take a return against it (DOMAIN.md 12).
 */
export const OriginalSale = z.object({
  tillId: TillId,
  storeId: TillId,
  saleId: RecordId,
  memberNo: MemberNo.nullable(),
  ruleVersion: RuleVersion,
  occurredAt: Instant,
  request: z.record(z.string(), z.unknown()),
  computation: SaleComputation,
  pointsEarned: Points,
  pointsRedeemed: Points,
  /** the ledger id (`till:seq`) of the sale's earn entry: the lot a return reverses first; null without one */
  earnEntryId: z.string().nullable(),
  /** thousandths per sku already returned, over every till's returns of this sale head office holds */
  returned: ReturnedQuantities,
  /** those returns one by one, so a till can leave out its own (it counts them from its database) */
  returns: z.array(z.object({ tillId: TillId, returnId: RecordId, returned: ReturnedQuantities })),
  /** a return of this sale already took its stamp back */
  stampReturned: z.boolean(),
  /** the ledger ids (`till:seq`) of the sale's campaign bonus entries by campaign: the lots a bonus reversal names */
  bonusEntryIds: z.record(z.string(), z.string()).default({}),
  /** campaigns whose bonus a return of this sale already took back (default: an older head office) */
  bonusesReturned: z.array(z.string()).default([]),
});

/** The target of a sale lookup; `narrow` picks one till's or one store's sale of that number. */
export function salePath(saleId: string, narrow: { tillId?: string; storeId?: string } = {}): string {
  const q = new URLSearchParams();
  if (narrow.tillId !== undefined) q.set('till', narrow.tillId);
  if (narrow.storeId !== undefined) q.set('store', narrow.storeId);
  const query = q.toString();
  return `${SYNC_PATHS.sale.replace('{saleId}', encodeURIComponent(saleId))}${query ? `?${query}` : ''}`;
}

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});

/** 200 answer to an upload. `ackSeq`/`headHash`: the till's chain as head office now holds it. */
export const BatchAck = z.object({
  status: z.enum(['applied', 'duplicate']),
  ackSeq: z.number().int().min(0),
  headHash: Hash,
});

/** 409: the batch starts after a hole; resend from `expectedSeq`. */
export const SequenceGap = ErrorBody.extend({ expectedSeq: Seq });

const Cursor = z.number().int().min(1);

const DayPoints = z.array(z.object({ on: LocalDateStr, points: z.number().int() }));

/** core/ledger/state.ts MemberState, as head office sends it down the feed. */
export const MemberStateSchema = z.object({
  memberNo: MemberNo,
  balance: z.number().int(),
  tier: z.string(),
  lots: z.array(
    z.object({
      id: z.string(),
      earnedOn: LocalDateStr,
      expiresOn: LocalDateStr.nullable(),
      remaining: z.number().int(),
    }),
  ),
  debt: z.number().int(),
  spend: z.array(z.object({ on: LocalDateStr, amount: z.number().int() })),
  spendBookedBack: z.array(z.object({ on: LocalDateStr, amount: z.number().int(), at: LocalDateStr })).optional(),
  stamps: z.number().int(),
  stampsHigh: z.number().int().optional(),
  birthdayGiftYear: z.number().int().nullable(),
  earnedDays: DayPoints,
  winBackUntil: LocalDateStr.nullable(),
  offers: z
    .array(
      z.object({
        campaignId: z.string(),
        multiplierMilli: z.number().int(),
        from: LocalDateStr,
        until: LocalDateStr,
        name: z.object({ zh: z.string(), en: z.string() }),
        kind: z.enum(['multiplier', 'bonus', 'coupon', 'service']).optional(),
        minSpend: z.number().int().optional(),
        bonusPoints: z.number().int().optional(),
        couponCode: z.string().optional(),
        couponValue: z.number().int().optional(),
        service: z.string().optional(),
        usedBy: z.string().nullable().optional(),
      }),
    )
    .optional(),
  tierRank: z.number().int().optional(),
  lateDays: DayPoints.optional(),
  coupons: z
    .record(
      z.string(),
      z.object({
        rewardId: z.string(),
        value: z.number().int(),
        validFrom: LocalDateStr,
        validTo: LocalDateStr,
        issuedBy: z.string(),
        usedAt: z.string().nullable(),
        usedSaleId: z.string().nullable(),
        usedBy: z.string().nullable(),
      }),
    )
    .optional(),
  offerUsesAhead: z.record(z.string(), z.object({ on: LocalDateStr, usedBy: z.string() })).optional(),
  couponUsesAhead: z
    .record(
      z.string(),
      z.object({ on: LocalDateStr, usedAt: z.string(), usedSaleId: z.string().nullable(), usedBy: z.string() }),
    )
    .optional(),
  servicesUsed: z.record(z.string(), z.number().int()).optional(),
  firstSaleOn: LocalDateStr.nullable().optional(),
  tierSince: LocalDateStr.nullable(),
  reviewedThrough: LocalDateStr.nullable(),
  lastSaleOn: LocalDateStr.nullable(),
  lastSeq: z.string().nullable(),
});

// Compile-time guard: what the feed carries is a MemberState the till can fold on.
const _stateFits = (s: z.output<typeof MemberStateSchema>): MemberState => s;
void _stateFits;
export const MemberFeed = z.object({ ...memberFields, status: z.enum(['active', 'blocked']) });
export const MemberStateFeed = z.object({
  balance: z.number().int(),
  tier: z.string(),
  class: z.enum(['A', 'B', 'C', 'D']).nullable(),
});

/**
 * What the change feed sends in place of a name and phone a till has no need of (head office's
 * store/sqlite-feed.ts): a placeholder unique per member, so the till's phone index takes it.
 */
export const WITHHELD_NAME = '*';
export function withheldPhone(memberNo: string): string {
  return `*${memberNo}`;
}
export function isWithheld(m: { memberNo: string; name: string; phone: string }): boolean {
  return m.name === WITHHELD_NAME && m.phone === withheldPhone(m.memberNo);
}

/** POST /v1/sync/members/lookup: the mobile number as core/members.ts normalisePhone gives it. */
export const MemberLookupRequest = z.strictObject({
  phone: z.string().regex(/^1\d{10}$/, 'must be a normalised mainland China mobile number'),
});

/**
 * 200 answer to a member lookup: the member as the feed gives it to a till that needs the name
 * and phone, its state and its cards. From now on the feed sends that till the member's
 * personal data (the till serves the member).
 */
export const MemberLookupAnswer = z.object({
  member: MemberFeed,
  state: MemberStateFeed,
  cards: z.array(z.object({ code: z.string(), kind: CardItem.shape.kind, status: CardItem.shape.status })),
});

const MemberChange = z.object({
  type: z.literal('member'),
  cursor: Cursor,
  member: MemberFeed,
  state: MemberStateFeed.nullable(),
});
const CardChange = z.object({
  type: z.literal('card'),
  cursor: Cursor,
  code: z.string(),
  kind: CardItem.shape.kind,
  memberNo: MemberNo,
  status: CardItem.shape.status,
});
const BalanceChange = z.object({
  type: z.literal('balance'),
  cursor: Cursor,
  memberNo: MemberNo,
  /** the ledger balance over every till's entries head office holds (may be negative) */
  balance: z.number().int(),
  /** `balance` less points in lots past their expiry date on confirmedAt's local day: the safe base for offline limits */
  available: z.number().int(),
  tier: z.string(),
  confirmedAt: Instant,
  /** per till, the highest seq of this member's entries the balance includes */
  includes: z.record(z.string(), z.number().int()),
  /** head office's merged state of the member (core MemberState): what every till decides on */
  state: MemberStateSchema.optional(),
});
const RuleSetChange = z.object({ type: z.literal('ruleset'), cursor: Cursor, ruleSet: RuleSet });
/** the member's personal data was erased at head office (DOMAIN.md 10): erase it here too */
const ErasureChange = z.object({ type: z.literal('erasure'), cursor: Cursor, memberNo: MemberNo, erasedAt: Instant });

/** A change as head office's store produces it and as the till applies it, personal fields opened. */
export const Change = z.discriminatedUnion('type', [
  MemberChange,
  CardChange,
  BalanceChange,
  RuleSetChange,
  ErasureChange,
]);

/**
 * The member's personal fields travel sealed to the one till they are meant for (issue 11,
 * item 2; core/sync/personal.ts): `personal` replaces them on the wire, everything else of the
 * record stays in clear (the till needs it to apply the change before opening anything).
 */
export const PERSONAL_FIELDS = ['name', 'phone', 'birthday', 'gender', 'ageBand', 'interests'] as const;

/** AES-256-GCM envelope: base64 of the 12-byte nonce, base64 of ciphertext followed by the 16-byte tag. */
export const SealedPersonal = z.strictObject({
  nonce: z.string().regex(/^[A-Za-z0-9+/]{16}$/, 'base64 of 12 bytes'),
  ciphertext: z
    .string()
    .max(16_384)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64'),
});

/** The sealed plaintext, checked again after opening: what PERSONAL_FIELDS hold in MemberFeed. */
export const PersonalFields = MemberFeed.pick({
  name: true,
  phone: true,
  birthday: true,
  gender: true,
  ageBand: true,
  interests: true,
});

/** A member record on the wire: MemberFeed with PERSONAL_FIELDS sealed into `personal`. */
export const SealedMemberFeed = MemberFeed.omit({
  name: true,
  phone: true,
  birthday: true,
  gender: true,
  ageBand: true,
  interests: true,
}).extend({ personal: SealedPersonal });

/**
 * Limited-stock rewards (core/rewards/availability.ts): units left chain-wide as head office
 * counts them when it answers; a feed page carries them while the rule set in force has any.
 */
export const RewardStock = z.array(
  z.object({ rewardId: z.string().min(1).max(40), remaining: z.number().int().min(0) }),
);

/**
 * Where a feed page leaves the till on head office's timeline of changes (headoffice/store/
 * feed-timeline.ts): `cursorAt` is head office's stamp of the change at `cursor`, which the
 * till sends back as `afterAt`; `rewound` says head office did not hold the till's last change
 * (`from`) with that stamp (it was restored from a backup), so the page starts after an
 * earlier one (`to`) and the till must let it replace what the lost changes told it.
 */
export const FeedPosition = z.object({
  cursorAt: z.string().max(40).optional(),
  rewound: z.object({ from: z.number().int().min(0), to: z.number().int().min(0) }).optional(),
  /** the last seq of the asking till head office holds: below the till's own acknowledged seq after a restore */
  ackSeq: z.number().int().min(0).optional(),
  /**
   * the last outbox row of the asking till head office holds with every row before it (UploadBatch
   * `outbox`): below the till's own after a restore; absent while head office does not know it
   * (a till that never named one, or an older head office)
   */
  ackOutbox: OutboxId.optional(),
  /**
   * true: the page read a full `limit` of the feed's rows, so more may follow (ask again from
   * `cursor`); false: it reached the feed's head, so the till is caught up and need not ask
   * again until its next cycle. Absent from an older head office (the till asks until a page is
   * empty, as before).
   */
  more: z.boolean().optional(),
});

/** A change as it travels in GET /v1/sync/changes: a member's personal fields sealed to the asking till. */
export const SealedChange = z.discriminatedUnion('type', [
  MemberChange.extend({ member: SealedMemberFeed }),
  CardChange,
  BalanceChange,
  RuleSetChange,
  ErasureChange,
]);

/** 200 answer to GET /v1/sync/changes as sent; `cursor` is the one to pass as `after` next time. */
export const SealedChangesResponse = z.object({
  changes: z.array(SealedChange),
  cursor: z.number().int().min(0),
  ...FeedPosition.shape,
  stock: RewardStock.optional(),
});

/** 200 answer to POST /v1/sync/members/lookup as sent: the member's personal fields sealed to the asking till. */
export const SealedMemberLookupAnswer = MemberLookupAnswer.extend({ member: SealedMemberFeed });

/** A page of the change feed as head office's store reads it (personal fields open; SealedChangesResponse on the wire). */
/**
 * Head office's member-QR key sealed to the asking till (core/sync/memberqrkey.ts): `kid` names
 * the key (a fingerprint, so a till notices a rotation), `nonce` and `ciphertext` (key ‖ tag) base64.
 */
export const SealedMemberQrKey = z.strictObject({
  kid: z.string().regex(/^[0-9a-f]{16}$/),
  nonce: z.string().regex(/^[A-Za-z0-9+/]{16}$/),
  ciphertext: z.string().regex(/^[A-Za-z0-9+/]{64}$/),
});

export const ChangesResponse = z.object({
  changes: z.array(Change),
  cursor: z.number().int().min(0),
  ...FeedPosition.shape,
  stock: RewardStock.optional(),
});

/**
 * POST /v1/sync/rewards/reserve: hold one unit of a limited-stock reward for this till before
 * it issues the reward. `reservationId` is the till's own (a UUID), the idempotency key: the
 * same id again answers the same reservation and never takes a second unit.
 */
export const RewardReserveRequest = z.strictObject({
  reservationId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'letters, digits and - (a UUID)'),
  rewardId: z.string().min(1).max(40),
  memberNo: MemberNo,
});

/**
 * 200 answer to a reservation, signed like every sync answer (so "sold out" is head office's
 * word too): `reserved` (held until `expiresAt` unless the till's `reward` entry with this
 * reservationId arrives first; `confirmed` when it already did), `sold_out`, or `not_available`
 * (unknown reward, unlimited, or outside its days at head office). `remaining` is after this answer.
 */
export const RewardReserveAnswer = z.object({
  outcome: z.enum(['reserved', 'confirmed', 'sold_out', 'not_available']),
  reservationId: z.string(),
  rewardId: z.string(),
  remaining: z.number().int().min(0),
  expiresAt: Instant.nullable(),
});

export type UploadBatchInput = z.input<typeof UploadBatch>;
/** What a till builds and sends: its own LedgerEntry objects need no index signature. */
export type UploadBatchBody = Omit<UploadBatchInput, 'entries'> & { entries: LedgerEntry[] };
export type UploadBatch = z.output<typeof UploadBatch>;
export type MemberUpsert = z.output<typeof MemberUpsert>;
export type CardItem = z.output<typeof CardItem>;
export type PreferenceChangeItem = z.output<typeof PreferenceChangeItem>;
export type SaleRecord = z.output<typeof SaleRecord>;
export type ReturnRecord = z.output<typeof ReturnRecord>;
export type FeedbackRecord = z.output<typeof FeedbackRecord>;
export type OriginalSale = z.output<typeof OriginalSale>;
export type SaleComputation = z.output<typeof SaleComputation>;
export type BatchAck = z.output<typeof BatchAck>;
export type MemberFeed = z.output<typeof MemberFeed>;
export type Change = z.output<typeof Change>;
export type ChangesResponse = z.output<typeof ChangesResponse>;
export type MemberLookupRequest = z.output<typeof MemberLookupRequest>;
export type MemberLookupAnswer = z.output<typeof MemberLookupAnswer>;
export type SealedPersonal = z.output<typeof SealedPersonal>;
export type PersonalFields = z.output<typeof PersonalFields>;
export type SealedMemberFeed = z.output<typeof SealedMemberFeed>;
export type SealedChange = z.output<typeof SealedChange>;
export type SealedChangesResponse = z.output<typeof SealedChangesResponse>;
export type SealedMemberLookupAnswer = z.output<typeof SealedMemberLookupAnswer>;
export type SealedMemberQrKey = z.output<typeof SealedMemberQrKey>;
export type RewardStock = z.output<typeof RewardStock>;
export type RewardReserveRequest = z.output<typeof RewardReserveRequest>;
export type RewardReserveAnswer = z.output<typeof RewardReserveAnswer>;
