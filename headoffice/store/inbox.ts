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
 * key (`body_enc`, crypto.ts; as the till sent it, inbox-body.ts) and deleted in the transaction
 * that applies it; with `secure_delete` on (sqlite-db.ts) the freed pages are zeroed, not left
 * for a file reader.
 *
 * Any number of head-office processes may accept and apply (store/pg.ts): accepting takes an
 * advisory lock per till (uploads arriving together, several tills' at once); applying runs
 * under the store's writer lock, one pass at a time, and a pass that fails for one till leaves
 * its batches waiting with the error (`inbox.apply_error`), seen by every process.
 */
import { verifyChain } from '../../core/ledger/hash.js';
import type { UploadBatch } from '../../core/sync/protocol.js';
import type { HqCipher } from '../crypto.js';
import { applyBatch, checkAndApply, nextAckOutbox, type IngestDeps, type TillRow } from './ingest.js';
import { all, dialect, get, run, savepoint, withJsonList, type Sql, type SqlValue } from '../../storage/sql.js';
import { PassWrites } from './pass.js';
import type { InboxBatchKey } from './accepted-bodies.js';
import { openInboxBody, sealInboxBody, type WireBody } from './inbox-body.js';
import { prefetchEntryCounters } from './anomalies.js';
import type { IngestOutcome } from './types.js';

/** pg_advisory_xact_lock's first key for accepting a till's batches (the second: a hash of the till id). */
const ACCEPT_LOCK = 0x68710003;

/**
 * PostgreSQL: a lock per till held until the transaction ends, so two head-office processes
 * taking the same till's batches at once check and accept them one after the other. An
 * advisory lock, not the till's row: an apply pass updates the rows of every till it applies
 * and holds them until it commits, and accepting must not wait for that (acknowledging is the
 * till's wait at the counter; applying is not). Two tills whose ids hash alike only take turns.
 * SQLite: the IMMEDIATE transaction already holds the only write lock.
 */
export function* lockTill(tillId: string): Sql<void> {
  if ((yield* dialect()) === 'pg') yield* run(`SELECT pg_advisory_xact_lock(${ACCEPT_LOCK}, hashtext(?))`, tillId);
}

/**
 * PostgreSQL: the locks of several tills in one statement, in the order of their keys, so two
 * transactions taking overlapping tills (two processes' batches of uploads) never wait for
 * each other in a cycle, even where two till ids hash alike. The select list's volatile
 * function is evaluated after the ORDER BY. SQLite: the IMMEDIATE transaction holds the only lock.
 */
function* lockTills(tillIds: readonly string[]): Sql<void> {
  if ((yield* dialect()) !== 'pg') return;
  yield* run(
    `SELECT pg_advisory_xact_lock(${ACCEPT_LOCK}, k) FROM
       (SELECT DISTINCT hashtext(value) AS k FROM jsonb_array_elements_text(?::jsonb)) AS keys ORDER BY k`,
    JSON.stringify(tillIds),
  );
}

interface Head {
  seq: number;
  hash: string;
  /** the till's acknowledged outbox row (ingest.ts nextAckOutbox) */
  outbox: number | null;
  /** the till's earlier batches wait because applying them failed */
  stuck: boolean;
}

interface HeadRow {
  till_id: string;
  ack_seq: number;
  head_hash: string;
  ack_outbox: number | null;
  waiting_seq: number | null;
  waiting_hash: string | null;
  waiting_outbox: number | null;
  stuck: number | null;
}

/** For a `tills t` row: the last seq of its batches accepted into the inbox and not yet applied (null: none). */
export const WAITING_SEQ = '(SELECT last_seq FROM inbox i WHERE i.till_id = t.till_id ORDER BY id DESC LIMIT 1)';

/** For a `tills t` row: its acknowledged outbox row after the last of those batches (read it only when WAITING_SEQ is not null). */
export const WAITING_OUTBOX = '(SELECT ack_outbox FROM inbox i WHERE i.till_id = t.till_id ORDER BY id DESC LIMIT 1)';

/** A till's acknowledged outbox row counting what waits in the inbox, from a row read with WAITING_SEQ and WAITING_OUTBOX. */
export function acknowledgedOutbox(r: {
  ack_outbox: number | string | null;
  waiting_seq: number | string | null;
  waiting_outbox: number | string | null;
}): number | null {
  const v = r.waiting_seq === null ? r.ack_outbox : r.waiting_outbox;
  return v === null ? null : Number(v);
}

/**
 * Each till's chain head counting accepted batches not yet applied, and whether those are
 * stuck, in one read for all of them (an upload's wait at the counter is mostly round trips).
 */
function* acceptedHeads(tillIds: readonly string[]): Sql<Map<string, Head>> {
  const rows = (yield* all(
    withJsonList(
      (isIn) => `SELECT t.till_id, t.ack_seq, t.head_hash, t.ack_outbox,
       ${WAITING_SEQ} AS waiting_seq,
       (SELECT last_hash FROM inbox i WHERE i.till_id = t.till_id ORDER BY id DESC LIMIT 1) AS waiting_hash,
       ${WAITING_OUTBOX} AS waiting_outbox,
       (SELECT 1 FROM inbox i WHERE i.till_id = t.till_id AND apply_error IS NOT NULL LIMIT 1) AS stuck
     FROM tills t WHERE ${isIn('t.till_id')}`,
      'text',
    ),
    JSON.stringify(tillIds),
  )) as HeadRow[];
  return new Map(
    rows.map((r) => [
      r.till_id,
      {
        ...(r.waiting_seq === null
          ? { seq: Number(r.ack_seq), hash: r.head_hash }
          : { seq: Number(r.waiting_seq), hash: r.waiting_hash as string }),
        outbox: acknowledgedOutbox(r),
        stuck: r.stuck !== null,
      },
    ]),
  );
}

/** One upload asking to be accepted, its chain checked and its body sealed before any lock is taken. */
export interface AcceptAsk {
  tillId: string;
  batch: UploadBatch;
  now: Date;
  /** the chain's head when its entries verify from the batch's own prevHash; null when they do not */
  verifiedHead: string | null;
  sealed: Buffer;
}

/**
 * The work of accepting that needs no database: the entries checked against the batch's own
 * prevHash (head office's head must then equal it) and the body sealed, outside the
 * transaction, so a batch of accepts holds its tills' locks only for its few statements.
 */
export function prepareAccept(
  cipher: HqCipher,
  tillId: string,
  batch: UploadBatch,
  now: Date,
  wire?: WireBody,
): AcceptAsk {
  const v = batch.entries.length > 0 ? verifyChain(batch.entries, batch.firstSeq - 1, batch.prevHash) : null;
  return {
    tillId,
    batch,
    now,
    verifiedHead: v?.ok ? v.head : null,
    sealed: v?.ok ? sealInboxBody(cipher, batch, wire) : Buffer.alloc(0),
  };
}

const INBOX_COLUMNS = [
  'till_id',
  'first_seq',
  'last_seq',
  'last_hash',
  'entries',
  'body',
  'body_enc',
  'received_at',
  'ack_outbox',
] as const;

/**
 * Accepts each upload into the inbox when it holds entries that continue its till's chain
 * exactly and verify, and the till's earlier batches are not stuck; null for the others (the
 * caller applies the inbox and takes the full path). Several tills' uploads are accepted in
 * one transaction, one durable commit for all; two of one till in the order asked, the second
 * continuing the first. Call inside a till transaction.
 */
export function* acceptBatches(asks: readonly AcceptAsk[]): Sql<Accepted> {
  const tillIds = [...new Set(asks.filter((a) => a.verifiedHead !== null).map((a) => a.tillId))];
  if (tillIds.length === 0) return { outcomes: asks.map(() => null), rows: [] };
  yield* lockTills(tillIds);
  const heads = yield* acceptedHeads(tillIds);
  const rows: SqlValue[][] = [];
  const batches: { key: Omit<InboxBatchKey, 'id'>; batch: UploadBatch }[] = [];
  const out = asks.map(({ tillId, batch: b, now, verifiedHead, sealed }): IngestOutcome | null => {
    const head = heads.get(tillId);
    if (verifiedHead === null || !head || head.stuck) return null;
    // Verified from its own prevHash: it continues the chain when that is head office's head.
    if (b.firstSeq !== head.seq + 1 || b.prevHash !== head.hash) return null;
    // Acknowledged with the batch, in the same transaction: what the feed answers as ackOutbox.
    const outbox = nextAckOutbox(head.outbox, b);
    rows.push([tillId, b.firstSeq, b.lastSeq, verifiedHead, b.entries.length, '', sealed, now.toISOString(), outbox]);
    batches.push({ key: { tillId, firstSeq: b.firstSeq, lastHash: verifiedHead }, batch: b });
    heads.set(tillId, { seq: b.lastSeq, hash: verifiedHead, outbox, stuck: false });
    // tills.last_upload_at moves when the batch is applied (the till view reads the inbox for
    // what waits): writing the till's row here would wait for an apply pass holding it.
    return {
      kind: 'ok',
      status: 'applied',
      ackSeq: b.lastSeq,
      headHash: verifiedHead,
      appliedEntries: b.entries.length,
    };
  });
  // One statement, rows in the order asked: inbox ids keep a till's batches in chain order. A
  // VALUES list, not insertMany: its arrays would carry the sealed bodies as hex text.
  if (rows.length === 0) return { outcomes: out, rows: [] };
  const tuple = `(${INBOX_COLUMNS.map(() => '?').join(', ')})`;
  const ids = (yield* all(
    `INSERT INTO inbox (${INBOX_COLUMNS.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}
     RETURNING id, till_id, first_seq`,
    ...rows.flat(),
  )) as { id: number | string; till_id: string; first_seq: number | string }[];
  // Matched by till and first seq, not by the order RETURNING happens to give.
  const idOf = new Map(ids.map((r) => [`${r.till_id}\u0000${Number(r.first_seq)}`, Number(r.id)]));
  return {
    outcomes: out,
    rows: batches.flatMap(({ key, batch }) => {
      const id = idOf.get(`${key.tillId}\u0000${key.firstSeq}`);
      return id === undefined ? [] : [{ key: { ...key, id }, batch }];
    }),
  };
}

/** What accepting answers each ask, and the inbox rows it wrote with the batch each holds. */
export interface Accepted {
  outcomes: (IngestOutcome | null)[];
  rows: { key: InboxBatchKey; batch: UploadBatch }[];
}

interface InboxRow {
  id: number;
  till_id: string;
  first_seq: number;
  last_hash: string;
  entries: number;
  received_at: string;
  apply_error: string | null;
  /** the till's acknowledged outbox row after this batch, as accepted (null: not known) */
  ack_outbox: number | null;
}

/** One till's consecutive batches as the single batch they add up to. */
function joined(tillId: string, storeId: string, batches: readonly UploadBatch[]): UploadBatch {
  const first = batches[0] as UploadBatch;
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
    // bodies accepted before adjustment notes existed have none
    adjustmentNotes: batches.flatMap((b) => b.adjustmentNotes ?? []),
  };
}

