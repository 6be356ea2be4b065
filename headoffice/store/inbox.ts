/**
 * Accept now, apply soon. A batch that simply continues its till's chain (the common case by
 * far) is chain-checked, stored whole in `inbox` and acknowledged in one short transaction;
 * folding it into the ledger, the member states, the sale checks and the change feed happens
 * after, in larger transactions that take several of the till's batches at once, so a member
 * who appears in many batches of a backlog has their state written once instead of once per
 * batch.
 *
 * Nobody can observe the difference: every read of head office's state (change feed, member,
 * tills, reports, segments, publishing) applies what is waiting first, and so does any batch
 * that does not simply continue the chain (a resend, a gap, a broken chain, records only),
 * before it is checked against the ledger. What is acknowledged is durable either way: a
 * restart applies the rows left in the inbox.
 *
 * A body holds the members' names and phones, so it is kept encrypted with head office's field
 * key (`body_enc`, crypto.ts) and deleted in the transaction that applies it; with
 * `secure_delete` on (sqlite-db.ts) the freed pages are zeroed, not left for a file reader.
 */
import { verifyChain } from '../../core/ledger/hash.js';
import type { UploadBatch } from '../../core/sync/protocol.js';
import type { HqCipher } from '../crypto.js';
import { dropIngestCaches } from './cache.js';
import { applyBatch, checkAndApply, tillRow, type IngestDeps } from './ingest.js';
import { isStorageFull } from '../../storage/sqlite-errors.js';
import { q, type Db } from './sqlite-db.js';
import type { IngestOutcome } from './types.js';

interface Head {
  seq: number;
  hash: string;
}

/** The till's chain head counting accepted batches not yet applied. */
function acceptedHead(db: Db, tillId: string): Head {
  const waiting = q(db, 'SELECT last_seq, last_hash FROM inbox WHERE till_id = ? ORDER BY id DESC LIMIT 1').get(
    tillId,
  ) as { last_seq: number; last_hash: string } | undefined;
  if (waiting) return { seq: waiting.last_seq, hash: waiting.last_hash };
  const row = tillRow(db, tillId);
  return { seq: row.ack_seq, hash: row.head_hash };
}

/**
 * Accepts `b` into the inbox when it holds entries that continue the till's chain exactly and
 * verify; null otherwise (the caller applies the inbox and takes the full path). Call inside
 * a write transaction.
 */
export function acceptBatch(db: Db, cipher: HqCipher, tillId: string, b: UploadBatch, now: Date): IngestOutcome | null {
  if (b.entries.length === 0) return null;
  const head = acceptedHead(db, tillId);
  if (b.firstSeq !== head.seq + 1 || b.prevHash !== head.hash) return null;
  const v = verifyChain(b.entries, head.seq, head.hash);
  if (!v.ok) return null;
  const at = now.toISOString();
  q(
    db,
    `INSERT INTO inbox (till_id, first_seq, last_seq, last_hash, entries, body, body_enc, received_at)
     VALUES (?, ?, ?, ?, ?, '', ?, ?)`,
  ).run(tillId, b.firstSeq, b.lastSeq, v.head, b.entries.length, cipher.encrypt(JSON.stringify(b)), at);
  q(db, 'UPDATE tills SET last_upload_at = ? WHERE till_id = ?').run(at, tillId);
  return { kind: 'ok', status: 'applied', ackSeq: b.lastSeq, headHash: v.head, appliedEntries: b.entries.length };
}

interface InboxRow {
  id: number;
  till_id: string;
  first_seq: number;
  entries: number;
  received_at: string;
}

/** One till's consecutive batches as the single batch they add up to. */
function joined(tillId: string, storeId: string, batches: readonly UploadBatch[]): UploadBatch {
  const first = batches[0] as UploadBatch;
  if (batches.length === 1) return first;
  return {
    tillId,
    storeId,
    firstSeq: first.firstSeq,
    lastSeq: (batches[batches.length - 1] as UploadBatch).lastSeq,
    prevHash: first.prevHash,
    entries: batches.flatMap((b) => b.entries),
    members: batches.flatMap((b) => b.members),
    sales: batches.flatMap((b) => b.sales),
    returns: batches.flatMap((b) => b.returns),
    // bodies accepted before feedback existed have none
    feedback: batches.flatMap((b) => b.feedback ?? []),
  };
}

function waitingRows(db: Db, maxEntries: number, take: (tillId: string) => boolean): InboxRow[] {
  const rows: InboxRow[] = [];
  let total = 0;
  // Bodies are read when their run is applied: not for rows left for later, nor all at once.
  for (const r of q(db, 'SELECT id, till_id, first_seq, entries, received_at FROM inbox ORDER BY id').iterate()) {
    const row = r as InboxRow;
    if (!take(row.till_id)) continue;
    if (rows.length > 0 && total + row.entries > maxEntries) break;
    rows.push(row);
    total += row.entries;
  }
  return rows;
}

/** A waiting batch's body; rows accepted before bodies were encrypted (migration 008) are clear. */
function inboxBody(cipher: HqCipher, db: Db, id: number): UploadBatch {
  const r = q(db, 'SELECT body, body_enc FROM inbox WHERE id = ?').get(id) as { body: string; body_enc: Buffer | null };
  return JSON.parse(r.body_enc ? cipher.decrypt(r.body_enc) : r.body) as UploadBatch;
}

