/**
 * Writing ledger rows: one statement for tills' entries (ingest.ts) and head office's
 * own (decisions.ts), so both chains are stored with the same columns.
 */
import type { HqEntry } from '../domain/order.js';
import { q, type Db } from './sqlite-db.js';

/** Inserts entries that carry their merge key; `receivedAt` dates each by its seq. */
export function insertLedgerEntries(db: Db, entries: readonly HqEntry[], receivedAt: (seq: number) => string): void {
  const insert = q(
    db,
    `INSERT INTO ledger (till_id, seq, member_no, kind, points, spend, occurred_at, local_date, expires_on, sale_id,
       return_id, data, prev_hash, hash, sort_ms, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const e of entries) {
    insert.run(
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
    );
  }
}
