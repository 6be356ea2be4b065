/**
 * Checks a till batch against the ledger and applies it, inside the caller's synchronous
 * transaction (nothing awaits inside, so no other request can interleave): sequence and chain
 * checks first, then every write. A refused batch writes nothing except the till's
 * broken-chain flag. Batches that simply continue the chain reach applyBatch through the
 * inbox (inbox.ts) instead.
 *
 * Sequence rules, with ack = the till's last seq head office holds:
 * - firstSeq > ack + 1              -> gap; the till resends from ack + 1
 * - prevHash != stored hash of firstSeq - 1, or the chain does not verify,
 *   or an entry at seq <= ack differs from the stored one -> chain broken (422, till flagged)
 * - otherwise entries at seq <= ack are the same ones again; the rest (the tail) is applied.
 *
 * Applying the tail: ledger rows, member records, then each touched member's state folded on
 * (memberstate.ts) and upgraded by head office where the merged spend calls for it
 * (decisions.ts), then the batch's sale records checked against the till's own view
 * (sales.ts, tillview.ts). What is derived incrementally comes from the ingest
 * caches (cache.ts); when the transaction rolls back they are dropped.
 */
import { GENESIS_HASH, verifyChain } from '../../core/ledger/hash.js';
import { lowestTier } from '../../core/engine/tiers.js';
import type { UploadBatch } from '../../core/sync/protocol.js';
import { localDate } from '../../core/time.js';
import type { HqCipher } from '../crypto.js';
import type { AcceptedBodies } from './accepted-bodies.js';
import { withSortKeys, type HqEntry } from '../domain/order.js';
import type { Logger } from '../log.js';
import { recordAdjustmentNotes } from './adjustment-notes.js';
import { addApplied } from './aggregates.js';
import { detectEntryAnomalies } from './anomalies.js';
import { upgradeTouchedMembers } from './decisions.js';
import { insertLedgerEntries } from './ledger.js';
import { recordFeedback } from './feedback.js';
import { foldTouchedMembers, type TierMove } from './memberstate.js';
import { queueTillUpgradeMessages } from './notify.js';
import { announceServed, upsertMembers } from './members.js';
import type { RuleSetCache } from './rulesets.js';
import { recheckPending, recordSales, saleBatch } from './sales.js';
import { recordReturns } from './returns.js';
import { recordRewardIssues } from './stock.js';
import { advanceTillViews, type BatchChain, type SoleTillMember } from './tillview.js';
import { ingestCaches } from './cache.js';
import { PassWrites } from './pass.js';
import { all, get, run, type Sql } from '../../storage/sql.js';
import type { Tx as Db } from './tx.js';
import type { IngestOutcome } from './types.js';

export interface IngestDeps {
  db: Db;
  cipher: HqCipher;
  rules: RuleSetCache;
  log: Logger;
  /** after a rolled-back savepoint: what the caches learnt inside it may not exist */
  dropCaches(): void;
  /** the database's own "disk full": stops a whole apply pass instead of one till */
  isStorageFull(e: unknown): boolean;
  /** batches this process accepted, kept parsed for applying */
  accepted: AcceptedBodies;
}

export interface TillRow {
  ack_seq: number;
  head_hash: string;
  head_sort_ms: number;
  /** the till's last outbox row head office holds with every row before it; null: not known (nextAckOutbox) */
  ack_outbox: number | null;
}

/**
 * The till's acknowledged outbox row after head office takes batch `b` (which the caller
 * acknowledges), given the one it held (`held`). A batch names the outbox rows it covers,
 * `after` < id <= `last` (protocol.ts UploadBatch `outbox`); it moves the value to `last` when
 * it continues from a row head office holds (`after <= held`). One that starts past it follows
 * rows head office does not hold (restored from a backup; or a batch lost in between): the value
 * stays, the feed answers it (`ackOutbox`), and the till sends its outbox again from there,
 * whose first batch then continues it. A lower `last` is taken as well: the till's numbering
 * (a till restored from its own backup, or a till resending from further back) is what the
 * feed compares with. Not known yet (null, a till row from before migration 028): the first
 * batch that names its rows sets it. A batch that names none (an older till) leaves it.
 */
