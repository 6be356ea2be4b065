/**
 * Head office's storage boundary. Every operation is one coarse, async call that an
 * implementation runs in one transaction of its own: SQLite (sqlite.ts) runs it synchronously
 * inside db.transaction; a PostgreSQL implementation (HQ_DATABASE_URL, not built yet) would run
 * the same steps between BEGIN and COMMIT, locking the till's row for ingest, and reuse the
 * pure decisions in headoffice/domain/ (merge order, fold, recompute, segments).
 */
import type { Targets } from '../../core/overview.js';
import type { OverviewQuery, OverviewReport, StoredTargets } from './overview.js';
import type { LedgerEntry } from '../../core/ledger/entry.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import type { z } from 'zod';
import type { ChangesResponse, OriginalSale, RewardReserveRequest, UploadBatch } from '../../core/sync/protocol.js';
import type { ReserveOutcome, RewardStockReport } from './stock.js';
import type {
  AdjustmentRequest as AdjustmentRequestSchema,
  DoubleSpendCaseSchema,
  EodAnswer,
  MemberExportSchema,
  MemberViewSchema,
  OperatorRequestBody,
  SummaryReportSchema,
  TillMismatchSchema,
  TillViewSchema,
  WinBackRequest as WinBackRequestSchema,
} from '../api-schemas.js';
import type { FeedbackOp, FeedbackOutcome } from '../feedback-schemas.js';
import type { Transition } from '../../core/campaigns.js';
import type { SegmentRule } from '../../core/campaigns.js';
import type {
  CampaignCreateRequest,
  CampaignPreview,
  CampaignPreviewRequest,
  CampaignResult,
  CampaignView,
} from '../campaign-schemas.js';
import type { SegmentCreateRequest, SegmentView } from '../segment-schemas.js';
import type { CreateOutcome, TransitionOutcome } from './campaigns.js';
import type {
  DeleteOutcome as SegmentDeleteOutcome,
  RenameOutcome as SegmentRenameOutcome,
  SaveOutcome as SegmentSaveOutcome,
} from './saved-segments.js';
import type { MemberLookupOutcome } from './members.js';
import type { WireBody } from './inbox-body.js';
import type { ClaimedMessage, MessageRequest, QueueOutcome } from './messages.js';
import type { MemberHome, OtpRequestOutcome, OtpVerifyOutcome } from './memberpage.js';
import type { MemberPreferences, PagePreferenceOutcome } from './preferences.js';
import type { Preferences } from '../../core/preferences.js';
import type { SendResult } from '../messages/channel.js';
import type { DailyQuery, DailyReport } from './daily.js';
import type { SurveySale } from '../../core/survey/token.js';
import type { NpsReport } from '../survey-schemas.js';
import type { SurveyAnswerInput, SurveyOutcome, SurveyStatus } from './surveys.js';
import type { MembersReportFull, RfmMember } from './members-report.js';
import type { TimelineAsk } from './feed-timeline.js';

export type { MemberLookupOutcome, DailyQuery, DailyReport };

// The ledger as the core type (the schema's loose `data` reads wider than EntryData).
export type MemberView = Omit<z.output<typeof MemberViewSchema>, 'ledger'> & { ledger: LedgerEntry[] };
export type TillView = z.output<typeof TillViewSchema>;
export type TillMismatch = z.output<typeof TillMismatchSchema>;
export type DoubleSpendCase = z.output<typeof DoubleSpendCaseSchema>;
export type SummaryReport = z.output<typeof SummaryReportSchema>;
/** Everything head office holds about one member (DOMAIN.md 10), personal fields in clear. */
export type MemberExport = Omit<z.output<typeof MemberExportSchema>, 'ledger'> & { ledger: LedgerEntry[] };
/** Who asks for a manual action, and why (DOMAIN.md 10: attributed and kept). */
export type OperatorRequest = z.output<typeof OperatorRequestBody>;
export type AdjustmentRequest = z.output<typeof AdjustmentRequestSchema>;
export type WinBackRequest = z.output<typeof WinBackRequestSchema>;
/** What one end-of-day run decided (store/eod.ts). */
export type EodReport = z.output<typeof EodAnswer>;

/** Names head office registers for a store and a till (issue 13 item 8), shown instead of ids. */
export interface PlaceNames {
  storeName?: string | null;
  tillName?: string | null;
  /** who named them: the operator, or `add-till` for the command line */
  by?: string;
}

export type RenameOutcome = { kind: 'renamed'; previous: string | null } | { kind: 'unknown' };

export interface TillAuthRecord {
  tillId: string;
  storeId: string;
  secret: string;
}

