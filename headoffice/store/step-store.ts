/**
 * HqStore written once over store steps (storage/sql.ts): each operation is one or two
 * transactions whose bodies are the steps of this folder. The database-specific part is how
 * a transaction runs, in three kinds:
 *
 *   kind     used for                                   SQLite (sqlite.ts)   PostgreSQL (pg.ts)
 *   read     answers that write nothing                 deferred             REPEATABLE READ, read only
 *   write    anything that applies batches, writes      IMMEDIATE            the writer lock (one
 *            member states, the ledger or the feed                           writer at a time across
 *                                                                            every process), caches
 *                                                                            dropped if another wrote
 *   till     what touches one till's row only: accept   IMMEDIATE            READ COMMITTED, the
 *            a batch into the inbox, feed polls, bad                         till's row locked
 *            signatures
 *
 * Every change-feed row is written under the writer lock, so cursors commit in order and a
 * till reading the feed never skips a cursor that a slower transaction fills in later.
 *
 * Accept now, apply soon (inbox.ts): an upload that continues its till's chain is accepted in
 * a till transaction and applied by a background pass a moment later, or by the next read,
 * which applies what is waiting first (`settle`).
 */
import { GENESIS_HASH } from '../../core/ledger/hash.js';
import { lowestTier } from '../../core/engine/tiers.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import type { ChangesResponse, RewardReserveRequest, UploadBatch } from '../../core/sync/protocol.js';
import { localDate } from '../../core/time.js';
import { all, get, run, updateRows, withJsonList, type Sql } from '../../storage/sql.js';
import { HqCipher, type HqKeys } from '../crypto.js';
import type { FeedbackOp, FeedbackOutcome } from '../feedback-schemas.js';
import type { Logger } from '../log.js';
import { clearChain, closeCase } from './actions.js';
import { adjustPoints, grantWinBack } from './adjust.js';
import type { Transition } from '../../core/campaigns.js';
import type {
  CampaignCreateRequest,
  CampaignPreview,
  CampaignPreviewRequest,
  CampaignResult,
  CampaignView,
} from '../campaign-schemas.js';
import type { SegmentRule } from '../../core/campaigns.js';
import type { SegmentCreateRequest, SegmentView } from '../segment-schemas.js';
import {
  countSegment,
  deleteSegment,
  listSegments,
  renameSegment,
  saveSegment,
  type DeleteOutcome as SegmentDeleteOutcome,
  type RenameOutcome as SegmentRenameOutcome,
  type SaveOutcome as SegmentSaveOutcome,
} from './saved-segments.js';
import {
  campaignResult,
  createCampaign,
  listCampaigns,
  previewCampaign,
  transitionCampaign,
  type CreateOutcome,
  type TransitionOutcome,
} from './campaigns.js';
import { AcceptedBodies } from './accepted-bodies.js';
import { admitLookup } from './lookups.js';
import { dropIngestCaches, RecentCache } from './cache.js';
import { HQ_TILL_ID } from './decisions.js';
import { runEndOfDay, runEndOfDayIfDue } from './eod.js';
import { metaValue } from './meta.js';
import { rebuildAggregates, rebuildIfStale } from './aggregates.js';
import {
  overviewReport,
  setTargets,
  targets,
  type OverviewQuery,
  type OverviewReport,
  type StoredTargets,
} from './overview.js';
import type { Targets } from '../../core/overview.js';
import { feedCache, readChangePages } from './feed.js';
import type { TimelineAsk } from './feed-timeline.js';
import { NaturalBatcher, type BatchAnswer } from './batcher.js';
import { feedbackOp } from './feedback.js';
import type { SurveySale } from '../../core/survey/token.js';
import type { NpsReport } from '../survey-schemas.js';
import {
  npsReport,
  recordSurveyAnswer,
  surveyStatus,
  type SurveyAnswerInput,
  type SurveyOutcome,
  type SurveyStatus,
} from './surveys.js';
import {
  acceptBatches,
  acknowledgedOutbox,
  applyInbox,
  prepareAccept,
  inboxBacklog,
  ingestStep,
  WAITING_OUTBOX,
  WAITING_SEQ,
  type AcceptAsk,
  type InboxBacklog,
} from './inbox.js';
import type { WireBody } from './inbox-body.js';
import type { IngestDeps } from './ingest.js';
import { lookupMemberByPhone } from './members.js';
import {
  claimOutbox,
  markMessage,
  queueMessage,
  settleMessage,
  type ClaimedMessage,
  type MessageRequest,
  type QueueOutcome,
} from './messages.js';
import {
  endMemberSession,
  memberHome,
  memberSession,
  requestOtp,
  OTP_FORGET_EVERY_MS,
  verifyOtp,
  type MemberHome,
  type OtpRequestOutcome,
  type OtpVerifyOutcome,
} from './memberpage.js';
import type { SendResult } from '../messages/channel.js';
import { memberView } from './memberview.js';
import { addOperator, hasAdmin, operatorByDigest, setOperatorToken } from './operators.js';
import { eraseMember, exportMember } from './privacy.js';
import { plainMemberFieldsLeft, sealPlainMemberFields } from './member-fields.js';
import {
  changePreferencesFromPage,
  memberPreferences,
  type MemberPreferences,
  type PagePreferenceOutcome,
} from './preferences.js';
import type { Preferences } from '../../core/preferences.js';
import { RuleSetCache, publishRuleSet, seedRuleSet } from './rulesets.js';
import { originalSale } from './sales.js';
import { refreshSegments } from './segments.js';
import { summary } from './summary.js';
import { feedStock, reserveStep, stockReport, type ReserveOutcome, type RewardStockReport } from './stock.js';
import { dailyReport, type DailyQuery, type DailyReport } from './daily.js';
import { exportSegment, membersReportStep, type MembersReportFull, type RfmMember } from './members-report.js';
import { addTillStep, renameStep, tillViews } from './tills.js';
import { tillMismatches } from './mismatches.js';
import type { Tx } from './tx.js';
import {
  EOD_META_KEY,
  FutureDateError,
  TillExistsError,
  type AdjustOutcome,
  type AdjustmentRequest,
  type CaseCloseOutcome,
  type ChainClearOutcome,
  type EodReport,
  type EraseOutcome,
  type HqStore,
  type IngestOutcome,
  type StoreObserver,
  type MemberExport,
  type MemberLookupOutcome,
  type MemberView,
  type OperatorRequest,
  type OriginalSaleOutcome,
  type PlaceNames,
  type PublishOutcome,
  type RenameOutcome,
  type SaleNarrowing,
  type SummaryReport,
  type TillAuthRecord,
  type TillMismatch,
  type TillView,
  type WinBackOutcome,
  type WinBackRequest,
} from './types.js';