export function nextAckOutbox(held: number | null, b: Pick<UploadBatch, 'outbox'>): number | null {
  if (!b.outbox) return held;
  return held === null || b.outbox.after <= held ? b.outbox.last : held;
}

function* storedHash(tillId: string, seq: number): Sql<string | null> {
  if (seq === 0) return GENESIS_HASH;
  const r = (yield* get('SELECT hash FROM ledger WHERE till_id = ? AND seq = ?', tillId, seq)) as
    { hash: string } | undefined;
  return r?.hash ?? null;
}

type Refusal = Extract<IngestOutcome, { kind: 'gap' | 'chain_broken' }>;

function* checkChain(tillId: string, till: TillRow, b: UploadBatch): Sql<Refusal | null> {
  if (b.firstSeq > till.ack_seq + 1) return { kind: 'gap', expectedSeq: till.ack_seq + 1 };
  if ((yield* storedHash(tillId, b.firstSeq - 1)) !== b.prevHash) {
    return { kind: 'chain_broken', seq: b.firstSeq, reason: 'prev_hash differs from the stored chain' };
  }
  const v = verifyChain(b.entries, b.firstSeq - 1, b.prevHash);
  if (!v.ok) return { kind: 'chain_broken', seq: v.seq, reason: `chain check failed: ${v.reason}` };
  const overlapEnd = Math.min(b.lastSeq, till.ack_seq);
  if (overlapEnd >= b.firstSeq) {
    const stored = (yield* all(
      'SELECT seq, hash FROM ledger WHERE till_id = ? AND seq BETWEEN ? AND ? ORDER BY seq',
      tillId,
      b.firstSeq,
      overlapEnd,
    )) as { seq: number; hash: string }[];
    for (const s of stored) {
      const e = b.entries[s.seq - b.firstSeq];
      if (!e || e.hash !== s.hash) return { kind: 'chain_broken', seq: s.seq, reason: 'differs from the entry stored' };
    }
  }
  return null;
}

export function* tillRow(tillId: string): Sql<TillRow> {
  const row = (yield* get(
    'SELECT ack_seq, head_hash, head_sort_ms, ack_outbox FROM tills WHERE till_id = ?',
    tillId,
  )) as TillRow | undefined;
  if (!row) throw new Error(`authenticated till ${tillId} has no row`);
  return row;
}

/**
 * Applies the entries of `b` above what head office holds of the till (`row`), with the
 * batch's records. Its chain must have been checked. `ackOutbox`: the till's acknowledged
 * outbox row after it (nextAckOutbox; for an inbox run, the last batch's as accepted).
 */
