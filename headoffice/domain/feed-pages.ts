/**
 * Several tills' feed pages from as few reads of the change rows as their cursors allow
 * (store/feed.ts reads them for a batch of polls). Tills that are caught up ask from cursors
 * close together; one that is far behind (a new till, one back from days offline) gets a read
 * of its own rather than making everyone's read span its backlog.
 */

/** Asks whose cursors lie within this many of the lowest in a read share it. */
export const CLUSTER_SPAN = 5_000;

export interface PageAsk {
  after: number;
  limit: number;
}

/** One read: rows with cursor > `low`, the first `need` of them, holding the pages of `asks` (indexes). */
export interface PageRead {
  low: number;
  need: number;
  asks: number[];
}

/**
 * Cursors are distinct integers, so at most `after - low` rows lie between a read's lowest
 * cursor and an ask's own: reading that many more than the ask's limit holds its whole page.
 */
export function pageReads(asks: readonly PageAsk[], span = CLUSTER_SPAN): PageRead[] {
  const order = asks.map((_, i) => i).sort((i, j) => (asks[i] as PageAsk).after - (asks[j] as PageAsk).after);
  const reads: PageRead[] = [];
  for (const i of order) {
    const { after, limit } = asks[i] as PageAsk;
    const open = reads[reads.length - 1];
    if (open && after - open.low <= span) {
      open.asks.push(i);
      open.need = Math.max(open.need, limit + after - open.low);
    } else {
      reads.push({ low: after, need: limit, asks: [i] });
    }
  }
  return reads;
}

/** An ask's page out of its read's rows (in cursor order). */
export function pageOf<R extends { cursor: number }>(rows: readonly R[], ask: PageAsk): R[] {
  return rows.filter((r) => Number(r.cursor) > ask.after).slice(0, ask.limit);
}
