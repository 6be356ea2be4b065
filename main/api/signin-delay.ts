/**
 * Progressive sign-in delay (docs/decisions.md, "Sign-in delay"). Wrong PINs slow down whoever
 * types them; they never lock a staff member out of the till's own screen.
 *
 * Two counters, each "failures since the last quiet period":
 *
 * 1. per (client, staff number): the first `free` failures cost nothing (typos); after that each
 *    further attempt waits `base × 2^(n − free − 1)`, at most `cap`. A success clears it.
 * 2. per staff number, over every client except the till's own screen: the same shape with a
 *    larger budget and cap, so an attacker who changes client (another address on the LAN, a
 *    local process) still meets a delay that grows. A success does not clear it (an attacker
 *    would get a fresh budget each time the cashier signs in); a quiet `window` does.
 *
 * A client is the connection's remote address, or SCREEN for the Electron window (it carries a
 * per-run secret header the shell adds; main/electron/window.ts). Only people at the screen can
 * delay the screen, so a remote or local attacker can slow their own guesses, never the cashier.
 * The delay is answered at once (429 `staff_locked` with the seconds to wait), not by holding the
 * connection open: a sleeping request would cost the till a socket per guess.
 */

export const SCREEN = 'screen';

export interface DelayPolicy {
  /** failures allowed before any delay */
  free: number;
  baseMs: number;
  capMs: number;
  /** failures are forgotten this long after the last one */
  windowMs: number;
}

export const PAIR_POLICY: DelayPolicy = { free: 3, baseMs: 1_000, capMs: 5 * 60_000, windowMs: 60 * 60_000 };
export const STAFF_POLICY: DelayPolicy = { free: 10, baseMs: 1_000, capMs: 60 * 60_000, windowMs: 24 * 60 * 60_000 };

/** Entries kept per counter; past it the harmless, then the oldest, are dropped (memory stays bounded under a flood). */
const MAX_ENTRIES = 100_000;

/** How long the next attempt waits after `failures` failures. */
export function delayAfter(failures: number, p: DelayPolicy): number {
  if (failures <= p.free) return 0;
  const exponent = Math.min(failures - p.free - 1, 30);
  return Math.min(p.baseMs * 2 ** exponent, p.capMs);
}

export class FailureDelay {
  private readonly entries = new Map<string, { failures: number; last: number }>();

  constructor(private readonly policy: DelayPolicy) {}

  private live(key: string, now: number): { failures: number; last: number } | null {
    const e = this.entries.get(key);
    if (!e) return null;
    if (now - e.last > this.policy.windowMs) {
      this.entries.delete(key);
      return null;
    }
    return e;
  }

  /** Milliseconds `key` must still wait before its next attempt; 0 = it may try now. */
  waitMs(key: string, now: number): number {
    const e = this.live(key, now);
    return e ? Math.max(0, e.last + delayAfter(e.failures, this.policy) - now) : 0;
  }

  failed(key: string, now: number): number {
    const failures = (this.live(key, now)?.failures ?? 0) + 1;
    this.entries.delete(key);
    this.entries.set(key, { failures, last: now });
    if (this.entries.size > MAX_ENTRIES) this.prune(now);
    return failures;
  }

  cleared(key: string): void {
    this.entries.delete(key);
  }

  private prune(now: number): void {
    for (const [k, e] of this.entries) if (now - e.last > this.policy.windowMs) this.entries.delete(k);
    // Still full: first drop the counters that delay nothing yet (a flood of made-up staff numbers,
    // one wrong PIN each), so a flood cannot push out a counter that is slowing someone down; then
    // the least recently failed (Map keeps insertion order; failed() re-inserts).
    for (const [k, e] of this.entries) {
      if (this.entries.size <= MAX_ENTRIES) return;
      if (e.failures <= this.policy.free) this.entries.delete(k);
    }
    for (const k of this.entries.keys()) {
      if (this.entries.size <= MAX_ENTRIES) break;
      this.entries.delete(k);
    }
  }
}

/** Both counters behind one door: ask `waitMs` before checking a PIN, report the outcome after. */
export class SignInThrottle {
  private readonly pair: FailureDelay;
  private readonly staff: FailureDelay;

  constructor(policies: { pair?: DelayPolicy; staff?: DelayPolicy } = {}) {
    this.pair = new FailureDelay(policies.pair ?? PAIR_POLICY);
    this.staff = new FailureDelay(policies.staff ?? STAFF_POLICY);
  }

  waitMs(client: string, staffId: string, now: number): number {
    const own = this.pair.waitMs(pairKey(client, staffId), now);
    return client === SCREEN ? own : Math.max(own, this.staff.waitMs(staffId, now));
  }

  /** Records a wrong PIN; answers the pair's failure count (for the log). */
  failed(client: string, staffId: string, now: number): number {
    if (client !== SCREEN) this.staff.failed(staffId, now);
    return this.pair.failed(pairKey(client, staffId), now);
  }

  succeeded(client: string, staffId: string): void {
    this.pair.cleared(pairKey(client, staffId));
  }
}

function pairKey(client: string, staffId: string): string {
  return `${client}\n${staffId}`;
}