/**
 * Waiting rows in the order they were accepted, as many as fit in `maxEntries` (at least one),
 * of tills whose batches applied last time (`stuck` false) or of those that failed (`stuck`
 * true). Bodies are read when their run is applied.
 */
function* waitingRows(maxEntries: number, stuck: boolean): Sql<InboxRow[]> {
  const candidates = (yield* all(
    `SELECT id, till_id, first_seq, last_hash, entries, received_at, apply_error, ack_outbox FROM inbox
     WHERE till_id NOT IN (SELECT till_id FROM inbox WHERE apply_error IS ${stuck ? 'NULL' : 'NOT NULL'})
     ORDER BY id LIMIT ?`,
    // A batch holds at least one entry: more rows than maxEntries are never needed.
    Number.isFinite(maxEntries) ? Math.max(1, Math.min(maxEntries, 100_000)) : 100_000,
  )) as InboxRow[];
  const rows: InboxRow[] = [];
  let total = 0;
  for (const row of candidates) {
    if (rows.length > 0 && total + row.entries > maxEntries) break;
    rows.push(row);
    total += row.entries;
  }
  return rows;
}

interface BodyRow {
  id: number | string;
  body: string;
  body_enc: Buffer | null;
}

/**
 * Waiting batches' bodies by inbox id, in one read, each opened (or the reason it does not
 * open, thrown by its till's run, so it sets aside that till alone).
 */
