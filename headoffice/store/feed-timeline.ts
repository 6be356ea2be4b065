/**
 * Whether a till's feed cursor is on head office's timeline of changes, and where to read from
 * when it is not.
 *
 * A head office restored from a backup has lost the changes made after the backup, and hands
 * their cursors out again to new changes. A till that had read past the backup would then
 * skip every new change numbered at or below its cursor: a card blocked, a balance confirmed,
 * a rule set, an erasure. So a till names the change its cursor stands on by the time head
 * office stamped it (`afterAt`, the `cursorAt` of the page it last read), and head office
 * checks that its own change of that cursor bears the same stamp. When it does not, the
 * till's cursor is from a lost timeline: it reads again from the last change written before
 * it, which is a change the backup held (docs/sync.md "Head office restored from a backup").
 */
import { all, get, withJsonList, type Sql } from '../../storage/sql.js';

/**
 * DECISION: a rewound till reads again from a minute before its lost change's stamp. Several
 * head-office processes stamp changes by their own clocks, so stamps run out of cursor order
 * by the length of an apply pass and the clocks' skew; reading a minute of changes again
 * costs a till one page and changes nothing (a change is a snapshot, the newest wins), while
 * starting a change too late would skip it.
 */
export const REWIND_MARGIN_MS = 60_000;

export interface TimelineAsk {
  after: number;
  /** the stamp (`created_at`) of the change at `after`, as the till was given it */
  afterAt?: string | undefined;
}

/** Where an ask reads from: its own cursor, or the rewind point of a cursor from a lost timeline. */
export interface Placed {
  after: number;
  rewoundFrom?: number;
}

interface StampRow {
  cursor: number | string;
  created_at: string;
}

/** Each ask placed on head office's timeline (one read for all of them; rewinding reads more). */
export function* placeOnTimeline(asks: readonly TimelineAsk[]): Sql<Placed[]> {
  const checked = asks.filter((a) => a.after > 0 && a.afterAt !== undefined);
  if (checked.length === 0) return asks.map((a) => ({ after: a.after }));
  const rows = (yield* all(
    withJsonList((isIn) => `SELECT cursor, created_at FROM changes WHERE ${isIn('cursor')}`, 'bigint'),
    JSON.stringify([...new Set(checked.map((a) => a.after))]),
  )) as StampRow[];
  const stamps = new Map(rows.map((r) => [Number(r.cursor), r.created_at]));
  const out: Placed[] = [];
  for (const a of asks) {
    if (a.after === 0 || a.afterAt === undefined || stamps.get(a.after) === a.afterAt) out.push({ after: a.after });
    else out.push({ after: yield* rewindPoint(a.after, a.afterAt), rewoundFrom: a.after });
  }
  return out;
}

/**
 * The last change before `before` stamped at least REWIND_MARGIN_MS before `at`, found by
 * halving over the cursor (a few dozen primary-key reads, no index on the stamp). On one
 * timeline stamps rise with the cursor; changes made after a restore are stamped after the
 * lost change was, so every one of them reads as "too late" and the point lands before them.
 */
export function* rewindPoint(before: number, at: string): Sql<number> {
  const ms = Date.parse(at);
  if (!Number.isFinite(ms)) return 0;
  const limit = new Date(ms - REWIND_MARGIN_MS).toISOString();
  let good = 0;
  let lo = 0;
  let hi = before;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const row = (yield* get(
      'SELECT cursor, created_at FROM changes WHERE cursor > ? AND cursor <= ? ORDER BY cursor DESC LIMIT 1',
      lo,
      mid,
    )) as StampRow | undefined;
    if (!row) {
      lo = mid;
    } else if (row.created_at <= limit) {
      good = Number(row.cursor);
      lo = mid;
    } else {
      hi = Number(row.cursor);
    }
  }
  return good;
}
