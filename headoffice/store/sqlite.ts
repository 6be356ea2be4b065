/**
 * The SQLite HqStore: head office's embedded database (HQ_DATA_DIR/headoffice.sqlite).
 * better-sqlite3 is synchronous, so each operation is one db.transaction and the async
 * interface only wraps the result; nothing can interleave inside an operation.
 */
import { join } from 'node:path';
import { GENESIS_HASH } from '../../core/ledger/hash.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import { localDate } from '../../core/time.js';
import type { ChangesResponse, UploadBatch } from '../../core/sync/protocol.js';
import { HqCipher, type HqKeys } from '../crypto.js';
import type { Logger } from '../log.js';
import { readChanges } from './feed.js';
import { applyInbox, inboxBacklog, inTransaction, ingestBatch, type InboxBacklog } from './inbox.js';
import type { IngestDeps } from './ingest.js';
import { memberView } from './memberview.js';
import { eraseMember, exportMember } from './privacy.js';
import { clearChain, closeCase } from './actions.js';
import { adjustPoints, grantWinBack } from './adjust.js';
import { HQ_TILL_ID } from './decisions.js';
import { runEndOfDay } from './eod.js';
import { feedbackOp } from './feedback.js';
import type { FeedbackOp, FeedbackOutcome } from '../feedback-schemas.js';
import { refreshSegments } from './segments.js';
import { summary } from './summary.js';
import { tillViews } from './tills.js';
import { addOperator, hasAdmin, operatorByDigest, setOperatorToken } from './operators.js';
import { originalSale } from './sales.js';
import { lookupMemberByPhone } from './members.js';
import { lowestTier } from '../../core/engine/tiers.js';
import { RuleSetCache, publishRuleSet, seedRuleSet } from './rulesets.js';
import { openDb, q, type Db } from './sqlite-db.js';
import {
  FutureDateError,
  TillExistsError,
  type AdjustOutcome,
  type AdjustmentRequest,
  type CaseCloseOutcome,
  type ChainClearOutcome,
  type EraseOutcome,
  type HqStore,
  type MemberExport,
  type OperatorRequest,
  type MemberLookupOutcome,
  type OriginalSaleOutcome,
  type SaleNarrowing,
  type IngestOutcome,
  type MemberView,
  type PublishOutcome,
  type SummaryReport,
  type TillAuthRecord,
  type TillView,
  type EodReport,
  type WinBackOutcome,
  type WinBackRequest,
} from './types.js';

export const DB_FILE = 'headoffice.sqlite';

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

export class SqliteHqStore implements HqStore {
  readonly kind = 'sqlite' as const;
  private readonly cipher: HqCipher;
  private readonly rules: RuleSetCache;
  private readonly deps: IngestDeps;
  private applyTimer: NodeJS.Timeout | null = null;
  private waitingSince = 0;
  private lastApplyError: string | null = null;

  constructor(
    readonly db: Db,
    keys: HqKeys,
    private readonly log: Logger,
  ) {
    this.cipher = new HqCipher(keys);
    this.rules = new RuleSetCache(db);
    this.deps = { db, cipher: this.cipher, rules: this.rules, log, stuck: new Map() };
    // What a previous run accepted and did not apply.
    this.applySoon();
  }

  private applySoon(): void {
    if (!this.db.open) return;
    const now = Date.now();
    if (this.applyTimer) {
      if (now - this.waitingSince >= APPLY_MAX_WAIT_MS) return;
      clearTimeout(this.applyTimer);
    } else {
      this.waitingSince = now;
    }
    this.applyTimer = setTimeout(() => {
      this.applyTimer = null;
      if (this.db.open && this.applyStep(APPLY_CHUNK_ENTRIES) > 0) this.applySoon();
    }, APPLY_DELAY_MS);
    this.applyTimer.unref();
  }