export type IngestOutcome =
  | { kind: 'ok'; status: 'applied' | 'duplicate'; ackSeq: number; headHash: string; appliedEntries: number }
  | { kind: 'gap'; expectedSeq: number }
  | { kind: 'chain_broken'; seq: number; reason: string }
  /** the till's earlier batches are accepted but cannot be applied yet; try again later */
  | { kind: 'unavailable'; reason: string };

/** What a store reports as it works, for the process's metrics (metrics.ts). */
export interface StoreObserver {
  /**
   * an upload's outcome, as answered to the till; `appliedNow`: entries applied in its own
   * transaction (a batch that was no clean continuation is checked and applied there, after
   * every batch waiting)
   */
  ingested(outcome: IngestOutcome, appliedNow: number): void;
  /** an apply pass that applied something or failed (passes that found nothing are not reported) */
  applyPass(pass: { entries: number; seconds: number; failed: boolean }): void;
}

export type PublishOutcome =
  | { kind: 'published'; version: number; cursor: number }
  | { kind: 'unchanged'; version: number }
  | { kind: 'conflict'; code: 'version_conflict' | 'stale_version'; message: string };

export type EraseOutcome =
  | { kind: 'erased'; erasedAt: string; cardsBlocked: number }
  | { kind: 'already_erased'; erasedAt: string }
  | { kind: 'unknown' };

export type CaseCloseOutcome =
  { kind: 'closed' | 'already_closed'; closedAt: string; closedBy: string; resolution: string } | { kind: 'unknown' };

export type ChainClearOutcome =
  { kind: 'cleared'; previousError: string | null } | { kind: 'not_broken' } | { kind: 'unknown' };

/** Which till's or store's sale of a receipt number a lookup means (either, both or none). */
export interface SaleNarrowing {
  tillId?: string;
  storeId?: string;
}

export type OriginalSaleOutcome =
  | { kind: 'found'; sale: OriginalSale }
  | { kind: 'unknown' }
  /** several tills hold a sale of that number; the lookup must name the till or store */
  | { kind: 'ambiguous'; tills: string[] }
  /** recorded by a till that did not send its per-line computation: only its own store can take it back */
  | { kind: 'no_computation'; tillId: string };

export type AdjustOutcome =
  | { kind: 'adjusted'; entry: LedgerEntry; balance: number; ledgerBalance: number }
  /** a debit above the shown balance: nothing written */
  | { kind: 'insufficient'; available: number }
  | { kind: 'unknown' };

export type WinBackOutcome = { kind: 'granted'; entry: LedgerEntry; winBackUntil: string } | { kind: 'unknown' };

