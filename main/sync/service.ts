/**
 * The till's sync loop: upload the ledger in batches until head office has everything, pull
 * the change feed, repeat. Failures back off exponentially with full jitter; all progress
 * (acknowledged sequence, outbox position, feed cursor) is durable, so a restart resumes.
 * Runs outside any transaction: each network answer is applied in its own transaction.
 */
import type { KeyObject } from 'node:crypto';
import { PersonalDataError, openLookupAnswer, personalKey } from '../../core/sync/personal.js';
import { MemberQrKeyError, openMemberQrKey } from '../../core/sync/memberqrkey.js';
import type { RewardReserveRequest, RewardStock } from '../../core/sync/protocol.js';
import {
  BatchAck,
  RewardReserveAnswer,
  SealedChangesResponse,
  SealedMemberLookupAnswer,
  SealedMemberQrKey,
  SequenceGap,
  SYNC_PATHS,
  salePath,
} from '../../core/sync/protocol.js';
import type { TillContext } from '../service/context.js';
import { getMeta, setMeta } from '../service/identity.js';
import { prepareBatch, DEFAULT_LIMITS, type BatchLimits } from './batch.js';
import {
  HqClient,
  HqKeyMissingError,
  HqUnreachableError,
  HqUnverifiedError,
  hqDispatcher,
  type HqAnswer,
} from './client.js';
import { applyChanges, openPage } from './feed.js';

export interface SyncOptions {
  hqUrl: string;
  tillId: string;
  secret: string;
  /** head office's answer-signing public keys (TILL_HQ_PUBLIC_KEY; two during a rotation); none: the till refuses to sync */
  hqPublicKeys: readonly KeyObject[];
  /** PEM of the certificate authorities trusted for head office (TILL_HQ_CA_FILE); absent = the system's */
  hqCa?: string | null;
  /** idle poll for changes */
  intervalMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  limits?: BatchLimits;
  random?: () => number;
  /** how often head office's member-QR key is asked for again (a rotation reaches the till within it); default 10 min */
  memberQrKeyIntervalMs?: number;
}

export type SyncProblem = null | {
  code: 'hq_unreachable' | 'unauthorized' | 'chain_refused' | 'hq_error' | 'hq_key_missing';
  message: string;
  at: string;
};

export interface SyncStatus {
  running: boolean;
  ackSeq: number;
  headSeq: number;
  waiting: number;
  lastSyncAt: string | null;
  lastAttemptAt: string | null;
  problem: SyncProblem;
  failures: number;
}

/** A sale lookup answers a customer waiting at the counter: it gives up sooner than an upload. */
const LOOKUP_TIMEOUT_MS = 5_000;

export class SyncService {
  private readonly client: HqClient;
  private readonly lookupClient: HqClient;
  /** this till's key for the personal fields head office seals to it (core/sync/personal.ts) */
  private readonly personalKey: Buffer;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private running = false;
  private inFlight: Promise<void> | null = null;
  private failures = 0;
  private problem: SyncProblem = null;
  private lastAttemptAt: string | null = null;
  private unsubscribe: (() => void) | null = null;
  /** wall-clock ms of the last member-QR key fetch that was answered; 0 = not since start */
  private qrKeyFetchedAt = 0;

  constructor(
    private readonly ctx: TillContext,
    private readonly opts: SyncOptions,
  ) {
    // Request signatures use the wall clock: head office checks them against its own.
    const tls = hqDispatcher(opts.hqCa);
    const creds = { tillId: opts.tillId, secret: opts.secret, hqPublicKeys: opts.hqPublicKeys };
    this.personalKey = personalKey(opts.secret);
    this.client = new HqClient(opts.hqUrl, creds, () => Date.now(), undefined, tls);
    this.lookupClient = new HqClient(opts.hqUrl, creds, () => Date.now(), LOOKUP_TIMEOUT_MS, tls);
  }

  /** Head office's copy of a sale (DOMAIN.md 12: a return at another store). Throws HqUnreachableError. */
  async lookupSale(saleId: string, narrow: { tillId?: string } = {}): Promise<HqAnswer> {
    return this.lookupClient.get(salePath(saleId, narrow));
  }