function* inboxBodies(d: IngestDeps, inbox: readonly InboxRow[]): Sql<Map<number, UploadBatch | Error>> {
  const out = new Map<number, UploadBatch | Error>();
  for (const r of inbox) {
    const id = Number(r.id);
    const kept = d.accepted.take({ id, tillId: r.till_id, firstSeq: Number(r.first_seq), lastHash: r.last_hash });
    if (kept) out.set(id, kept);
  }
  const ids = inbox.map((r) => Number(r.id)).filter((id) => !out.has(id));
  if (ids.length === 0) return out;
  const rows = (yield* all(
    withJsonList((isIn) => `SELECT id, body, body_enc FROM inbox WHERE ${isIn('id')}`, 'bigint'),
    JSON.stringify(ids),
  )) as BodyRow[];
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  for (const id of ids) {
    try {
      out.set(id, openBody(d.cipher, id, byId.get(id)));
    } catch (e) {
      out.set(id, e instanceof Error ? e : new Error(String(e)));
    }
  }
  return out;
}

/** A body as accepted; rows accepted before bodies were encrypted (migration 008) are clear. */
function openBody(cipher: HqCipher, id: number, r: BodyRow | undefined): UploadBatch {
  if (!r) throw new Error(`inbox row ${id} is gone`);
  return r.body_enc ? openInboxBody(cipher, r.body_enc) : (JSON.parse(r.body) as UploadBatch);
}

