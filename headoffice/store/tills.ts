/** GET /v1/tills: each till's chain position, health and recompute findings. */
import { HQ_TILL_ID } from '../domain/decisions.js';
import { all, get, type Sql } from '../../storage/sql.js';
import type { TillView } from './types.js';

interface TillRow {
  till_id: string;
  store_id: string;
  last_upload_at: string | null;
  last_feed_at: string | null;
  ack_seq: number;
  head_hash: string;
  chain_status: 'ok' | 'broken';
  chain_error: string | null;
  bad_signatures: number;
  mismatches: number;
  sales: number;
  refused_changes: number;
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
    `SELECT t.*, (SELECT count(*) FROM sales s WHERE s.till_id = t.till_id AND s.mismatch = 1) AS mismatches,
       (SELECT count(*) FROM sales s WHERE s.till_id = t.till_id) AS sales
     FROM tills t WHERE t.till_id <> ? ORDER BY t.till_id`,
    HQ_TILL_ID,
  )) as TillRow[];
  const views: TillView[] = [];
  for (const r of rows) {
    views.push({
      tillId: r.till_id,
      storeId: r.store_id,
      lastUploadAt: r.last_upload_at,
      lastFeedAt: r.last_feed_at,
      ackSeq: r.ack_seq,
      headHash: r.head_hash,
      chainStatus: r.chain_status,
      chainError: r.chain_error,
      badSignatures: r.bad_signatures,
      mismatches: r.mismatches,
      sales: r.sales,
      refusedChanges: r.refused_changes,
      lastRefusal: r.refused_changes > 0 ? yield* lastRefusal(r.till_id) : null,
    });
  }
  return views;
}
