/**
 * In-process caches of derived state that ingest would otherwise rebuild from the database
 * on every batch: each member's merged state (member_state.state parsed) and each till's own
 * view of a member (what sale recompute needs). Both are pure functions of the append-only
 * ledger, so a cached value stays true as long as the rows it was derived from do.
 *
 * A cached value is trusted only while this connection is the only writer:
 * - another connection (the CLI, a second process) committing to the file changes
 *   `PRAGMA data_version` (on PostgreSQL: another process took the writer lock last, pg.ts),
 *   and the caches of this connection are distrusted at the next batch: members are kept as
 *   suspects, each used again only once its stored row shows the same entries (MemberCache);
 *   till views are kept (a till's chain through what head office holds never changes);
 * - a batch whose transaction rolls back drops them too (ingest.ts), because values
 *   computed inside it may describe rows that were never committed.
 * A miss only costs the slower path (parse the stored state, fold the till's chain), never a
 * different answer.
 */
import type { MemberState } from '../../core/ledger/state.js';
import type { MergeKey } from '../domain/order.js';
import type { Window } from '../domain/window.js';
import { dialect, get, type Sql } from '../../storage/sql.js';
import { memberCacheSizeFromEnv } from '../config.js';
import type { Tx as Db } from './tx.js';

/**
 * Keeps the recently used entries, bounded by entry count: two generations of half the
 * capacity each. Reads and writes go to the young one (a hit in the old one moves there);
 * when the young one is full it becomes the old one and the old one is dropped. Cheaper per
 * access than exact LRU order, and as good for a working set of members.
 */
export class RecentCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly half: number;

  constructor(capacity: number) {
    this.half = Math.max(1, Math.floor(capacity / 2));
  }

  get(key: K): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) this.set(key, o);
    return o;
  }

  set(key: K, value: V): void {
    this.old.delete(key);
    this.young.set(key, value);
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}

/** member_state of one member as stored: the state, the merge key of the last entry folded, `includes`. */
export interface CachedMember {
  state: MemberState;
  last: MergeKey;
  /** highest seq per till among the member's entries (the balance change's `includes`) */
  includes: Record<string, number>;
  /** the member's last entries and states among them (domain/window.ts); `state` is its fold */
  window?: Window;
}

/** A till's own chain for a member folded through seq `through` (every entry with seq <= through). */
export interface CachedTillView {
  through: number;
  state: MemberState;
}

/**
 * DECISION: bounds. A member state is a few KB (lots of the last expiry period); 20,000 of
 * each kind keep every member an active head office touches within minutes in memory, at
 * well under a few hundred MB. Beyond that, a member is read back from member_state, and a
 * till view is rebuilt from the till's chain once and then kept incrementally again.
 */
export const MEMBER_CACHE_SIZE = 20_000;

/**
 * Cached members, and those cached before the last time another process wrote. A member's
 * state is a fold of its entries, and its stored `last` and `includes` (the highest seq of each
 * till among them; a till's entries are applied in seq order, all of them) name those entries:
 * a suspect whose stored row shows the same is what is stored, window included. So two head
 * offices taking turns keep their windows instead of folding every interleaved member from
 * its ledger after each other's pass.
 */
export class MemberCache {
  private trusted = 0;
  private readonly held: RecentCache<string, { member: CachedMember; trusted: number }>;

  constructor(capacity: number) {
    this.held = new RecentCache(capacity);
  }

  get(memberNo: string): CachedMember | undefined {
    const h = this.held.get(memberNo);
    return h && h.trusted === this.trusted ? h.member : undefined;
  }

  set(memberNo: string, member: CachedMember): void {
    this.held.set(memberNo, { member, trusted: this.trusted });
  }

  /** The member as cached before another process wrote, if it is. */
  suspect(memberNo: string): CachedMember | undefined {
    const h = this.held.get(memberNo);
    return h && h.trusted !== this.trusted ? h.member : undefined;
  }

  /** Another process wrote: every member held becomes a suspect. */
  distrust(): void {
    this.trusted++;
  }

  clear(): void {
    this.held.clear();
  }
}

/** Whether a member's stored row names the entries a cached state was folded from. */
export function sameEntries(
  m: CachedMember,
  row: { last_sort_ms: number; last_till: string; last_seq: number; includes: string | null },
): boolean {
  if (row.includes === null) return false;
  if (Number(row.last_sort_ms) !== m.last.sortMs || row.last_till !== m.last.tillId) return false;
  if (Number(row.last_seq) !== m.last.seq) return false;
  const stored = JSON.parse(row.includes) as Record<string, number>;
  const keys = Object.keys(stored);
  return keys.length === Object.keys(m.includes).length && keys.every((t) => m.includes[t] === stored[t]);
}

export interface IngestCaches {
  members: MemberCache;
  /** by till and member, then by the first tier the view was folded from */
  tillViews: RecentCache<string, Map<string, CachedTillView>>;
}

interface Entry extends IngestCaches {
  dataVersion: number;
}

const byDb = new WeakMap<Db, Entry>();

/**
 * SQLite: changes when another connection commits. PostgreSQL: always 0, because every write
 * runs under the store's writer lock, which distrusts these caches first when another process
 * wrote since this one last did (store/pg.ts).
 */
function* dataVersion(): Sql<number> {
  if ((yield* dialect()) === 'pg') return 0;
  return ((yield* get('PRAGMA data_version')) as { data_version: number }).data_version;
}

/** The caches of this connection, emptied first if another connection wrote since they were filled. */
export function* ingestCaches(db: Db): Sql<IngestCaches> {
  const v = yield* dataVersion();
  let c = byDb.get(db);
  if (!c) {
    // HQ_MEMBER_CACHE_SIZE: checked at start (config.ts); a test keeps a handful, so members leave mid-pass.
    const size = memberCacheSizeFromEnv() ?? MEMBER_CACHE_SIZE;
    c = { dataVersion: v, members: new MemberCache(size), tillViews: new RecentCache(size) };
    byDb.set(db, c);
  } else if (c.dataVersion !== v) {
    distrust(c);
    c.dataVersion = v;
  }
  return c;
}

/**
 * Till views are kept: a view is the fold of a till's own entries for a member through a seq,
 * and a till's chain through what head office holds never changes, whoever applied it. The
 * entries after it are found through the member's `includes` (tillview.ts `between`), and the
 * member is checked against its stored row before it is used.
 */
function distrust(c: IngestCaches): void {
  c.members.distrust();
}

/** Another process wrote since this one last did (pg.ts): the caches are distrusted. */
export function distrustIngestCaches(db: Db): void {
  const c = byDb.get(db);
  if (c) distrust(c);
}

/** After a rollback: nothing derived inside the failed transaction may survive it. */
export function dropIngestCaches(db: Db): void {
  byDb.delete(db);
}