/**
 * DECISION: accepted batches are applied in the background once no batch has arrived for
 * APPLY_DELAY_MS, or at the latest APPLY_MAX_WAIT_MS after the first one waiting: a till
 * draining a backlog sends batch after batch, and applying them together writes each member's
 * state once. Each background transaction takes about APPLY_CHUNK_ENTRIES entries (a few
 * hundred milliseconds at most), so requests queue behind one only briefly. Reads never wait
 * for the timer: they apply what is waiting themselves.
 */
export const APPLY_CHUNK_ENTRIES = 5_000;
export const APPLY_DELAY_MS = 50;
export const APPLY_MAX_WAIT_MS = 1_000;

/** How stale a till's "last read the feed" (GET /v1/tills lastFeedAt) may be. */
export const FEED_SEEN_RESOLUTION_MS = 30_000;

/**
 * DECISION: when tills last read the feed is written for all of them at once, at most this
 * long after the poll (and before this process lists its tills or closes): one durable write
 * every few seconds instead of one per till every FEED_SEEN_RESOLUTION_MS, which at a thousand
 * tills was dozens of fsyncs a second queueing beside the uploads' own.
 */
export const FEED_SEEN_FLUSH_MS = 5_000;

/** Tills whose decrypted secrets a process keeps: a chain's tills, with room. */
const TILL_SECRETS_CACHED = 20_000;

/**
 * Batches of accepts written at once: while one batch's commit waits for the disk the next are
 * written (hq_ingest_pg, 8 tills at once: 2 lanes 64k entries/s, 4 lanes 77k, 8 lanes 68k).
 */
const ACCEPT_LANES = 4;

/** A till's feed poll, waiting for its batch. */
interface FeedPoll {
  tillId: string;
  after: number;
  afterAt: string | undefined;
  limit: number;
  now: Date;
}

/** A step to run; a factory, because a transaction retried runs it again from the start. */
export type Step<T> = () => Sql<T>;