  /**
   * A member by normalised mobile number (DOMAIN.md 2, 12); the phone rides in the signed body.
   * A found member's personal fields are opened here (core/sync/personal.ts); a member that does
   * not open is logged and taken for no answer. Throws HqUnreachableError.
   */
  async lookupMember(phone: string): Promise<HqAnswer> {
    const res = await this.lookupClient.post(SYNC_PATHS.memberLookup, { phone });
    if (res.status !== 200) return res;
    const sealed = SealedMemberLookupAnswer.safeParse(res.body);
    if (!sealed.success) return res;
    try {
      return { status: 200, body: openLookupAnswer(this.personalKey, sealed.data) };
    } catch (e) {
      if (!(e instanceof PersonalDataError)) throw e;
      this.ctx.log.log('error', 'lookup_personal_unreadable', { memberNo: e.memberNo });
      throw new HqUnverifiedError(e.message);
    }
  }

  /**
   * Holds one unit of a limited-stock reward at head office (core/rewards/availability.ts). The
   * answer's count becomes what this till knows, with the acknowledged seq read before asking
   * as its basis (own offline issues above it are not in head office's figure). Throws
   * HqUnreachableError when head office does not answer or answers other than a signed 200.
   */
  async reserveReward(req: RewardReserveRequest): Promise<RewardReserveAnswer> {
    const basis = this.ackSeq();
    const res = await this.lookupClient.post(SYNC_PATHS.rewardReserve, req);
    const parsed = res.status === 200 ? RewardReserveAnswer.safeParse(res.body) : null;
    if (!parsed?.success) {
      throw new HqUnreachableError(`head office answered ${res.status} to the reservation`);
    }
    this.keepStock([{ rewardId: parsed.data.rewardId, remaining: parsed.data.remaining }], basis);
    return parsed.data;
  }

  private keepStock(stock: RewardStock, basis: number): void {
    const at = this.ctx.now().toISOString();
    this.ctx.db
      .transaction(() => {
        for (const s of stock) this.ctx.rewardStock.put(s.rewardId, s.remaining, basis, at);
      })
      .immediate();
  }