  /** One transaction of waiting batches; 0 when none are waiting or applying failed (logged). */
  private applyStep(maxEntries: number): number {
    try {
      const n = inTransaction(this.db, () => applyInbox(this.deps, maxEntries));
      this.lastApplyError = null;
      return n;
    } catch (e) {
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
  private applyAll(): void {
    while (this.applyStep(APPLY_CHUNK_ENTRIES) > 0);
  }

  async addOperator(
    op: { id: string; role: 'viewer' | 'analyst' | 'admin'; tokenDigest: Buffer; createdBy: string },
    now: Date,
  ): Promise<'added' | 'exists'> {
    return addOperator(this.db, op, now);
  }

  async operatorByDigest(d: Buffer): Promise<{ id: string; role: 'viewer' | 'analyst' | 'admin' } | null> {
    return operatorByDigest(this.db, d);
  }

  async setOperatorToken(id: string, tokenDigest: Buffer): Promise<boolean> {
    return setOperatorToken(this.db, id, tokenDigest);
  }

  async hasAdmin(): Promise<boolean> {
    return hasAdmin(this.db);
  }

  async feedback(op: FeedbackOp, now: Date): Promise<FeedbackOutcome> {
    // Applied first: feedback a till uploaded a moment ago is listed.
    this.applyAll();
    return this.db.transaction(() => feedbackOp(this.db, this.cipher, op, now)).immediate();
  }

  async settle(): Promise<void> {
    this.applyAll();
  }

  async backlog(): Promise<InboxBacklog & { applyError: string | null; stuckTills: string[] }> {
    const stuck = [...this.deps.stuck.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    return {
      ...inboxBacklog(this.db),
      applyError: this.lastApplyError ?? (stuck.length > 0 ? stuck.map(([t, e]) => `${t}: ${e}`).join('; ') : null),
      stuckTills: stuck.map(([t]) => t),
    };
  }

  async seedRuleSet(rs: RuleSet, now: Date): Promise<boolean> {
    return seedRuleSet(this.db, rs, now);
  }

  async getMeta(key: string): Promise<string | null> {
    const r = q(this.db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    q(
      this.db,
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }

  async addTill(storeId: string, tillId: string, secret: string, now: Date): Promise<void> {
    const at = now.toISOString();
    this.db
      .transaction(() => {
        if (q(this.db, 'SELECT 1 FROM tills WHERE till_id = ?').get(tillId)) throw new TillExistsError(tillId);
        q(this.db, 'INSERT OR IGNORE INTO stores (store_id, created_at) VALUES (?, ?)').run(storeId, at);
        q(
          this.db,
          'INSERT INTO tills (till_id, store_id, secret_enc, head_hash, created_at) VALUES (?, ?, ?, ?, ?)',
        ).run(tillId, storeId, this.cipher.encrypt(secret), GENESIS_HASH, at);
      })
      .immediate();
  }

  async tillAuth(tillId: string): Promise<TillAuthRecord | null> {
    // Head office's own chain has no secret: nobody can upload as it.
    if (tillId === HQ_TILL_ID) return null;
    const r = q(this.db, 'SELECT store_id, secret_enc FROM tills WHERE till_id = ?').get(tillId) as
      { store_id: string; secret_enc: Buffer } | undefined;
    return r ? { tillId, storeId: r.store_id, secret: this.cipher.decrypt(r.secret_enc) } : null;
  }

  async recordBadSignature(tillId: string): Promise<void> {
    q(this.db, 'UPDATE tills SET bad_signatures = bad_signatures + 1 WHERE till_id = ?').run(tillId);
  }

  async ingest(till: { tillId: string; storeId: string }, batch: UploadBatch, now: Date): Promise<IngestOutcome> {
    const out = ingestBatch(this.deps, till, batch, now);
    this.applySoon();
    return out;
  }

  async changes(tillId: string, after: number, limit: number, now: Date): Promise<ChangesResponse> {
    this.applyAll();
    return this.db
      .transaction(() => {
        q(this.db, 'UPDATE tills SET last_feed_at = ? WHERE till_id = ?').run(now.toISOString(), tillId);
        const { store_id: storeId } = q(this.db, 'SELECT store_id FROM tills WHERE till_id = ?').get(tillId) as {
          store_id: string;
        };
        return readChanges(this.db, this.cipher, { tillId, storeId }, this.rules, after, limit);
      })
      .immediate();
  }

  async originalSale(saleId: string, narrow: SaleNarrowing): Promise<OriginalSaleOutcome> {
    // Applied first: a sale or a return acknowledged a moment ago is part of the answer.
    this.applyAll();
    return this.db.transaction(() => originalSale(this.db, saleId, narrow))();
  }

  async lookupMember(
    till: { tillId: string; storeId: string },
    phone: string,
    now: Date,
  ): Promise<MemberLookupOutcome> {
    // Applied first: a member enrolled a moment ago at another till is found.
    this.applyAll();
    const firstTier = lowestTier(this.rules.latest()).code;
    return this.db
      .transaction(() => lookupMemberByPhone(this.db, this.cipher, till, phone, firstTier, now))
      .immediate();
  }

  async ruleSetInForce(now: Date): Promise<RuleSet> {
    return this.rules.inForce(now);
  }

  async publishRuleSet(rs: RuleSet, now: Date): Promise<PublishOutcome> {
    this.applyAll();
    return publishRuleSet(this.db, rs, now);
  }

  async member(memberNo: string, now: Date): Promise<MemberView | null> {
    this.applyAll();
    return this.db.transaction(() => memberView(this.db, this.cipher, this.rules, memberNo, now))();
  }

  async tills(): Promise<TillView[]> {
    this.applyAll();
    return tillViews(this.db);
  }

  async summary(now: Date): Promise<SummaryReport> {
    this.applyAll();
    return summary(this.db, this.rules, now);
  }

  async refreshSegments(now: Date): Promise<number> {
    this.applyAll();
    return refreshSegments(this.db, this.rules, now);
  }

  async eraseMember(memberNo: string, who: OperatorRequest, now: Date): Promise<EraseOutcome> {
    // Applied first, so a record waiting in the inbox cannot bring the data back after.
    this.applyAll();
    return this.db.transaction(() => eraseMember(this.db, this.cipher, memberNo, who, now)).immediate();
  }

  async exportMember(memberNo: string, who: OperatorRequest, now: Date): Promise<MemberExport | null> {
    this.applyAll();
    return this.db.transaction(() => exportMember(this.db, this.cipher, this.rules, memberNo, who, now)).immediate();
  }

  async closeCase(id: number, who: OperatorRequest, now: Date): Promise<CaseCloseOutcome> {
    return this.db.transaction(() => closeCase(this.db, id, who, now)).immediate();
  }

  async clearChain(tillId: string, who: OperatorRequest, now: Date): Promise<ChainClearOutcome> {
    // Applied first: a waiting batch cannot flag the chain once more behind the operator's back.
    this.applyAll();
    return this.db.transaction(() => clearChain(this.db, tillId, who, now)).immediate();
  }

  async today(now: Date): Promise<string> {
    return localDate(now, this.rules.latest().timeZone).date;
  }

  async runEndOfDay(now: Date, date?: string): Promise<EodReport> {
    const today = await this.today(now);
    const day = date ?? today;
    if (day > today) throw new FutureDateError(day, today);
    // Decided on every entry acknowledged to a till: what waits in the inbox is applied first.
    this.applyAll();
    return inTransaction(this.db, () => runEndOfDay(this.db, this.rules, day, now));
  }

  async adjustPoints(memberNo: string, req: AdjustmentRequest, now: Date): Promise<AdjustOutcome> {
    // Applied first: a debit is judged on every entry head office has acknowledged.
    this.applyAll();
    return inTransaction(this.db, () => adjustPoints(this.db, this.rules, memberNo, req, now));
  }

  async grantWinBack(memberNo: string, req: WinBackRequest, now: Date): Promise<WinBackOutcome> {
    this.applyAll();
    return inTransaction(this.db, () => grantWinBack(this.db, this.rules, memberNo, req, now));
  }

  async close(): Promise<void> {
    if (this.applyTimer) clearTimeout(this.applyTimer);
    this.applyTimer = null;
    if (this.db.open) this.db.close();
  }
}

export function openSqliteStore(dataDir: string, keys: HqKeys, log: Logger): SqliteHqStore {
  return new SqliteHqStore(openDb(join(dataDir, DB_FILE)), keys, log);
}
