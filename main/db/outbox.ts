/** The sync outbox: written inside the same transaction as the ledger entries it belongs with. */
import type { Db } from './open.js';

export type OutboxKind = 'member' | 'sale' | 'return' | 'card' | 'feedback';

export interface OutboxRow {
  id: number;
  kind: OutboxKind;
  ref: string;
  ledgerSeq: number;
}

export class OutboxStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      put: db.prepare(
        `INSERT INTO outbox (kind, ref, ledger_seq, created_at)
         VALUES (?, ?, (SELECT coalesce(max(seq), 0) FROM ledger), ?)`,
      ),
      after: db.prepare(
        `SELECT id, kind, ref, ledger_seq AS ledgerSeq FROM outbox
         WHERE id > ? AND ledger_seq <= ? ORDER BY id LIMIT ?`,
      ),
      lastBefore: db.prepare('SELECT coalesce(max(id), 0) AS id FROM outbox WHERE ledger_seq < ?'),
      pending: db.prepare('SELECT count(*) AS n FROM outbox WHERE id > ?'),
      changePending: db.prepare(
        "SELECT 1 FROM outbox WHERE id > ? AND kind IN ('member', 'card') AND ref = ? AND created_at = ? LIMIT 1",
      ),
    };
  }

  /** Call after the transaction's ledger entries are appended, inside the same transaction. Returns the row's id. */
  add(kind: OutboxKind, ref: string, at: string): number {
    if (!this.db.inTransaction) throw new Error('outbox write outside a transaction');
    return Number(this.q.put.run(kind, ref, at).lastInsertRowid);
  }

  after(id: number, throughSeq: number, limit: number): OutboxRow[] {
    return this.q.after.all(id, throughSeq, limit) as OutboxRow[];
  }

  /** The outbox position to resume from when head office asks for entries from `seq` again. */
  lastIdBefore(seq: number): number {
    return (this.q.lastBefore.get(seq) as { id: number }).id;
  }

  /**
   * Whether the member's card change made at `at` waits after outbox row `id` (not yet taken by
   * head office): the staff routes and enrolment write a card and its outbox row with one time.
   * Only that change's own row counts, not any later row of the member (a preference change):
   * head office's word on the card is otherwise kept waiting for an upload that does not carry
   * the change, and the till's older state would go up in its place.
   */
  cardChangePendingAfter(id: number, memberNo: string, at: string): boolean {
    return this.q.changePending.get(id, memberNo, at) !== undefined;
  }

  pendingAfter(id: number): number {
    return (this.q.pending.get(id) as { n: number }).n;
  }
}
