/**
 * The replay cache (issue 11, finding 6): a signed sync request is good for the clock skew
 * window (5 minutes either side), so a copy of it could be sent again within that window. Each
 * accepted signature is remembered until its timestamp leaves the window; the same signature
 * again is refused (409 `replayed`). A till signs every attempt afresh (a new timestamp), so an
 * honest retry never collides.
 *
 * Per process, on purpose (docs/postgres.md, "What stays per process"): with several head-office
 * processes on one database a copy sent to another process is answered there, and changes
 * nothing a till's own retry would not (a batch held is a duplicate, a feed page and a lookup
 * are sealed to the till, a reservation is idempotent by its id); a table of signatures would
 * cost a database write for every feed poll.
 */
import { MAX_CLOCK_SKEW_MS } from '../../core/sync/protocol.js';

/** Beyond this many live signatures the oldest are dropped; at 1,000 tills' pace it is never reached. */
const MAX_ENTRIES = 200_000;

export class ReplayCache {
  private readonly seen = new Map<string, number>();

  /** true the first time (and remembers it), false for a replay. `tsMs`: the request's timestamp. */
  admit(tillId: string, signature: string, tsMs: number, nowMs: number): boolean {
    const key = `${tillId}:${signature}`;
    const until = this.seen.get(key);
    if (until !== undefined && until >= nowMs) return false;
    if (this.seen.size >= MAX_ENTRIES) this.prune(nowMs);
    // Insertion order is arrival order: the Map's first keys are the oldest.
    this.seen.delete(key);
    this.seen.set(key, tsMs + MAX_CLOCK_SKEW_MS);
    return true;
  }

  private prune(nowMs: number): void {
    for (const [k, until] of this.seen) {
      if (until < nowMs || this.seen.size >= MAX_ENTRIES) this.seen.delete(k);
      else break;
    }
  }
}