export abstract class StepHqStore implements HqStore {
  abstract readonly kind: 'sqlite' | 'postgres';
  protected readonly cipher: HqCipher;
  protected readonly rules = new RuleSetCache();
  /** balance changes as the feed sends them, by cursor (feed.ts) */
  private readonly feedBalances = feedCache();
  private readonly tillAuths = new NaturalBatcher<string, TillAuthRecord | null>((ids) => this.tillAuthBatch(ids), 256);
  /** till secrets by their ciphertext (a rotated secret has another) */
  private readonly tillSecrets = new RecentCache<string, string>(TILL_SECRETS_CACHED);
  /**
   * DECISION: uploads that continue their till's chain are accepted in batches (batcher.ts),
   * one transaction and one durable commit for the uploads of every till that arrived while the
   * last batch was written; each till's answer is still its own. Those that do not continue
   * the chain take the long path one by one.
   */
  private readonly accepts = new NaturalBatcher<AcceptAsk, IngestOutcome | null>(
    async (asks) => {
      const { outcomes, rows } = await this.tillTransaction(() => acceptBatches(asks));
      // Committed: applying takes these bodies from memory rather than from their rows.
      for (const r of rows) this.deps.accepted.keep(r.key, r.batch);
      return outcomes;
    },
    256,
    ACCEPT_LANES,
  );
  private readonly feedReads = new NaturalBatcher<FeedPoll, ChangesResponse>((asks) => this.feedPages(asks));
  protected readonly deps: IngestDeps;
  /** batches this process accepted, kept parsed until applied (accepted-bodies.ts) */
  readonly accepted = new AcceptedBodies();
  private applyTimer: NodeJS.Timeout | null = null;
  private applying: Promise<{ applied: number; pass: number }> | null = null;
  /** tills' feed reads not written yet: till id -> when */
  private feedSeen = new Map<string, string>();
  private feedSeenTimer: NodeJS.Timeout | null = null;
  /** apply passes this process started */
  private passes = 0;
  private waitingSince = 0;
  private lastApplyError: string | null = null;
  private closed = false;
  private observer: StoreObserver | null = null;
  /** when this process last deleted the sign-in counters whose windows were over (memberpage.ts) */
  private otpCountersForgotAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly tx: Tx,
    keys: HqKeys,
    protected readonly log: Logger,
  ) {
    this.cipher = new HqCipher(keys);
    this.deps = {
      db: tx,
      cipher: this.cipher,
      rules: this.rules,
      log,
      dropCaches: () => dropIngestCaches(tx),
      isStorageFull: (e) => this.isStorageFull(e),
      accepted: this.accepted,
    };
  }

  protected abstract read<T>(step: Step<T>): Promise<T>;
  protected abstract write<T>(step: Step<T>): Promise<T>;
  protected abstract tillTransaction<T>(step: Step<T>): Promise<T>;

  /**
   * A write under the writer lock of what no cache derives from (when tills last read the feed):
   * in turn with apply passes, which update the same till rows in their own order (two
   * transactions each holding some of them would deadlock), without making every other process
   * drop its caches as a write does.
   */
  protected bookkeeping<T>(step: Step<T>): Promise<T> {
    return this.write(step);
  }

  /** A read of ONE statement (a look whether anything waits): where the database allows, without a transaction around it. */
  protected peek<T>(step: Step<T>): Promise<T> {
    return this.read(step);
  }
  protected abstract isStorageFull(e: unknown): boolean;
  protected abstract closeDatabase(): Promise<void>;

  /** After an apply pass that applied something: upkeep the database wants (PostgreSQL's statistics). */
  protected afterApplying(): void {}

  /**
   * After a committed write that removed personal data (an erasure, the sealing of plain
   * fields): where the database keeps copies of the old pages outside its main file, let them
   * go (SQLite: the WAL). Best effort; never throws.
   */
  protected afterPersonalDataRemoved(): void {}

  /**
   * Gender, age band and interests rows written before migration 025 / pg 014 hold in clear,
   * sealed once when the store opens (member-fields.ts); how many members it sealed.
   */
  protected async sealMemberFields(): Promise<number> {
    // Looked for first without the writer lock: once sealed, opening takes no write transaction.
    if (!(await this.read(() => plainMemberFieldsLeft()))) return 0;
    const n = await this.write(() => sealPlainMemberFields(this.cipher));
    if (n > 0) {
      this.log.log('info', 'member_fields_sealed', { members: n });
      this.afterPersonalDataRemoved();
    }
    return n;
  }

  /** Starts applying what a previous run accepted and did not apply. */
  protected startApplying(): void {
    this.applySoon();
  }

  private applySoon(): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.applyTimer) {
      if (now - this.waitingSince >= APPLY_MAX_WAIT_MS) return;
      clearTimeout(this.applyTimer);
    } else {
      this.waitingSince = now;
    }
    this.applyTimer = setTimeout(() => {
      this.applyTimer = null;
      void this.applyOnce().then(({ applied }) => {
        if (applied > 0) this.applySoon();
      });
    }, APPLY_DELAY_MS);
    this.applyTimer.unref();
  }

  /**
   * One apply pass at a time per process: a caller finding one under way shares it rather than
   * queueing a second behind the writer lock (holding a pooled connection while it waits, which
   * under hundreds of feed polls a second took every connection uploads need).
   */
  private applyOnce(): Promise<{ applied: number; pass: number }> {
    if (!this.applying) {
      const pass = ++this.passes;
      this.applying = this.applyStep(APPLY_CHUNK_ENTRIES)
        .then((applied) => ({ applied, pass }))
        .finally(() => {
          this.applying = null;
        });
    }
    return this.applying;
  }

  /** One transaction of waiting batches; 0 when none are waiting or applying failed (logged). */
  private async applyStep(maxEntries: number): Promise<number> {
    if (this.closed) return 0;
    const t0 = performance.now();
    try {
      // Each till's run in a savepoint only when one has failed: a pass of hundreds of tills'
      // one-entry batches then spends two round trips fewer per till.
      const n = await this.write(() => applyInbox(this.deps, maxEntries, 'together')).catch((e: unknown) => {
        if (this.closed || this.isStorageFull(e)) throw e;
        return this.write(() => applyInbox(this.deps, maxEntries, 'apart'));
      });
      this.lastApplyError = null;
      if (n > 0) {
        this.afterApplying();
        this.observer?.applyPass({ entries: n, seconds: (performance.now() - t0) / 1000, failed: false });
      }
      return n;
    } catch (e) {
      if (this.closed) return 0;
      this.observer?.applyPass({ entries: 0, seconds: (performance.now() - t0) / 1000, failed: true });
      const error = e instanceof Error ? e.message : String(e);
      // Logged once per distinct failure: each ingest and read retries it.
      if (error !== this.lastApplyError) this.log.log('error', 'inbox_apply_failed', { error });
      this.lastApplyError = error;
      return 0;
    }
  }

  /**
   * Applies every accepted batch before a read. When applying fails the read still answers,
   * from what is applied, and health says what is waiting and why.
   */
  async settle(): Promise<void> {
    // Most reads find nothing waiting: a look without the writer lock spares them a write
    // transaction (on PostgreSQL the lock every process's writes queue for).
    const before = this.passes;
    const mark = await this.peek(function* () {
      const r = (yield* get('SELECT max(id) AS m FROM inbox')) as { m: number | string | null } | undefined;
      return r?.m === null || r?.m === undefined ? null : Number(r.m);
    });
    if (mark === null) return;
    // DECISION: a read waits for the batches accepted before it asked, not for the inbox to be
    // empty: under steady uploads it never is, and a read waiting for that answered late or never.
    for (;;) {
      const { applied, pass } = await this.applyOnce();
      // A pass that began before the mark was read may have looked before those batches came.
      if (pass <= before) continue;
      // Nothing applied: another process did, or only stuck batches wait (tried again, failed again).
      if (applied === 0) return;
      const waits = await this.peek(function* () {
        return (yield* get('SELECT 1 AS w FROM inbox WHERE id <= ? LIMIT 1', mark)) !== undefined;
      });
      if (!waits) return;
    }
  }

  async backlog(): Promise<Omit<InboxBacklog, 'stuck'> & { applyError: string | null; stuckTills: string[] }> {
    const { stuck, ...b } = await this.read(() => inboxBacklog());
    return {
      ...b,
      applyError:
        this.lastApplyError ?? (stuck.length > 0 ? stuck.map((s) => `${s.tillId}: ${s.error}`).join('; ') : null),
      stuckTills: stuck.map((s) => s.tillId),
    };
  }

  async addOperator(
    op: { id: string; role: 'viewer' | 'analyst' | 'admin'; tokenDigest: Buffer; createdBy: string },
    now: Date,
  ): Promise<'added' | 'exists'> {
    return this.write(() => addOperator(op, now));
  }

  async operatorByDigest(d: Buffer): Promise<{ id: string; role: 'viewer' | 'analyst' | 'admin' } | null> {
    return this.read(() => operatorByDigest(d));
  }

  async setOperatorToken(id: string, tokenDigest: Buffer): Promise<boolean> {
    return this.write(() => setOperatorToken(id, tokenDigest));
  }

  async hasAdmin(): Promise<boolean> {
    return this.read(() => hasAdmin());
  }

  async feedback(op: FeedbackOp, now: Date): Promise<FeedbackOutcome> {
    // Applied first: feedback a till uploaded a moment ago is listed.
    await this.settle();
    return this.write(() => feedbackOp(this.cipher, op, now));
  }

  async surveyStatus(sale: SurveySale): Promise<SurveyStatus> {
    return this.read(() => surveyStatus(sale));
  }

  async recordSurveyAnswer(a: SurveyAnswerInput, now: Date): Promise<SurveyOutcome> {
    // Applied first: the sale a till uploaded a moment ago names its member.
    await this.settle();
    return this.write(() => recordSurveyAnswer(this.cipher, a, now));
  }

  async npsReport(q: DailyQuery): Promise<NpsReport> {
    return this.read(() => npsReport(this.rules, q));
  }

  async seedRuleSet(rs: RuleSet, now: Date): Promise<boolean> {
    return this.write(() => seedRuleSet(rs, now));
  }

  async getMeta(key: string): Promise<string | null> {
    return this.read(() => metaValue(key));
  }

  async claimMeta(key: string, value: string): Promise<string> {
    return this.write(function* () {
      yield* run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', key, value);
      return (yield* metaValue(key)) as string;
    });
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.write(function* () {
      yield* run(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        key,
        value,
      );
    });
  }

  async addTill(storeId: string, tillId: string, secret: string, now: Date, names: PlaceNames = {}): Promise<void> {
    const at = now.toISOString();
    const secretEnc = this.cipher.encrypt(secret);
    await this.write(function* () {
      if (yield* get('SELECT 1 FROM tills WHERE till_id = ?', tillId)) throw new TillExistsError(tillId);
      yield* addTillStep(storeId, tillId, secretEnc, GENESIS_HASH, at, names);
    });
  }

  async rename(
    what: 'store' | 'till',
    id: string,
    name: string,
    operatorId: string,
    now: Date,
  ): Promise<RenameOutcome> {
    return this.write(() => renameStep(what, id, name, operatorId, now.toISOString()));
  }

  async tillAuth(tillId: string): Promise<TillAuthRecord | null> {
    // Head office's own chain has no secret: nobody can upload as it.
    if (tillId === HQ_TILL_ID) return null;
    return this.tillAuths.submit(tillId);
  }

  /**
   * Every request of a till is authenticated by its row, read fresh (a secret rotated or a till
   * removed takes effect at once in every process); requests arriving together share one read
   * (batcher.ts), and a secret is decrypted once per process while its ciphertext is unchanged.
   */
  private async tillAuthBatch(tillIds: readonly string[]): Promise<BatchAnswer<TillAuthRecord | null>[]> {
    const rows = await this.peek(function* () {
      return (yield* all(
        withJsonList((isIn) => `SELECT till_id, store_id, secret_enc FROM tills WHERE ${isIn('till_id')}`, 'text'),
        JSON.stringify([...new Set(tillIds)]),
      )) as { till_id: string; store_id: string; secret_enc: Buffer }[];
    });
    const byId = new Map(rows.map((r) => [r.till_id, r]));
    return tillIds.map((tillId) => {
      const r = byId.get(tillId);
      return r ? { tillId, storeId: r.store_id, secret: this.tillSecret(r.secret_enc) } : null;
    });
  }

  private tillSecret(secretEnc: Buffer): string {
    const key = secretEnc.toString('base64');
    let secret = this.tillSecrets.get(key);
    if (secret === undefined) {
      secret = this.cipher.decrypt(secretEnc);
      this.tillSecrets.set(key, secret);
    }
    return secret;
  }

  async recordBadSignature(tillId: string): Promise<void> {
    await this.tillTransaction(function* () {
      yield* run('UPDATE tills SET bad_signatures = bad_signatures + 1 WHERE till_id = ?', tillId);
    });
  }

  async admitLookup(tillId: string, now: Date, limit: number): Promise<boolean> {
    // A till transaction: the counter's row is the till's alone, and apply passes do not hold it.
    return this.tillTransaction(() => admitLookup(tillId, now, limit));
  }

  async ingest(
    till: { tillId: string; storeId: string },
    batch: UploadBatch,
    now: Date,
    wire?: WireBody,
  ): Promise<IngestOutcome> {
    const accepted = await this.accepts.submit(prepareAccept(this.cipher, till.tillId, batch, now, wire));
    if (accepted) {
      this.applySoon();
      this.observer?.ingested(accepted, 0);
      return accepted;
    }
    // Not a clean continuation (a resend overlapping what is held, a refusal): checked and applied here.
    const { outcome: out, drained } = await this.write(() => ingestStep(this.deps, till, batch, now));
    const applied = drained + (out.kind === 'ok' ? out.appliedEntries : 0);
    if (applied > 0) this.afterApplying();
    this.observer?.ingested(out, applied);
    return out;
  }

  observe(o: StoreObserver): void {
    this.observer = o;
  }

  async changes(tillId: string, from: TimelineAsk, limit: number, now: Date): Promise<ChangesResponse> {
    return this.feedReads.submit({ tillId, after: from.after, afterAt: from.afterAt, limit, now });
  }

  /**
   * DECISION: feed polls are answered in batches (batcher.ts): what arrived while the last batch
   * was read is read together, one settle and one transaction, one statement per kind of record
   * for every till in it. At a thousand tills polling every 5 s each poll had cost a dozen
   * statements of its own, most of the database's work.
   */
  private async feedPages(asks: readonly FeedPoll[]): Promise<BatchAnswer<ChangesResponse>[]> {
    // After settle(): every entry acknowledged to a till before it asked is in its page.
    await this.settle();
    const { cipher, rules, feedBalances } = this;
    const now = new Date(Math.max(...asks.map((a) => a.now.getTime())));
    const { pages, tills } = await this.read(function* () {
      const tills = (yield* all(
        withJsonList(
          // Acknowledged: applied, or held in the inbox (another process may be applying it now).
          (isIn) => `SELECT t.till_id, t.store_id, t.last_feed_at, t.ack_seq, t.ack_outbox,
             ${WAITING_SEQ} AS waiting_seq, ${WAITING_OUTBOX} AS waiting_outbox
           FROM tills t WHERE ${isIn('t.till_id')}`,
          'text',
        ),
        JSON.stringify([...new Set(asks.map((a) => a.tillId))]),
      )) as {
        till_id: string;
        store_id: string;
        last_feed_at: string | null;
        ack_seq: number | string;
        ack_outbox: number | string | null;
        waiting_seq: number | string | null;
        waiting_outbox: number | string | null;
      }[];
      const byId = new Map(tills.map((t) => [t.till_id, t]));
      const known = asks.filter((a) => byId.has(a.tillId));
      const read = yield* readChangePages(
        cipher,
        rules,
        feedBalances,
        known.map((a) => ({
          till: { tillId: a.tillId, storeId: (byId.get(a.tillId) as { store_id: string }).store_id },
          after: a.after,
          afterAt: a.afterAt,
          limit: a.limit,
        })),
      );
      // Counted after settle(), like the pages.
      const stock = yield* feedStock(rules, now);
      const byAsk = new Map(known.map((a, i) => [a, read[i] as ChangesResponse]));
      const pages = asks.map((a): ChangesResponse | null => {
        const page = byAsk.get(a);
        return page && stock ? { ...page, stock } : (page ?? null);
      });
      return { pages, tills: byId };
    });
    return asks.map((a, i) => {
      const page = pages[i];
      const till = tills.get(a.tillId);
      if (!page || !till) return new Error(`till ${a.tillId} has no row`);
      this.noteFeedSeen(a.tillId, till.last_feed_at, a.now);
      // Read in the same statement as ackSeq: one consistent view of what was acknowledged.
      const ackOutbox = acknowledgedOutbox(till);
      return {
        ...page,
        ackSeq: Math.max(Number(till.ack_seq), Number(till.waiting_seq ?? 0)),
        ...(ackOutbox === null ? {} : { ackOutbox }),
      };
    });
  }

  /**
   * DECISION: when a till last read the feed is kept to FEED_SEEN_RESOLUTION_MS, not per poll:
   * thousands of tills polling every few seconds would otherwise each cost a durable write.
   */
  private noteFeedSeen(tillId: string, stored: string | null, now: Date): void {
    const seen = this.feedSeen.get(tillId) ?? stored;
    if (seen === null || now.getTime() - Date.parse(seen) >= FEED_SEEN_RESOLUTION_MS) {
      this.feedSeen.set(tillId, now.toISOString());
      this.feedSeenTimer ??= setTimeout(() => void this.flushFeedSeen(), FEED_SEEN_FLUSH_MS);
      this.feedSeenTimer.unref();
    }
  }

  /** Writes the feed reads noted since the last flush, in one transaction; a failure is logged, not thrown. */
  private async flushFeedSeen(): Promise<void> {
    if (this.feedSeenTimer) clearTimeout(this.feedSeenTimer);
    this.feedSeenTimer = null;
    if (this.feedSeen.size === 0) return;
    const seen = [...this.feedSeen];
    this.feedSeen = new Map();
    try {
      await this.bookkeeping(function* () {
        // One statement for every till, under the writer lock: 2,000 tills polling wrote 400 a second.
        yield* updateRows(
          'tills',
          { till_id: 'text', last_feed_at: 'text' },
          seen.map(([till_id, last_feed_at]) => ({ till_id, last_feed_at })),
          't.last_feed_at IS NULL OR t.last_feed_at < v.last_feed_at',
        );
      });
    } catch (e) {
      if (!this.closed) this.log.log('warn', 'feed_seen_not_written', { tills: seen.length, error: String(e) });
    }
  }

  async reserveReward(tillId: string, req: RewardReserveRequest, now: Date): Promise<ReserveOutcome> {
    // Applied first: a reward entry acknowledged a moment ago confirms its hold before counting.
    await this.settle();
    return this.write(() => reserveStep(this.rules, tillId, req, now));
  }

  async rewardStock(now: Date): Promise<RewardStockReport> {
    await this.settle();
    return this.read(() => stockReport(this.rules, now));
  }

  async originalSale(saleId: string, narrow: SaleNarrowing): Promise<OriginalSaleOutcome> {
    // Applied first: a sale or a return acknowledged a moment ago is part of the answer.
    await this.settle();
    return this.read(() => originalSale(saleId, narrow));
  }

  async lookupMember(
    till: { tillId: string; storeId: string },
    phone: string,
    now: Date,
  ): Promise<MemberLookupOutcome> {
    // Applied first: a member enrolled a moment ago at another till is found.
    await this.settle();
    const { cipher, rules } = this;
    return this.write(function* () {
      const firstTier = lowestTier(yield* rules.latest()).code;
      return yield* lookupMemberByPhone(cipher, till, phone, firstTier, now);
    });
  }

  async ruleSetInForce(now: Date): Promise<RuleSet> {
    return this.read(() => this.rules.inForce(now));
  }

  async publishRuleSet(rs: RuleSet, now: Date): Promise<PublishOutcome> {
    await this.settle();
    return this.write(() => publishRuleSet(rs, now));
  }

  async member(memberNo: string, now: Date): Promise<MemberView | null> {
    await this.settle();
    return this.read(() => memberView(this.cipher, this.rules, memberNo, now));
  }

  async tills(): Promise<TillView[]> {
    await this.settle();
    await this.flushFeedSeen();
    return this.read(() => tillViews());
  }

  async tillMismatches(tillId: string): Promise<{ mismatches: TillMismatch[]; truncated: boolean } | null> {
    await this.settle();
    return this.read(() => tillMismatches(tillId));
  }

  async summary(now: Date): Promise<SummaryReport> {
    await this.settle();
    return this.read(() => summary(this.rules, now));
  }

  async daily(q: DailyQuery): Promise<DailyReport> {
    await this.settle();
    return this.read(() => dailyReport(this.rules, q));
  }

  async membersReport(
    now: Date,
    cell: string | null,
  ): Promise<MembersReportFull & { cell: string | null; cellMembers: RfmMember[] | null }> {
    await this.settle();
    return this.read(() => membersReportStep(this.rules, now, cell));
  }

  async exportSegment(now: Date, cell: string, who: OperatorRequest): Promise<{ today: string; members: RfmMember[] }> {
    await this.settle();
    return this.write(() => exportSegment(this.rules, now, cell, who));
  }

  async refreshSegments(now: Date): Promise<number> {
    await this.settle();
    return this.write(() => refreshSegments(this.rules, now));
  }

  async eraseMember(memberNo: string, who: OperatorRequest, now: Date): Promise<EraseOutcome> {
    // Applied first, so a record waiting in the inbox cannot bring the data back after.
    await this.settle();
    const out = await this.write(() => eraseMember(this.cipher, memberNo, who, now));
    if (out.kind === 'erased') this.afterPersonalDataRemoved();
    return out;
  }

  async exportMember(memberNo: string, who: OperatorRequest, now: Date): Promise<MemberExport | null> {
    await this.settle();
    return this.write(() => exportMember(this.cipher, this.rules, memberNo, who, now));
  }

  async closeCase(id: number, who: OperatorRequest, now: Date): Promise<CaseCloseOutcome> {
    return this.write(() => closeCase(id, who, now));
  }

  async clearChain(tillId: string, who: OperatorRequest, now: Date): Promise<ChainClearOutcome> {
    // Applied first: a waiting batch cannot flag the chain once more behind the operator's back.
    await this.settle();
    return this.write(() => clearChain(tillId, who, now));
  }

  async today(now: Date): Promise<string> {
    const rs = await this.read(() => this.rules.latest());
    return localDate(now, rs.timeZone).date;
  }

  async runEndOfDay(now: Date, date?: string): Promise<EodReport> {
    const today = await this.today(now);
    const day = date ?? today;
    if (day > today) throw new FutureDateError(day, today);
    // Decided on every entry acknowledged to a till: what waits in the inbox is applied first.
    await this.settle();
    return this.write(() => runEndOfDay(this.tx, this.rules, day, now, this.cipher));
  }

  async runEndOfDayIfDue(now: Date): Promise<EodReport | null> {
    const today = await this.today(now);
    // Most looks find it done: a read spares them the writer lock (and the settle before a run).
    if (((await this.getMeta(EOD_META_KEY)) ?? '') >= today) return null;
    await this.settle();
    return this.write(() => runEndOfDayIfDue(this.tx, this.rules, today, now, this.cipher));
  }

  async overview(q: OverviewQuery): Promise<OverviewReport> {
    await this.settle();
    return this.read(() => overviewReport(this.rules, q));
  }

  async targets(): Promise<StoredTargets> {
    return this.read(() => targets());
  }

  async setTargets(t: Targets, who: OperatorRequest, now: Date): Promise<StoredTargets> {
    return this.write(() => setTargets(t, who, now));
  }

  async rebuildAggregates(): Promise<number> {
    await this.settle();
    return this.write(() => rebuildAggregates(this.rules));
  }

  /** The migration's backfill of the read model, once (meta aggregates_stale); null when it was current. */
  async rebuildStaleAggregates(): Promise<number | null> {
    return this.write(() => rebuildIfStale(this.rules));
  }

  async adjustPoints(memberNo: string, req: AdjustmentRequest, now: Date): Promise<AdjustOutcome> {
    // Applied first: a debit is judged on every entry head office has acknowledged.
    await this.settle();
    return this.write(() => adjustPoints(this.tx, this.cipher, this.rules, memberNo, req, now));
  }

  async grantWinBack(memberNo: string, req: WinBackRequest, now: Date): Promise<WinBackOutcome> {
    await this.settle();
    return this.write(() => grantWinBack(this.tx, this.cipher, this.rules, memberNo, req, now));
  }

  async createCampaign(req: CampaignCreateRequest, author: string, now: Date): Promise<CreateOutcome> {
    return this.write(() => createCampaign(req, author, now));
  }

  async campaigns(): Promise<CampaignView[]> {
    return this.read(() => listCampaigns());
  }

  async campaignTransition(id: string, t: Transition, operatorId: string, now: Date): Promise<TransitionOutcome> {
    // Applied first: members are chosen on every entry head office has acknowledged.
    await this.settle();
    return this.write(() => transitionCampaign(this.tx, this.cipher, this.rules, id, t, operatorId, now));
  }

  async previewCampaign(
    req: CampaignPreviewRequest,
    now: Date,
  ): Promise<CampaignPreview | { kind: 'unknown_segment'; segmentId: string }> {
    await this.settle();
    return this.read(() => previewCampaign(this.cipher, this.rules, req, now));
  }

  async saveSegment(req: SegmentCreateRequest, author: string, now: Date): Promise<SegmentSaveOutcome> {
    await this.settle();
    return this.write(() => saveSegment(this.cipher, this.rules, req, author, now));
  }

  async segments(): Promise<SegmentView[]> {
    return this.read(() => listSegments());
  }

  async countSegment(rule: SegmentRule, now: Date): Promise<{ asOf: string; members: number }> {
    await this.settle();
    return this.read(() => countSegment(this.cipher, this.rules, rule, now));
  }

  async renameSegment(id: string, name: string, by: string, now: Date): Promise<SegmentRenameOutcome> {
    return this.write(() => renameSegment(id, name, by, now));
  }

  async deleteSegment(id: string, by: string, now: Date): Promise<SegmentDeleteOutcome> {
    return this.write(() => deleteSegment(id, by, now));
  }

  async campaignResult(id: string): Promise<CampaignResult | null> {
    await this.settle();
    return this.read(() => campaignResult(this.rules, id));
  }

  async queueMessage(req: MessageRequest, now: Date): Promise<QueueOutcome> {
    return this.write(() => queueMessage(this.cipher, this.rules, req, now));
  }

  async markMessage(
    memberNo: string,
    messageId: string,
    channel: string,
    result: SendResult,
    now: Date,
  ): Promise<void> {
    return this.write(() => markMessage(memberNo, messageId, channel, result, now));
  }

  async claimOutbox(now: Date, limit: number): Promise<ClaimedMessage[]> {
    const rules = this.rules;
    const cipher = this.cipher;
    return this.write(function* () {
      const rs = yield* rules.latest();
      return yield* claimOutbox(cipher, rs.timeZone, now, limit);
    });
  }

  async settleMessage(msg: ClaimedMessage, channel: string, result: SendResult, now: Date): Promise<void> {
    return this.write(() => settleMessage(msg, channel, result, now));
  }

  async requestOtp(phone: string, client: string, now: Date): Promise<OtpRequestOutcome> {
    // Applied first: a member enrolled a moment ago at a till can sign in.
    await this.settle();
    const forget = now.getTime() - this.otpCountersForgotAt >= OTP_FORGET_EVERY_MS;
    const outcome = await this.write(() => requestOtp(this.cipher, phone, client, now, forget));
    if (forget) this.otpCountersForgotAt = now.getTime();
    return outcome;
  }

  async verifyOtp(phone: string, code: string, client: string, now: Date): Promise<OtpVerifyOutcome> {
    return this.write(() => verifyOtp(this.cipher, phone, code, client, now));
  }

  async memberSession(token: string, now: Date): Promise<string | null> {
    return this.read(() => memberSession(this.cipher, token, now));
  }

  async endMemberSession(token: string): Promise<void> {
    return this.write(() => endMemberSession(this.cipher, token));
  }

  async memberHome(memberNo: string, now: Date): Promise<MemberHome | null> {
    await this.settle();
    return this.read(() => memberHome(this.cipher, this.rules, memberNo, now));
  }

  async memberPreferences(memberNo: string): Promise<MemberPreferences | null> {
    // Applied first: a change uploaded by a till a moment ago shows.
    await this.settle();
    return this.read(() => memberPreferences(this.cipher, memberNo));
  }

  async changeMemberPreferences(
    memberNo: string,
    requested: Partial<Preferences>,
    now: Date,
  ): Promise<PagePreferenceOutcome> {
    // Applied first: the change folds over everything the tills have sent.
    await this.settle();
    return this.write(() => changePreferencesFromPage(this.cipher, memberNo, requested, now));
  }

  async close(): Promise<void> {
    await this.flushFeedSeen();
    this.closed = true;
    if (this.applyTimer) clearTimeout(this.applyTimer);
    this.applyTimer = null;
    await this.closeDatabase();
  }
}
