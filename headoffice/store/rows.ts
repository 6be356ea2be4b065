/** Head office's ledger rows as entries, on either database. */
import { rowToEntry as tillRowToEntry, type LedgerRow as TillLedgerRow } from '../../core/ledger/row.js';
import type { HqEntry } from '../domain/order.js';

export interface LedgerRow extends TillLedgerRow {
  sort_ms: number;
}

export function rowToEntry(r: LedgerRow): HqEntry {
  return { ...tillRowToEntry(r), sortMs: r.sort_ms };
}

/** The entry as the till sent it, without head office's merge key. */
export function plainEntry(e: HqEntry): Omit<HqEntry, 'sortMs'> {
  const { sortMs: _sortMs, ...rest } = e;
  return rest;
}
