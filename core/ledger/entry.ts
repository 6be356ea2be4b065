/**
 * Ledger entries: the append-only record every balance, lot and tier is derived from.
 * Points on an entry are never negative (DOMAIN.md 1); the kind says which way they go.
 */
export const CREDIT_KINDS = ['earn', 'bonus', 'restore', 'adjust_credit'] as const;
export const DEBIT_KINDS = ['redeem', 'reward', 'reverse', 'expire', 'adjust_debit'] as const;
export const MARKER_KINDS = ['tier', 'offer', 'stamp_return', 'coupon_use', 'service_use'] as const;

export type CreditKind = (typeof CREDIT_KINDS)[number];
export type DebitKind = (typeof DEBIT_KINDS)[number];
export type EntryKind = CreditKind | DebitKind | (typeof MARKER_KINDS)[number];

export const ENTRY_KINDS: readonly EntryKind[] = [...CREDIT_KINDS, ...DEBIT_KINDS, ...MARKER_KINDS];

/** Kind-specific facts the reducer needs; everything else about a sale lives in the sale row. */
export interface EntryData {
  /** earn: stamps added (0/1); bonus: which bonus */
  stamp?: number;
  bonus?: 'birthday' | 'stamp' | 'enrolment' | 'referral' | 'campaign';
  /** earn: the rule-set version the points were computed with */
  ruleVersion?: number;
  /** reverse: the earn entry whose lot is reversed first (a campaign bonus's reversal: the bonus entry) */
  lotId?: string;
  /**
   * reverse: this reversal takes back a campaign bonus (`campaignId`), not sale points: a return
   * left the sale's kept eligible spend below the offer's `minSpend` (docs/campaigns.md "Returns")
   */
  bonusReturn?: boolean;
  /**
   * reverse: the local date of the original sale. Its spend reduction belongs to that date's
   * window (DOMAIN.md 12), never to the return's own date.
   */
  spendOn?: string;
  /**
   * earn: the local date the till recorded a sale dated an earlier day (a late sale, DOMAIN.md
   * 12); its points count against that day's late budget as well as against the sale's own day.
   */
  recordedOn?: string;
  /** expire: lots expiring before this local date are removed */
  before?: string;
  /** tier: the change */
  fromTier?: string;
  toTier?: string;
  reason?: 'threshold' | 'instant' | 'review' | 'hq';
  /**
   * tier: the position of toTier in the programme's tier list. An upgrade with a rank never
   * lowers a tier reached elsewhere (two stores may both upgrade a member offline, or head
   * office may have upgraded on the merged spend first).
   */
  rank?: number;
  /**
   * tier, a review: the rolling spend (fen) the tier it judged needs. A downgrade folded onto spend
   * that meets it (a till's sales dated before the review, uploaded after head office wrote it)
   * keeps the tier (core/ledger/state.ts). Reviews written before it have none.
   */
  threshold?: number;
  /**
   * tier, an upgrade a linked till decided on a tier its due reviews gave in memory (head
   * office's not arrived yet): those reviews, in order, each with the spend its tier needed. The
   * fold lets such an upgrade below the stored, unreviewed tier stand when every one of them
   * judges the same on the spend it knows (core/ledger/state.ts).
   */
  reviewedInMemory?: { before: string; from: string; to: string; threshold: number }[];
  /**
   * tier, head office's upgrade on the merged spend: the local date the spend reached the tier,
   * when that was before the upgrade was written (a till's batch that arrived late). The tier is
   * held from then, as it would have been had the batch arrived on its day (DOMAIN.md 5).
   */
  reachedOn?: string;
  /** offer: win-back until (local date, inclusive) */
  winBackUntil?: string;
  /**
   * offer: a campaign's offer (docs/campaigns.md): the campaign, its earn multiplier in
   * thousandths (2000 = x2), the local dates it applies (inclusive) and its name for the cashier
   * and the receipt. An offer entry with campaignId leaves winBackUntil alone.
   */
  campaignId?: string;
  multiplierMilli?: number;
  from?: string;
  until?: string;
  offerName?: { zh: string; en: string };
  /**
   * offer: what the campaign's offer gives (absent: the earn multiplier). bonus: `bonusPoints`
   * once, on a sale whose eligible spend is at least `minSpend` fen; service: one free `service`.
   * A campaign's coupon is a `reward` entry with campaignId and offerName, 0 points. A `bonus`
   * entry with bonus "campaign" and a `service_use` entry with campaignId use the offer; the bonus
   * entry carries the offer's `minSpend` too, so a return can tell when the sale falls below it.
   */
  offerKind?: 'multiplier' | 'bonus' | 'coupon' | 'service';
  minSpend?: number;
  bonusPoints?: number;
  /** reward: coupon issued; coupon_use: the coupon used */
  couponCode?: string;
  /** reward: what the coupon is (so every till knows it after a sync, DOMAIN.md 12) */
  rewardId?: string;
  couponValue?: number;
  /** reward of a limited-stock reward: head office's reservation it issues; absent = issued offline */
  reservationId?: string;
  validFrom?: string;
  validTo?: string;
  /** coupon_use: the POS sale the coupon paid on, when given */
  usedOnSale?: string;
  /** service_use: the free service claimed (a tier benefit, DOMAIN.md 5) */
  service?: string;
  /** head office entries: the operator who decided, or "eod" for the end-of-day run */
  operator?: string;
  staffId?: string;
  /**
   * adjust_credit/adjust_debit: the signed-in staff member who keyed an adjustment another
   * (the supervisor in `staffId`) approved with their PIN (DOMAIN.md 10: attributed and kept)
   */
  cashierId?: string;
  /** adjustments and offers: the reason given (DOMAIN.md 10: every manual action is attributed and kept) */
  note?: string;
  /** redeem/reward: made while the till was offline (DOMAIN.md 4 offline daily limit) */
  offline?: boolean;
}

export interface LedgerEntry {
  tillId: string;
  /** gapless per till: 1, 2, 3 ... */
  seq: number;
  memberNo: string;
  kind: EntryKind;
  points: number;
  /** change of rolling qualifying spend in fen (earn +, reverse -) */
  spend: number;
  occurredAt: string;
  /** local date in the programme's time zone */
  localDate: string;
  /** local date the lot created by a credit expires after (inclusive); null = never */
  expiresOn: string | null;
  saleId: string | null;
  returnId: string | null;
  data: EntryData;
  prevHash: string;
  hash: string;
}

export type UnsignedEntry = Omit<LedgerEntry, 'hash'>;

export function isCredit(kind: EntryKind): kind is CreditKind {
  return (CREDIT_KINDS as readonly string[]).includes(kind);
}

export function isDebit(kind: EntryKind): kind is DebitKind {
  return (DEBIT_KINDS as readonly string[]).includes(kind);
}

/** Signed effect on the balance. */
export function signedPoints(e: Pick<LedgerEntry, 'kind' | 'points'>): number {
  if (isCredit(e.kind)) return e.points;
  if (isDebit(e.kind)) return -e.points;
  return 0;
}

export function lotIdOf(e: Pick<LedgerEntry, 'tillId' | 'seq'>): string {
  return `${e.tillId}:${e.seq}`;
}