export function* applyBatch(
  d: IngestDeps,
  till: { tillId: string; storeId: string },
  row: TillRow,
  b: UploadBatch,
  ackOutbox: number | null,
  now: Date,
  /** when head office received the entry with this seq, when that differs from `now` (inbox runs) */
  receivedAt?: (seq: number) => string,
  /** the apply pass's writes (inbox.ts); none: this batch's are written before returning */
  passWrites?: PassWrites,
): Sql<Extract<IngestOutcome, { kind: 'ok' }>> {
  const { db } = d;
  const pass = passWrites ?? new PassWrites();
  const at = now.toISOString();
  const tail = withSortKeys(
    b.entries.filter((e) => e.seq > row.ack_seq),
    row.head_sort_ms,
  );
  yield* insertLedgerEntries(tail, receivedAt ?? (() => at));
  // Reward entries confirm their stock reservations or count as offline issues (stock.ts).
  yield* recordRewardIssues(d.rules, till.tillId, tail, now);
  const head = tail[tail.length - 1];
  const ackSeq = head?.seq ?? row.ack_seq;
  const headHash = head?.hash ?? row.head_hash;
  // Written with the pass (pass.ts): one statement for every till a pass applies.
  pass.tillHead({
    till_id: till.tillId,
    ack_seq: ackSeq,
    head_hash: headHash,
    head_sort_ms: head?.sortMs ?? row.head_sort_ms,
    last_upload_at: at,
    ack_outbox: ackOutbox,
  });

  // Members first: the feed then shows a member before its balance, and recompute finds birthdays.
  const upserted = yield* upsertMembers(d.cipher, till, b.members, now);
  for (const c of upserted.conflicts) d.log.log('warn', 'card_conflict', { tillId: till.tillId, ...c });
  if (upserted.refused > 0)
    d.log.log('warn', 'member_changes_refused', { tillId: till.tillId, count: upserted.refused });
  const caches = yield* ingestCaches(db);
  const tailByMember = new Map<string, HqEntry[]>();
  for (const e of tail) {
    const list = tailByMember.get(e.memberNo);
    if (list) list.push(e);
    else tailByMember.set(e.memberNo, [e]);
  }
  // A till serving another store's member for the first time now needs the name and phone.
  yield* announceServed(till, tailByMember.keys(), row.ack_seq, now);
  let folded = {
    prevMax: new Map<string, number>(),
    sole: new Map<string, SoleTillMember>(),
    tiers: new Map<string, TierMove>(),
  };
  if (tail.length > 0) {
    const rs = yield* pass.latestRules(d.rules);
    const today = localDate(now, rs.timeZone).date;
    folded = yield* foldTouchedMembers(
      caches,
      tailByMember,
      row.ack_seq,
      { firstTier: lowestTier(rs).code, today },
      now,
      pass,
    );
    // A till's own upgrade at the sale is told to the member as head office's are (notify.ts).
    yield* queueTillUpgradeMessages(rs, tailByMember, folded.tiers, now);
    // Spend that only adds up across stores: head office upgrades on the merged state (DOMAIN.md 12).
    yield* upgradeTouchedMembers(db, rs, tailByMember, now, today, pass);
    yield* detectEntryAnomalies(tail, now, pass.counters);
  }
  const chain: BatchChain = {
    tillId: till.tillId,
    ackBefore: row.ack_seq,
    ackAfter: ackSeq,
    tailByMember,
    prevMax: folded.prevMax,
    sole: folded.sole,
    gaps: new Map(),
  };
  const batch = yield* saleBatch(caches, chain, tail, b.sales);
  const sales = yield* recordSales(d, batch, till, b.sales, now);
  const rechecked = yield* recheckPending(
    d,
    batch,
    till.tillId,
    new Set(tail.flatMap((e) => (e.saleId ? [e.saleId] : []))),
    sales.settled,
  );
  yield* advanceTillViews(caches, chain);
  const returns = yield* recordReturns(d, batch, till.tillId, b.returns, now);
  const feedback = yield* recordFeedback(d.cipher, till, b.feedback ?? [], now);
  // Adjustment reasons beside their entries, sealed (never in the ledger: adjustment-notes.ts).
  yield* recordAdjustmentNotes(d.cipher, till.tillId, b.adjustmentNotes ?? [], now);
  const timeZone =
    sales.recorded.length + upserted.enrolments.length > 0 ? (yield* pass.latestRules(d.rules)).timeZone : 'UTC';
  addApplied(pass.aggregates, timeZone, till.storeId, tail, sales.recorded, upserted.enrolments);
  for (const saleId of [...sales.mismatches, ...rechecked]) {
    d.log.log('warn', 'sale_mismatch', { tillId: till.tillId, saleId });
  }
  for (const returnId of returns.mismatches) d.log.log('warn', 'return_mismatch', { tillId: till.tillId, returnId });

  if (!passWrites) yield* pass.flush();

  const changed =
    tail.length > 0 ||
    upserted.members + upserted.preferences + upserted.cards + sales.inserted + returns.inserted + feedback > 0;
  const status = (b.entries.length > 0 ? tail.length > 0 : changed) ? 'applied' : 'duplicate';
  return { kind: 'ok', status, ackSeq, headHash, appliedEntries: tail.length };
}

/** The full path: sequence and chain checks against the ledger, then apply. */
export function* checkAndApply(
  d: IngestDeps,
  till: { tillId: string; storeId: string },
  b: UploadBatch,
  now: Date,
): Sql<IngestOutcome> {
  const row = yield* tillRow(till.tillId);
  const refusal = yield* checkChain(till.tillId, row, b);
  if (refusal?.kind === 'chain_broken') {
    yield* run(
      "UPDATE tills SET chain_status = 'broken', chain_error = ? WHERE till_id = ?",
      `seq ${refusal.seq}: ${refusal.reason} (at ${now.toISOString()})`,
      till.tillId,
    );
  }
  if (refusal) return refusal;
  return yield* applyBatch(d, till, row, b, nextAckOutbox(row.ack_outbox, b), now);
}