/** The tills' rows an apply pass needs, in one read. */
function* passTills(tillIds: readonly string[]): Sql<Map<string, TillRow & { store_id: string }>> {
  const rows = (yield* all(
    withJsonList(
      (isIn) =>
        `SELECT till_id, ack_seq, head_hash, head_sort_ms, ack_outbox, store_id FROM tills WHERE ${isIn('till_id')}`,
      'text',
    ),
    JSON.stringify(tillIds),
  )) as (TillRow & { till_id: string; store_id: string })[];
  return new Map(rows.map((r) => [r.till_id, r]));
}

/** One till's consecutive waiting batches applied as one batch, and taken out of the inbox. */
function* applyRun(
  d: IngestDeps,
  tillId: string,
  till: (TillRow & { store_id: string }) | undefined,
  batches: readonly InboxRow[],
  bodies: ReadonlyMap<number, UploadBatch | Error>,
  pass: PassWrites,
): Sql<void> {
  if (!till) throw new Error(`inbox rows of till ${tillId}, which has no row`);
  const first = batches[0] as InboxRow;
  const last = batches[batches.length - 1] as InboxRow;
  // Accepted batches continue the applied chain by construction; anything else is a bug to stop on.
  if (first.first_seq !== till.ack_seq + 1) {
    throw new Error(`inbox batch ${first.id} of till ${tillId} starts at ${first.first_seq}, applied ${till.ack_seq}`);
  }
  const storeId = till.store_id;
  // Thrown here, inside the run: a body that does not open sets this till aside, not the pass.
  const batch = joined(
    tillId,
    storeId,
    batches.map((r) => {
      const b = bodies.get(Number(r.id));
      if (b === undefined) throw new Error(`inbox row ${r.id} is gone`);
      if (b instanceof Error) throw b;
      return b;
    }),
  );
  // Each entry keeps its own batch's arrival time; what the run derives is dated by the last one.
  const arrivals = batches.map((r) => ({ lastSeq: r.first_seq + r.entries - 1, at: r.received_at }));
  const receivedAt = (seq: number): string => arrivals.find((a) => seq <= a.lastSeq)?.at ?? last.received_at;
  const ackOutbox = last.ack_outbox === null ? null : Number(last.ack_outbox);
  yield* applyBatch(d, { tillId, storeId }, till, batch, ackOutbox, new Date(last.received_at), receivedAt, pass);
  pass.appliedInbox(batches.map((r) => Number(r.id)));
}

/**
 * How a pass keeps one till's failure from the others: `apart` runs each till's batches in a
 * savepoint of its own; `together` runs them without (two round trips fewer per till), and a
 * failure fails the pass, which the caller then runs again `apart`.
 */
export type PassIsolation = 'apart' | 'together';

/**
 * Applies waiting batches, at least one and then as many as fit in `maxEntries` in the order
 * they were accepted, each till's batches among them as one. Call inside a write
 * transaction. Returns how many entries it applied (0: none, or every till it tried failed).
 *
 * `apart`, each run has a savepoint of its own: a till whose batches cannot be applied (a
 * defect, a damaged row) is set aside with the error on its waiting rows, logged once per
 * distinct error, and every other till goes on. `together` (the background pass's first try)
 * runs them without, and any failure fails the pass. A stuck till is tried again when nothing else is
 * waiting, so a read or the next upload retries it; its own uploads are refused meanwhile
 * (ingestBatch).
 */
