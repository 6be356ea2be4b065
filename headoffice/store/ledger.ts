/**
 * Writing ledger rows: one statement for tills' entries (ingest.ts) and head office's
 * own (decisions.ts), so both chains are stored with the same columns.
 */
import type { HqEntry } from '../domain/order.js';
import { insertMany, type Sql } from '../../storage/sql.js';

const COLUMNS = [
  'till_id',
  'seq',
  'member_no',
  'kind',
  'points',
  'spend',
  'occurred_at',
  'local_date',
  'expires_on',
  'sale_id',
  'return_id',
  'data',
  'prev_hash',
  'hash',
  'sort_ms',
  'received_at',
] as const;

/** Inserts entries that carry their merge key; `receivedAt` dates each by its seq. */
export function* insertLedgerEntries(entries: readonly HqEntry[], receivedAt: (seq: number) => string): Sql<void> {
  yield* insertMany(
    'ledger',
    COLUMNS,
    entries.map((e) => [
      e.tillId,
      e.seq,
      e.memberNo,
      e.kind,
      e.points,
      e.spend,
      e.occurredAt,
      e.localDate,
      e.expiresOn,
      e.saleId,
      e.returnId,
      JSON.stringify(e.data),
      e.prevHash,
      e.hash,
      e.sortMs,
      receivedAt(e.seq),
    ]),
  );
}