export interface HqStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Installs `rs` when no rule set exists yet; true when it did. */
  seedRuleSet(rs: RuleSet, now: Date): Promise<boolean>;
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  /** Sets `key` to `value` unless it holds one already; what it holds after (two processes at once: the first's). */
  claimMeta(key: string, value: string): Promise<string>;
  /**
   * Creates the store if new; throws TillExistsError when the till exists. `names`: the store's
   * and the till's names (a store name given replaces the store's current one).
   */
  addTill(storeId: string, tillId: string, secret: string, now: Date, names?: PlaceNames): Promise<void>;
  /** Names (or renames) a store or a till, attributed to the operator; false for an unknown id. */
  rename(what: 'store' | 'till', id: string, name: string, operatorId: string, now: Date): Promise<RenameOutcome>;
  tillAuth(tillId: string): Promise<TillAuthRecord | null>;
  recordBadSignature(tillId: string): Promise<void>;
  /** Counts a member lookup by number of this till; false (counted as refused) past `limit` in the window (store/lookups.ts). */
  admitLookup(tillId: string, now: Date, limit: number): Promise<boolean>;
  /**
   * Takes an authenticated, schema-valid batch atomically: durable once this resolves, and
   * every read after it sees it applied (the SQLite store may apply it just after answering).
   * `wire`: the body as the till sent it, kept in the inbox instead of the batch re-serialised
   * (store/inbox-body.ts); it must be the bytes `batch` was parsed from.
   */
  ingest(
    till: { tillId: string; storeId: string },
    batch: UploadBatch,
    now: Date,
    wire?: WireBody,
  ): Promise<IngestOutcome>;
  /** The feed page after `from` (its `afterAt` checked against this timeline: store/feed-timeline.ts). */
  changes(tillId: string, from: TimelineAsk, limit: number, now: Date): Promise<ChangesResponse>;
  /** Holds one unit of a limited-stock reward for the till (store/stock.ts); idempotent by reservation id. */
  reserveReward(tillId: string, req: RewardReserveRequest, now: Date): Promise<ReserveOutcome>;
  /** Every limited reward's count and the oversold issues for review (store/stock.ts). */
  rewardStock(now: Date): Promise<RewardStockReport>;
  /** A sale by receipt number with every till's returns of it, for a return at another store (DOMAIN.md 12). */
  originalSale(saleId: string, narrow: SaleNarrowing): Promise<OriginalSaleOutcome>;
  publishRuleSet(rs: RuleSet, now: Date): Promise<PublishOutcome>;
  /** The rule set in force at `now` (the highest version whose effectiveFrom has passed). */
  ruleSetInForce(now: Date): Promise<RuleSet>;
  member(memberNo: string, now: Date): Promise<MemberView | null>;
  tills(): Promise<TillView[]>;
  /** A till's sales and returns head office's recomputation flagged, newest first; null: no such till. */
  tillMismatches(tillId: string): Promise<{ mismatches: TillMismatch[]; truncated: boolean } | null>;
  summary(now: Date): Promise<SummaryReport>;
  /** The programme measures day by day over a local date range (store/daily.ts, core/analytics.ts). */
  daily(q: DailyQuery): Promise<DailyReport>;
  /** The Members report (store/members-report.ts, core/rfm.ts); with `cell`, that RFM cell's members. */
  membersReport(
    now: Date,
    cell: string | null,
  ): Promise<MembersReportFull & { cell: string | null; cellMembers: RfmMember[] | null }>;
  /** An RFM cell's members for a CSV export, recorded as an 'export_segment' operator action. */
  exportSegment(now: Date, cell: string, who: OperatorRequest): Promise<{ today: string; members: RfmMember[] }>;
  /** Recomputes A/B/C/D classes; emits a member change for each class that moved. Returns how many moved. */
  refreshSegments(now: Date): Promise<number>;
  /** Erases the member's personal data here and, through the change feed, on every till. */
  eraseMember(memberNo: string, who: OperatorRequest, now: Date): Promise<EraseOutcome>;
  /** Everything held about the member; the export itself is recorded as an operator action. */
  exportMember(memberNo: string, who: OperatorRequest, now: Date): Promise<MemberExport | null>;
  /** Closes a reviewed double-spend case. */
  closeCase(id: number, who: OperatorRequest, now: Date): Promise<CaseCloseOutcome>;
  /** Clears a till's broken-chain flag after review (what it said is kept with the action). */
  clearChain(tillId: string, who: OperatorRequest, now: Date): Promise<ChainClearOutcome>;
  /** Today's local date in the current rule set's time zone (the end-of-day run's default date). */
  today(now: Date): Promise<string>;
  /**
   * Head office's end-of-day run for `date` (default today; never after today): expiry, due
   * tier reviews, win-back offers, then classes. Applies waiting batches first. Running a day
   * again writes nothing new.
   */
  runEndOfDay(now: Date, date?: string): Promise<EodReport>;
  /** The timer's run for today, unless one is recorded for today already (by any process); null then. */
  runEndOfDayIfDue(now: Date): Promise<EodReport | null>;
  /** Rebuilds the read model (store/aggregates.ts) from the ledger, sales and members; returns its rows. */
  rebuildAggregates(): Promise<number>;
  /** GET /v1/reports/overview (store/overview.ts) */
  overview(q: OverviewQuery): Promise<OverviewReport>;
  targets(): Promise<StoredTargets>;
  setTargets(t: Targets, who: OperatorRequest, now: Date): Promise<StoredTargets>;
  /** An operator's points adjustment, as a head-office ledger entry (a debit never below zero). */
  adjustPoints(memberNo: string, req: AdjustmentRequest, now: Date): Promise<AdjustOutcome>;
  /** A win-back offer granted by an operator, as a head-office ledger entry. */
  grantWinBack(memberNo: string, req: WinBackRequest, now: Date): Promise<WinBackOutcome>;
  /** Campaigns (store/campaigns.ts, docs/campaigns.md): a draft by `author`. */
  createCampaign(req: CampaignCreateRequest, author: string, now: Date): Promise<CreateOutcome>;
  campaigns(): Promise<CampaignView[]>;
  /** approve (a second operator), start (chooses members and writes the offers), end. */
  campaignTransition(id: string, t: Transition, operatorId: string, now: Date): Promise<TransitionOutcome>;
  campaignResult(id: string): Promise<CampaignResult | null>;
  /** How many members a target matches now (the editor's preview). */
  previewCampaign(
    req: CampaignPreviewRequest,
    now: Date,
  ): Promise<CampaignPreview | { kind: 'unknown_segment'; segmentId: string }>;
  /** Saved segments (store/saved-segments.ts, docs/campaigns.md): a rule under a name with its count now. */
  saveSegment(req: SegmentCreateRequest, author: string, now: Date): Promise<SegmentSaveOutcome>;
  segments(): Promise<SegmentView[]>;
  countSegment(rule: SegmentRule, now: Date): Promise<{ asOf: string; members: number }>;
  renameSegment(id: string, name: string, by: string, now: Date): Promise<SegmentRenameOutcome>;
  deleteSegment(id: string, by: string, now: Date): Promise<SegmentDeleteOutcome>;
  /** A message to a member if consent, quiet hours and the cap allow (store/messages.ts, docs/member-page.md). */
  queueMessage(req: MessageRequest, now: Date): Promise<QueueOutcome>;
  /** What the channel answered for a queued message. */
  markMessage(memberNo: string, messageId: string, channel: string, result: SendResult, now: Date): Promise<void>;
  /** Due marketing messages claimed for this process to send (store/messages.ts claimOutbox). */
  claimOutbox(now: Date, limit: number): Promise<ClaimedMessage[]>;
  /** What the channel answered for a claimed message: sent, retried later or failed. */
  settleMessage(msg: ClaimedMessage, channel: string, result: SendResult, now: Date): Promise<void>;
  /**
   * A one-time sign-in code for the member's page (store/memberpage.ts), queued to the member's
   * phone; `client` is the asking address's key (http/client-address.ts), whose code it is.
   */
  requestOtp(phone: string, client: string, now: Date): Promise<OtpRequestOutcome>;
  /** A code typed at `client`, against the code sent for that client; a session token when it matches. */
  verifyOtp(phone: string, code: string, client: string, now: Date): Promise<OtpVerifyOutcome>;
  /** The member a session token signs in, or null. */
  memberSession(token: string, now: Date): Promise<string | null>;
  endMemberSession(token: string): Promise<void>;
  /** What the member's own page shows. */
  memberHome(memberNo: string, now: Date): Promise<MemberHome | null>;
  /** The member's consent, channel and interests with every change (store/preferences.ts); null once erased. */
  memberPreferences(memberNo: string): Promise<MemberPreferences | null>;
  /** A change the member made on their page, recorded in the history and sent to every till. */
  changeMemberPreferences(memberNo: string, requested: Partial<Preferences>, now: Date): Promise<PagePreferenceOutcome>;
  /** A named operator (auth/operator.ts); 'exists' when the id is taken. */
  addOperator(
    op: { id: string; role: 'viewer' | 'analyst' | 'admin'; tokenDigest: Buffer; createdBy: string },
    now: Date,
  ): Promise<'added' | 'exists'>;
  operatorByDigest(digest: Buffer): Promise<{ id: string; role: 'viewer' | 'analyst' | 'admin' } | null>;
  /** Replaces an operator's credential (rotate, or revoke with a digest nobody holds); false for an unknown id. */
  setOperatorToken(id: string, tokenDigest: Buffer): Promise<boolean>;
  /** true once a named admin exists: the shared bootstrap token is then refused. */
  hasAdmin(): Promise<boolean>;
  /** Feedback recorded at the tills: list, assign, or close with a note (DOMAIN.md 9). */
  feedback(op: FeedbackOp, now: Date): Promise<FeedbackOutcome>;
  /** Whether a receipt's sale has its survey answer, and the store's name (store/surveys.ts). */
  surveyStatus(sale: SurveySale): Promise<SurveyStatus>;
  /** Keeps a receipt survey answer whose token the caller verified; one per sale. */
  recordSurveyAnswer(a: SurveyAnswerInput, now: Date): Promise<SurveyOutcome>;
  /** NPS per store and week over sale dates, beside complaints recorded at the tills (store/surveys.ts). */
  npsReport(q: DailyQuery): Promise<NpsReport>;
  /**
   * A member by normalised mobile number for a till whose cashier has the member in front of
   * them; records that the till now serves the member (the feed then carries name and phone to it).
   */
  lookupMember(till: { tillId: string; storeId: string }, phone: string, now: Date): Promise<MemberLookupOutcome>;
  /** Applies every batch accepted and not applied yet (reads do so themselves). */
  settle(): Promise<void>;
  /** Accepted batches waiting to be applied, and why applying them last failed. */
  /** `o` hears of every upload and apply pass from now on (one observer; a second replaces it). */
  observe(o: StoreObserver): void;
  backlog(): Promise<{
    batches: number;
    entries: number;
    oldestReceivedAt: string | null;
    applyError: string | null;
    /** tills whose waiting batches failed to apply */
    stuckTills: string[];
  }>;
  close(): Promise<void>;
}

export class TillExistsError extends Error {
  readonly code = 'till_exists';
  constructor(tillId: string) {
    super(`till ${tillId} already exists`);
    this.name = 'TillExistsError';
  }
}

/** meta key: the latest local date an end-of-day run decided for (the server's timer catches up from it). */
export const EOD_META_KEY = 'eod_last_date';

/** An end-of-day run asked for a day that has not begun: it would expire and review early. */
export class FutureDateError extends Error {
  readonly code = 'date_in_future';
  constructor(date: string, today: string) {
    super(`${date} is after today (${today}) in the programme's time zone`);
    this.name = 'FutureDateError';
  }
}
