/** GET /v1/tills: each till's chain position, health and recompute findings. */
import { HQ_TILL_ID } from '../domain/decisions.js';
import { q, type Db } from './sqlite-db.js';
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
}

export function tillViews(db: Db): TillView[] {
  // Head office's own chain (domain/decisions.ts) is no till: nothing uploads or pulls as it.
  const rows = q(
    db,
    `SELECT t.*, (SELECT count(*) FROM sales s WHERE s.till_id = t.till_id AND s.mismatch = 1) AS mismatches,
       (SELECT count(*) FROM sales s WHERE s.till_id = t.till_id) AS sales
     FROM tills t WHERE t.till_id <> ? ORDER BY t.till_id`,
  ).all(HQ_TILL_ID) as TillRow[];
  return rows.map((r) => ({
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
  }));
}
