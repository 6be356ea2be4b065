/**
 * Returns against sales of other tills (DOMAIN.md 12): the sale as head office answered the
 * lookup, and which till's sale each return took back. A POS receipt number is unique per till
 * only, so this till's returns of its own sale X and its returns of another till's sale X are
 * told apart by `returns.original_till_id` (NULL = this till's own sale).
 */
import { bonusReturnOf } from '../../core/engine/bonus-return.js';
import type { EntryData } from '../../core/ledger/entry.js';
import type { OriginalSale } from '../../core/sync/protocol.js';
import type { Db } from './open.js';

export interface ReturnOfSale {
  returnId: string;
  result: unknown;
}

export class ForeignSaleStore {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      put: db.prepare(
        `INSERT INTO foreign_sales (till_id, sale_id, store_id, member_no, body, fetched_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (till_id, sale_id) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at`,
      ),
      mark: db.prepare('UPDATE returns SET original_till_id = ? WHERE return_id = ?'),
      origin: db.prepare('SELECT original_till_id AS t FROM returns WHERE return_id = ?'),
      own: db.prepare(
        'SELECT return_id, result FROM returns WHERE original_sale_id = ? AND original_till_id IS NULL ORDER BY rowid',
      ),
      of: db.prepare(
        'SELECT return_id, result FROM returns WHERE original_sale_id = ? AND original_till_id = ? ORDER BY rowid',
      ),
      stamp: db.prepare(
        `SELECT 1 FROM ledger WHERE sale_id = ? AND kind = 'stamp_return'
         AND return_id IN (SELECT value FROM json_each(?)) LIMIT 1`,
      ),
      bonuses: db.prepare(
        `SELECT data FROM ledger WHERE sale_id = ? AND kind = 'reverse'
         AND return_id IN (SELECT value FROM json_each(?))`,
      ),
    };
  }

  /** Keeps head office's answer a return was computed from (the latest one for that sale). */
  put(sale: OriginalSale, fetchedAt: string): void {
    this.q.put.run(sale.tillId, sale.saleId, sale.storeId, sale.memberNo, JSON.stringify(sale), fetchedAt);
  }

  /** Records that `returnId` took back till `tillId`'s sale (after SaleStore.putReturn, same transaction). */
  markReturn(returnId: string, tillId: string): void {
    this.q.mark.run(tillId, returnId);
  }

  /** The till whose sale the return took back; null for this till's own sale or an unknown return. */
  originOf(returnId: string): string | null {
    return (this.q.origin.get(returnId) as { t: string | null } | undefined)?.t ?? null;
  }

  /** This till's returns of a sale: its own sale (`tillId` null) or till `tillId`'s. */
  returnsOf(saleId: string, tillId: string | null): ReturnOfSale[] {
    const rows = (tillId === null ? this.q.own.all(saleId) : this.q.of.all(saleId, tillId)) as {
      return_id: string;
      result: string;
    }[];
    return rows.map((r) => ({ returnId: r.return_id, result: JSON.parse(r.result) }));
  }

  /** Whether one of these returns (of sale `saleId`) took the sale's stamp back here. */
  stampTaken(saleId: string, returnIds: readonly string[]): boolean {
    return returnIds.length > 0 && this.q.stamp.get(saleId, JSON.stringify(returnIds)) !== undefined;
  }

  /** The campaigns whose bonus one of these returns (of sale `saleId`) took back here. */
  bonusesTaken(saleId: string, returnIds: readonly string[]): string[] {
    if (returnIds.length === 0) return [];
    const rows = this.q.bonuses.all(saleId, JSON.stringify(returnIds)) as { data: string }[];
    return rows.flatMap((r) => bonusReturnOf({ kind: 'reverse', data: JSON.parse(r.data) as EntryData }) ?? []);
  }
}

const stores = new WeakMap<Db, ForeignSaleStore>();

/** One store per database connection (statements prepared once). */
export function foreignSales(db: Db): ForeignSaleStore {
  let s = stores.get(db);
  if (!s) {
    s = new ForeignSaleStore(db);
    stores.set(db, s);
  }
  return s;
}
