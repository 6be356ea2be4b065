/**
 * GET /v1/tills: each till's chain position, health and recompute findings, with the store's
 * and the till's names. Registering a till and naming stores and tills (issue 13 item 8).
 */
import { TILL_LOOKUPS_REFUSED, TILL_LOOKUP_LAST_REFUSED } from './lookups.js';
import { HQ_STORE_ID, HQ_TILL_ID } from '../domain/decisions.js';
import { all, get, run, type Sql } from '../../storage/sql.js';
import type { PlaceNames, RenameOutcome, TillView } from './types.js';

/**
 * A new till of `storeId` (the store created when new). A name given is set with who set it
 * and when; a store name replaces the store's current one, an absent name leaves it alone.
 */
export function* addTillStep(
  storeId: string,
  tillId: string,
  secretEnc: Buffer,
  genesisHash: string,
  at: string,
  names: PlaceNames,
): Sql<void> {
  const by = names.by ?? 'add-till';
  yield* run('INSERT INTO stores (store_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING', storeId, at);
  if (names.storeName) {
    yield* run(
      'UPDATE stores SET name = ?, name_set_at = ?, name_set_by = ? WHERE store_id = ?',
      names.storeName,
      at,
      by,
      storeId,
    );
  }
  const tillName = names.tillName ?? null;
  // A new till's outbox starts from nothing (ack_outbox 0): its first batch continues it.
  yield* run(
    `INSERT INTO tills (till_id, store_id, secret_enc, head_hash, created_at, name, name_set_at, name_set_by, ack_outbox)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`,
    tillId,
    storeId,
    secretEnc,
    genesisHash,
    at,
    tillName,
    tillName === null ? null : at,
    tillName === null ? null : by,
  );
}

/** Names a store or a till; the row keeps who named it and when (the log keeps the previous name). */
export function* renameStep(
  what: 'store' | 'till',
  id: string,
  name: string,
  operatorId: string,
  at: string,
): Sql<RenameOutcome> {
  const [table, key] = what === 'store' ? ['stores', 'store_id'] : ['tills', 'till_id'];
  // Head office's own chain (store and till `hq`) is no place to name.
  if (id === (what === 'store' ? HQ_STORE_ID : HQ_TILL_ID)) return { kind: 'unknown' };
  const r = (yield* get(`SELECT name FROM ${table} WHERE ${key} = ?`, id)) as { name: string | null } | undefined;
  if (!r) return { kind: 'unknown' };
  yield* run(
    `UPDATE ${table} SET name = ?, name_set_at = ?, name_set_by = ? WHERE ${key} = ?`,
    name,
    at,
    operatorId,
    id,
  );
  return { kind: 'renamed', previous: r.name };
}

/** Every store's name (stores without one are left out), for reports' store rows. */
export function* storeNames(): Sql<Map<string, string>> {
  const rows = (yield* all('SELECT store_id, name FROM stores WHERE name IS NOT NULL')) as {
    store_id: string;
    name: string;
  }[];
  return new Map(rows.map((r) => [r.store_id, r.name]));
}

interface TillRow {
  till_id: string;
  store_id: string;
  name: string | null;
  store_name: string | null;
  last_upload_at: string | null;
  last_waiting_at: string | null;
  last_feed_at: string | null;
  ack_seq: number;
  head_hash: string;
  chain_status: 'ok' | 'broken';
  chain_error: string | null;
  bad_signatures: number;
  mismatches: number;
  sales: number;
  refused_changes: number;
  lookups_refused: number | null;
  last_lookup_refused_at: string | null;
}

type LastRefusal = TillView['lastRefusal'];

function* lastRefusal(tillId: string): Sql<LastRefusal> {
  const r = (yield* get(
    'SELECT member_no, what, reason, detail, at FROM member_refusals WHERE till_id = ? ORDER BY id DESC LIMIT 1',
    tillId,
  )) as
    | {
        member_no: string;
        what: 'member' | 'card';
        reason: NonNullable<LastRefusal>['reason'];
        detail: string | null;
        at: string;
      }
    | undefined;
  return r ? { memberNo: r.member_no, what: r.what, reason: r.reason, detail: r.detail, at: r.at } : null;
}

export function* tillViews(): Sql<TillView[]> {
  // Head office's own chain (domain/decisions.ts) is no till: nothing uploads or pulls as it.
  const rows = (yield* all(
    `SELECT t.*, (SELECT s.name FROM stores s WHERE s.store_id = t.store_id) AS store_name,
       (SELECT max(i.received_at) FROM inbox i WHERE i.till_id = t.till_id) AS last_waiting_at,
       (SELECT count(*) FROM sales s WHERE s.till_id = t.till_id AND s.mismatch = 1)
         + (SELECT count(*) FROM returns r WHERE r.till_id = t.till_id AND r.mismatch = 1) AS mismatches,
       (SELECT count(*) FROM sales s WHERE s.till_id = t.till_id) AS sales,
       ${TILL_LOOKUPS_REFUSED} AS lookups_refused, ${TILL_LOOKUP_LAST_REFUSED} AS last_lookup_refused_at
     FROM tills t WHERE t.till_id <> ? ORDER BY t.till_id`,
    HQ_TILL_ID,
  )) as TillRow[];
  const views: TillView[] = [];
  for (const r of rows) {
    views.push({
      tillId: r.till_id,
      storeId: r.store_id,
      tillName: r.name,
      storeName: r.store_name,
      // A batch accepted and not yet applied is the latest upload.
      lastUploadAt: r.last_waiting_at ?? r.last_upload_at,
      lastFeedAt: r.last_feed_at,
      ackSeq: r.ack_seq,
      headHash: r.head_hash,
      chainStatus: r.chain_status,
      chainError: r.chain_error,
      badSignatures: r.bad_signatures,
      mismatches: r.mismatches,
      sales: r.sales,
      refusedChanges: r.refused_changes,
      lookupsRefused: Number(r.lookups_refused ?? 0),
      lastLookupRefusedAt: r.last_lookup_refused_at,
      lastRefusal: r.refused_changes > 0 ? yield* lastRefusal(r.till_id) : null,
    });
  }
  return views;
}