  /**
   * Pulls the change feed now, so a member's merged state holds what head office just answered
   * about. Waits for a cycle in flight instead of running beside it (the feed is applied in
   * cursor order); a failure only leaves the till's view as it was, so it is logged, not thrown.
   */
  async refreshFeed(): Promise<void> {
    try {
      await this.exclusive(() => this.pullAll());
    } catch (e) {
      this.ctx.log.log('warn', 'feed_refresh_failed', { message: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * Head office's member-QR key (`GET /v1/sync/member-qr-key`, core/sync/memberqrkey.ts), kept
   * with the previous one (main/db/hq-qr-keys.ts) so the member page's codes scan at this till,
   * offline too once fetched. Returns the kid in use. Throws HqUnreachableError (also when the
   * answer does not open with this till's secret) or SyncRefused.
   */
  async fetchMemberQrKey(): Promise<string> {
    const store = this.ctx.hqQrKeys;
    if (!store) throw new Error('this till keeps no member-QR keys (standalone)');
    const res = await this.client.get(SYNC_PATHS.memberQrKey);
    if (res.status === 401) throw new SyncRefused('unauthorized', "head office refused this till's credential");
    if (res.status !== 200)
      throw new SyncRefused('hq_error', `head office answered ${res.status} to the member-QR key`);
    const sealed = SealedMemberQrKey.parse(res.body);
    let key: Buffer;
    try {
      key = openMemberQrKey(this.opts.tillId, this.opts.secret, sealed);
    } catch (e) {
      if (!(e instanceof MemberQrKeyError)) throw e;
      this.ctx.log.log('error', 'member_qr_key_unreadable', { kid: sealed.kid });
      throw new HqUnverifiedError(e.message);
    }
    const before = store.kids().current;
    if (store.put(key, this.ctx.now().toISOString())) {
      this.ctx.log.log('info', 'member_qr_key_taken', { kid: sealed.kid, previous: before });
    }
    this.qrKeyFetchedAt = Date.now();
    return sealed.kid;
  }

  /** After a good cycle: fetch the member-QR key when due; a failure is logged and asked again next cycle. */
  private async refreshMemberQrKey(): Promise<void> {
    if (!this.ctx.hqQrKeys) return;
    if (this.qrKeyFetchedAt && Date.now() - this.qrKeyFetchedAt < (this.opts.memberQrKeyIntervalMs ?? 600_000)) return;
    try {
      await this.fetchMemberQrKey();
    } catch (e) {
      this.ctx.log.log('warn', 'member_qr_key_failed', { message: e instanceof Error ? e.message : String(e) });
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // A new sale wakes the uploader at once instead of waiting for the idle poll.
    this.unsubscribe = this.ctx.events.subscribe(({ event }) => {
      if ((event.type === 'sale' || event.type === 'return') && this.failures === 0) this.schedule(50);
    });
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight?.catch(() => undefined);
  }

  status(): SyncStatus {
    const ackSeq = this.ackSeq();
    const headSeq = this.ctx.ledger.headOf().seq;
    return {
      running: this.running,
      ackSeq,
      headSeq,
      waiting: Math.max(0, headSeq - ackSeq) + this.ctx.outbox.pendingAfter(this.ackOutbox()),
      lastSyncAt: getMeta(this.ctx.db, 'last_sync_at'),
      lastAttemptAt: this.lastAttemptAt,
      problem: this.problem,
      failures: this.failures,
    };
  }

  /** One full cycle now (tests and the settings screen's "sync now"). */
  async syncNow(): Promise<SyncStatus> {
    await this.exclusive(() => this.cycle());
    return this.status();
  }

  /**
   * Runs `job` once nothing else is in flight. Several callers may wait on one cycle: the first
   * to resume starts its job before yielding (no await between the check and taking the slot),
   * and the others see it and wait again, so one pull runs at a time and feed pages are applied
   * in cursor order.
   */
  private async exclusive(job: () => Promise<void>): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    const run = job();
    this.inFlight = run;
    try {
      await run;
    } finally {
      if (this.inFlight === run) this.inFlight = null;
    }
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    const due = Date.now() + ms;
    // Keep an earlier wake-up: a stream of sales must not keep postponing the upload.
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.inFlight) {
        this.schedule(ms + 50);
        return;
      }
      const run: Promise<void> = this.cycle().finally(() => {
        if (this.inFlight === run) this.inFlight = null;
        this.schedule(this.failures === 0 ? (this.opts.intervalMs ?? 5_000) : this.backoffMs());
      });
      this.inFlight = run;
    }, ms);
    this.timer.unref?.();
  }

  /** Full jitter: a random wait in [min, cap], cap doubling per failure, so tills do not stampede. */
  private backoffMs(): number {
    const min = this.opts.minBackoffMs ?? 1_000;
    const max = this.opts.maxBackoffMs ?? 60_000;
    const cap = Math.min(max, min * 2 ** Math.min(this.failures, 20));
    return Math.round(min + (this.opts.random ?? Math.random)() * (cap - min));
  }

  private ackSeq(): number {
    return Number(getMeta(this.ctx.db, 'hq_ack_seq') ?? '0');
  }

  private ackOutbox(): number {
    return Number(getMeta(this.ctx.db, 'hq_ack_outbox') ?? '0');
  }

  private async cycle(): Promise<void> {
    this.lastAttemptAt = this.ctx.now().toISOString();
    try {
      await this.uploadAll();
      await this.pullAll();
      await this.refreshMemberQrKey();
      this.failures = 0;
      this.problem = null;
      setMeta(this.ctx.db, 'last_sync_at', this.ctx.now().toISOString());
    } catch (e) {
      this.failures += 1;
      this.problem = this.describe(e);
      this.ctx.log.log('warn', 'sync_failed', {
        code: this.problem?.code,
        failures: this.failures,
        message: this.problem?.message,
      });
    }
    const s = this.status();
    this.ctx.events.publish({
      type: 'sync',
      online: this.ctx.isOnline(),
      waiting: s.waiting,
      lastSyncAt: s.lastSyncAt,
    });
  }

  private describe(e: unknown): SyncProblem {
    const at = this.ctx.now().toISOString();
    if (e instanceof SyncRefused) return { code: e.code, message: e.message, at };
    if (e instanceof HqKeyMissingError) return { code: 'hq_key_missing', message: e.message, at };
    if (e instanceof PersonalDataError) return { code: 'hq_error', message: e.message, at };
    if (e instanceof HqUnreachableError) return { code: 'hq_unreachable', message: e.message, at };
    return { code: 'hq_error', message: e instanceof Error ? e.message : String(e), at };
  }

  private async uploadAll(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      const ack = { seq: this.ackSeq(), outboxId: this.ackOutbox() };
      const prepared = prepareBatch(this.ctx, ack, this.opts.limits ?? DEFAULT_LIMITS);
      if (prepared.empty) return;
      const res = await this.client.post(SYNC_PATHS.batches, prepared.batch);
      if (res.status === 200) {
        const okAck = BatchAck.parse(res.body);
        this.ctx.db
          .transaction(() => {
            setMeta(this.ctx.db, 'hq_ack_seq', String(Math.max(okAck.ackSeq, prepared.batch.lastSeq)));
            setMeta(this.ctx.db, 'hq_ack_outbox', String(prepared.lastOutboxId));
          })
          .immediate();
        continue;
      }
      if (res.status === 409) {
        const gap = SequenceGap.safeParse(res.body);
        if (gap.success) {
          this.resend({ from: gap.data.expectedSeq }, 'sequence_gap');
          continue;
        }
      }
      if (res.status === 401) throw new SyncRefused('unauthorized', "head office refused this till's credential");
      if (res.status === 422) {
        this.ctx.log.log('error', 'sync_chain_refused', { body: JSON.stringify(res.body).slice(0, 300) });
        throw new SyncRefused('chain_refused', "head office refused this till's ledger chain; call support");
      }
      throw new SyncRefused('hq_error', `head office answered ${res.status}`);
    }
  }

  /**
   * Head office holds less of this till than it acknowledged (restored from a backup): the next
   * upload starts again at entry `from` (409 sequence_gap, or the feed's ackSeq), and after outbox
   * row `outbox` (the feed's ackOutbox), so the records that ride no entry of their own (card
   * changes, feedback, preference changes, member records) are sent again too. The outbox
   * position only moves down: to the last row stamped before `from`, to `outbox`, whichever is
   * lower, and never above where it was (rows may wait behind their entries, a batch's records
   * having a byte budget of their own). Nothing here is deleted, so everything can be sent
   * again, and head office takes what it holds already as a duplicate.
   */
  private resend(to: { from?: number; outbox?: number }, why: 'sequence_gap' | 'feed' | 'feed_outbox'): void {
    const ackSeq = this.ackSeq();
    const ackOutbox = this.ackOutbox();
    let outbox = ackOutbox;
    if (to.from !== undefined) outbox = Math.min(outbox, this.ctx.outbox.lastIdBefore(to.from));
    if (to.outbox !== undefined) outbox = Math.min(outbox, to.outbox);
    this.ctx.log.log('warn', 'sync_resend', { from: to.from ?? ackSeq + 1, ackSeq, outbox, ackOutbox, why });
    this.ctx.db
      .transaction(() => {
        if (to.from !== undefined) setMeta(this.ctx.db, 'hq_ack_seq', String(to.from - 1));
        setMeta(this.ctx.db, 'hq_ack_outbox', String(outbox));
      })
      .immediate();
  }

  private async pullAll(): Promise<void> {
    for (let page = 0; page < 1_000; page++) {
      const after = Number(getMeta(this.ctx.db, 'hq_change_cursor') ?? '0');
      const at = getMeta(this.ctx.db, 'hq_change_cursor_at');
      // Read before asking: head office counts stock after applying what it acknowledged.
      const basis = this.ackSeq();
      const outboxBasis = this.ackOutbox();
      const stamp = at === null ? '' : `&afterAt=${encodeURIComponent(at)}`;
      const res = await this.client.get(`${SYNC_PATHS.changes}?after=${after}${stamp}&limit=500`);
      if (res.status === 401) throw new SyncRefused('unauthorized', "head office refused this till's credential");
      if (res.status !== 200)
        throw new SyncRefused('hq_error', `head office answered ${res.status} to the change feed`);
      const feed = SealedChangesResponse.parse(res.body);
      if (feed.stock) this.keepStock(feed.stock, basis);
      // A till with nothing new to upload learns here that head office lost what it had sent:
      // entries (ackSeq), or records after the outbox row head office holds (ackOutbox), which
      // an upload of new records does not show (head office does not move its ackOutbox past a
      // row it lacks, headoffice/store/ingest.ts nextAckOutbox). A higher value than this till's
      // (a till restored from its own backup) asks for nothing: the till sends what it holds.
      const seqLost = feed.ackSeq !== undefined && feed.ackSeq < basis;
      const outboxLost = feed.ackOutbox !== undefined && feed.ackOutbox < outboxBasis;
      if (seqLost || outboxLost) {
        this.resend(
          {
            ...(seqLost ? { from: (feed.ackSeq as number) + 1 } : {}),
            ...(outboxLost ? { outbox: feed.ackOutbox } : {}),
          },
          seqLost ? 'feed' : 'feed_outbox',
        );
      }
      if (feed.changes.length === 0 && !feed.rewound) return;
      applyChanges(this.ctx, openPage(this.ctx, this.personalKey, feed.changes), feed);
      // Caught up: head office read to the feed's head (an older one does not say; ask until empty).
      if (feed.more === false) return;
      if (feed.changes.length === 0 || (feed.cursor <= after && !feed.rewound)) return;
    }
  }
}

export class SyncRefused extends Error {
  constructor(
    readonly code: 'unauthorized' | 'chain_refused' | 'hq_error',
    message: string,
  ) {
    super(message);
    this.name = 'SyncRefused';
  }
}