export function* applyInbox(d: IngestDeps, maxEntries: number, isolation: PassIsolation = 'apart'): Sql<number> {
  let rows = yield* waitingRows(maxEntries, false);
  if (rows.length === 0) rows = yield* waitingRows(maxEntries, true);
  // Nothing older waits: what this process still keeps of it was applied elsewhere.
  if (rows.length > 0) d.accepted.forgetBelow(Number((rows[0] as InboxRow).id));
  let applied = 0;
  // One run per till of everything of it in this pass (a till's rows are consecutive batches of
  // its chain in id order): tills uploading at once interleave in the inbox, and a member
  // several of them serve is then folded once per pass rather than once per batch. The order
  // between tills is free: head office's merge order (domain/order.ts) does not depend on it.
  const runs = new Map<string, InboxRow[]>();
  for (const row of rows) {
    const run = runs.get(row.till_id);
    if (run) run.push(row);
    else runs.set(row.till_id, [row]);
  }
  if (runs.size === 0) return 0;
  const tills = yield* passTills([...runs.keys()]);
  const bodies = yield* inboxBodies(d, rows);
  // A till that failed before is retried in a savepoint of its own, whatever was asked.
  const apart = isolation === 'apart' || rows.some((r) => r.apply_error !== null);
  // Member states, balance changes and anomaly counters are written once for the whole pass (pass.ts).
  const pass = new PassWrites();
  // The entry rules' counters of every run in one read per rule, not one per run.
  yield* prefetchEntryCounters(
    pass.counters,
    [...bodies.values()].flatMap((b) => (b instanceof Error ? [] : b.entries)),
  );
  for (const [tillId, batches] of runs) {
    const own = pass.child();
    const runStep = applyRun(d, tillId, tills.get(tillId), batches, bodies, own);
    try {
      yield* apart ? savepoint(runStep) : runStep;
      pass.absorb(own);
      if (pass.full) yield* pass.flush();
      for (const b of batches) applied += b.entries;
      if ((batches[0] as InboxRow).apply_error !== null) {
        yield* run('UPDATE inbox SET apply_error = NULL WHERE till_id = ?', tillId);
      }
    } catch (e) {
      // Without a savepoint the transaction cannot go on: the caller runs the pass again, apart.
      if (!apart) throw e;
      // The savepoint rolled back: nothing derived inside it may stay cached. The next run then
      // reads states from the table, so what the pass holds for earlier runs is written now.
      d.dropCaches();
      // A full disk stops everyone, not this till: the whole pass fails and is retried.
      if (d.isStorageFull(e)) throw e;
      yield* pass.flush();
      const error = e instanceof Error ? e.message : String(e);
      if ((batches[0] as InboxRow).apply_error !== error) {
        d.log.log('error', 'inbox_apply_failed', { tillId, firstSeq: (batches[0] as InboxRow).first_seq, error });
      }
      yield* run('UPDATE inbox SET apply_error = ? WHERE till_id = ?', error, tillId);
    }
  }
  yield* pass.flush();
  return applied;
}

export interface InboxBacklog {
  batches: number;
  entries: number;
  oldestReceivedAt: string | null;
  /** why applying failed, per till whose batches wait because of it */
  stuck: { tillId: string; error: string }[];
}

export function* inboxBacklog(): Sql<InboxBacklog> {
  const r = (yield* get(
    'SELECT count(*) AS n, coalesce(sum(entries), 0) AS e, min(received_at) AS oldest FROM inbox',
  )) as { n: number; e: number; oldest: string | null };
  const stuck = (yield* all(
    'SELECT till_id, min(apply_error) AS error FROM inbox WHERE apply_error IS NOT NULL GROUP BY till_id ORDER BY till_id',
  )) as { till_id: string; error: string }[];
  return {
    batches: r.n,
    entries: r.e,
    oldestReceivedAt: r.oldest,
    stuck: stuck.map((s) => ({ tillId: s.till_id, error: s.error })),
  };
}

/**
 * The long path (a write transaction): everything waiting is applied, then the batch is
 * checked and applied against the ledger; refused as unavailable while the till's own earlier
 * batches cannot be applied. The till keeps its outbox and retries with backoff. `drained`:
 * the entries of waiting batches it applied first.
 */
export function* ingestStep(
  d: IngestDeps,
  till: { tillId: string; storeId: string },
  b: UploadBatch,
  now: Date,
): Sql<{ outcome: IngestOutcome; drained: number }> {
  let drained = 0;
  for (;;) {
    const n = yield* applyInbox(d, Number.POSITIVE_INFINITY);
    if (n === 0) break;
    drained += n;
  }
  // An upload of the same till accepted meanwhile (another process) is then seen below.
  yield* lockTill(till.tillId);
  if (yield* get('SELECT 1 FROM inbox WHERE till_id = ? LIMIT 1', till.tillId)) {
    return {
      outcome: { kind: 'unavailable', reason: 'batches this till sent earlier are waiting to be applied' },
      drained,
    };
  }
  return { outcome: yield* checkAndApply(d, till, b, now), drained };
}