/** One till's consecutive waiting batches applied as one batch, and taken out of the inbox. */
function applyRun(d: IngestDeps, tillId: string, run: readonly InboxRow[]): void {
  const { db } = d;
  const till = tillRow(db, tillId);
  const first = run[0] as InboxRow;
  const last = run[run.length - 1] as InboxRow;
  // Accepted batches continue the applied chain by construction; anything else is a bug to stop on.
  if (first.first_seq !== till.ack_seq + 1) {
    throw new Error(`inbox batch ${first.id} of till ${tillId} starts at ${first.first_seq}, applied ${till.ack_seq}`);
  }
  const storeId = (q(db, 'SELECT store_id FROM tills WHERE till_id = ?').get(tillId) as { store_id: string }).store_id;
  const batch = joined(
    tillId,
    storeId,
    run.map((r) => inboxBody(d.cipher, db, r.id)),
  );
  // Each entry keeps its own batch's arrival time; what the run derives is dated by the last one.
  const arrivals = run.map((r) => ({ lastSeq: r.first_seq + r.entries - 1, at: r.received_at }));
  const receivedAt = (seq: number): string => arrivals.find((a) => seq <= a.lastSeq)?.at ?? last.received_at;
  applyBatch(d, { tillId, storeId }, till, batch, new Date(last.received_at), receivedAt);
  q(db, 'DELETE FROM inbox WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(run.map((r) => r.id)));
}

/**
 * Applies waiting batches in the order they were accepted, at least one and then as many as
 * fit in `maxEntries`, each run of one till's batches as one. Call inside a write
 * transaction. Returns how many batches it applied.
 *
 * Each run has a savepoint of its own: a till whose batches cannot be applied (a defect, a
 * damaged row) is set aside in `d.stuck`, logged once per distinct error, and every other
 * till goes on. A stuck till is tried again when nothing else is waiting, so a read or the
 * next upload retries it; its own uploads are refused meanwhile (ingestBatch).
 */
export function applyInbox(d: IngestDeps, maxEntries: number): number {
  const { db } = d;
  let rows = waitingRows(db, maxEntries, (t) => !d.stuck.has(t));
  if (rows.length === 0 && d.stuck.size > 0) rows = waitingRows(db, maxEntries, (t) => d.stuck.has(t));
  let applied = 0;
  // A till that failed in this pass: its later batches cannot follow the one left behind.
  const failed = new Set<string>();
  for (let i = 0; i < rows.length;) {
    const tillId = (rows[i] as InboxRow).till_id;
    let j = i;
    while (j < rows.length && (rows[j] as InboxRow).till_id === tillId) j++;
    const run = rows.slice(i, j);
    i = j;
    if (failed.has(tillId)) continue;
    try {
      db.transaction(() => applyRun(d, tillId, run))();
      applied += run.length;
      d.stuck.delete(tillId);
    } catch (e) {
      // The savepoint rolled back: nothing derived inside it may stay cached.
      dropIngestCaches(db);
      // A full disk stops everyone, not this till: the whole pass fails and is retried.
      if (isStorageFull(e)) throw e;
      failed.add(tillId);
      const error = e instanceof Error ? e.message : String(e);
      if (d.stuck.get(tillId) !== error) {
        d.log.log('error', 'inbox_apply_failed', { tillId, firstSeq: (run[0] as InboxRow).first_seq, error });
      }
      d.stuck.set(tillId, error);
    }
  }
  return applied;
}

export interface InboxBacklog {
  batches: number;
  entries: number;
  oldestReceivedAt: string | null;
}

export function inboxBacklog(db: Db): InboxBacklog {
  const r = q(
    db,
    'SELECT count(*) AS n, coalesce(sum(entries), 0) AS e, min(received_at) AS oldest FROM inbox',
  ).get() as {
    n: number;
    e: number;
    oldest: string | null;
  };
  return { batches: r.n, entries: r.e, oldestReceivedAt: r.oldest };
}

/**
 * Ingests one authenticated, schema-valid batch in one IMMEDIATE transaction: accepted into
 * the inbox when it continues the chain, otherwise checked and applied against the ledger
 * once everything waiting is applied; refused as unavailable while the till's own earlier
 * batches cannot be applied.
 */
export function ingestBatch(
  d: IngestDeps,
  till: { tillId: string; storeId: string },
  b: UploadBatch,
  now: Date,
): IngestOutcome {
  return inTransaction(d.db, () => {
    if (!d.stuck.has(till.tillId)) {
      const accepted = acceptBatch(d.db, d.cipher, till.tillId, b, now);
      if (accepted) return accepted;
    }
    while (applyInbox(d, Number.POSITIVE_INFINITY) > 0);
    // The till's own accepted batches could not be applied: nothing can be checked against
    // its chain, and piling more on would only grow what waits. The till keeps its outbox and
    // retries with backoff.
    if (q(d.db, 'SELECT 1 FROM inbox WHERE till_id = ? LIMIT 1').get(till.tillId)) {
      return { kind: 'unavailable', reason: 'batches this till sent earlier are waiting to be applied' };
    }
    return checkAndApply(d, till, b, now);
  });
}

/**
 * IMMEDIATE: take the write lock up front. A deferred transaction that reads, then writes after
 * another process (an operator CLI) committed, fails at once with SQLITE_BUSY instead of waiting.
 */
export function inTransaction<T>(db: Db, fn: () => T): T {
  try {
    return db.transaction(fn).immediate();
  } catch (e) {
    // The transaction rolled back: what the caches learnt inside it may not exist.
    dropIngestCaches(db);
    throw e;
  }
}
