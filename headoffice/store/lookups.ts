/**
 * The per-till limit on member lookups by number (routes/sync.ts), counted in `till_lookups` so
 * that every head-office process on the database holds a till to the one limit: kept in each
 * process's memory, two processes behind a load balancer let a till look up twice as many.
 *
 * DECISION: a window of LOOKUP_WINDOW_MS starts at a till's first lookup after its last window ended
 * (as the member page's code limits do); a lookup is admitted while the window holds at most
 * `limit`, the one that passes it is refused and counted (`refused`, `last_refused_at`). One
 * statement reads and moves the counter, so two processes admitting at once count both.
 */
import { get, type Sql } from '../../storage/sql.js';

export const LOOKUP_WINDOW_MS = 60_000;

export function* admitLookup(tillId: string, now: Date, limit: number): Sql<boolean> {
  const at = now.toISOString();
  const ended = new Date(now.getTime() - LOOKUP_WINDOW_MS).toISOString();
  // `fresh`: the stored window has ended, so this lookup starts a new one.
  const fresh = 'till_lookups.window_start <= ?';
  const count = `CASE WHEN ${fresh} THEN 1 ELSE till_lookups.in_window + 1 END`;
  const r = (yield* get(
    `INSERT INTO till_lookups (till_id, window_start, in_window, refused) VALUES (?, ?, 1, 0)
     ON CONFLICT (till_id) DO UPDATE SET
       window_start = CASE WHEN ${fresh} THEN excluded.window_start ELSE till_lookups.window_start END,
       in_window = ${count},
       refused = till_lookups.refused + CASE WHEN ${count} > ? THEN 1 ELSE 0 END,
       last_refused_at = CASE WHEN ${count} > ? THEN excluded.window_start ELSE till_lookups.last_refused_at END
     RETURNING in_window`,
    tillId,
    at,
    ended,
    ended,
    ended,
    limit,
    ended,
    limit,
  )) as { in_window: number | string };
  return Number(r.in_window) <= limit;
}

/** Lookups each till had refused by the limit, and when last, for the tills' rows. */
export const TILL_LOOKUPS_REFUSED = `(SELECT l.refused FROM till_lookups l WHERE l.till_id = t.till_id)`;
export const TILL_LOOKUP_LAST_REFUSED = `(SELECT l.last_refused_at FROM till_lookups l WHERE l.till_id = t.till_id)`;
