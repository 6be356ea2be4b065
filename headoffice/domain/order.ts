/**
 * The order head office folds a member's entries in.
 *
 * DESIGN DECISION: not arrival order. Tills upload whenever they are online, so arrival
 * order is network timing; folding in it would make lots, debt and tier depend on which
 * till reconnected first. Instead every entry gets `sortMs`, the running maximum of
 * occurredAt along its own till's chain, and a member's entries are folded by
 * (sortMs, tillId, seq). That is a total order, it keeps each till's own seq order (sortMs
 * never decreases along a chain; ties fall to seq), and it depends only on which entries
 * head office holds, so every upload interleaving converges to the same state.
 */
import type { LedgerEntry } from '../../core/ledger/entry.js';

export interface MergeKey {
  sortMs: number;
  tillId: string;
  seq: number;
}

export type HqEntry = LedgerEntry & { sortMs: number };

export function compareKeys(a: MergeKey, b: MergeKey): number {
  if (a.sortMs !== b.sortMs) return a.sortMs < b.sortMs ? -1 : 1;
  // Till ids are ASCII (protocol TillId), so JS order equals SQLite's BINARY order.
  if (a.tillId !== b.tillId) return a.tillId < b.tillId ? -1 : 1;
  return a.seq - b.seq;
}

/**
 * sortMs of each entry of a chain continuing from a head whose sortMs was `headSortMs`. Each
 * entry is copied field by field (an entry has exactly these: core/sync/protocol.ts), much
 * cheaper than a spread of an object fresh from JSON.parse, and every copy has one shape.
 */
export function withSortKeys(entries: readonly LedgerEntry[], headSortMs: number): HqEntry[] {
  let run = headSortMs;
  return entries.map((e) => {
    run = Math.max(run, Date.parse(e.occurredAt));
    return {
      tillId: e.tillId,
      seq: e.seq,
      memberNo: e.memberNo,
      kind: e.kind,
      points: e.points,
      spend: e.spend,
      occurredAt: e.occurredAt,
      localDate: e.localDate,
      expiresOn: e.expiresOn,
      saleId: e.saleId,
      returnId: e.returnId,
      data: e.data,
      prevHash: e.prevHash,
      hash: e.hash,
      sortMs: run,
    };
  });
}
