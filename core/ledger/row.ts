/**
 * A ledger entry as both the till and head office store it in SQL: one column per field,
 * `data` as JSON. The mapping lives here once so the two stores cannot read entries differently.
 */
import type { EntryData, EntryKind, LedgerEntry } from './entry.js';

export interface LedgerRow {
  till_id: string;
  seq: number;
  member_no: string;
  kind: string;
  points: number;
  spend: number;
  occurred_at: string;
  local_date: string;
  expires_on: string | null;
  sale_id: string | null;
  return_id: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

export function rowToEntry(r: LedgerRow): LedgerEntry {
  return {
    tillId: r.till_id,
    seq: r.seq,
    memberNo: r.member_no,
    kind: r.kind as EntryKind,
    points: r.points,
    spend: r.spend,
    occurredAt: r.occurred_at,
    localDate: r.local_date,
    expiresOn: r.expires_on,
    saleId: r.sale_id,
    returnId: r.return_id,
    data: JSON.parse(r.data) as EntryData,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
