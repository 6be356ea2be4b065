/**
 * What an apply pass writes once at its end instead of once per till run: each member's state
 * and balance change, the entry rules' anomaly counters, the read model's sums, each applied
 * till's new head, and the deletion of the inbox rows it applied (all in the pass's one
 * transaction, so a batch's rows still leave the inbox with its effects or not at all). Tills
 * uploading at once serve the same members, so a pass of eight tills' runs used to write most
 * members' state and balance change eight times over, each time superseding the last; only the
 * last is ever read.
 *
 * Nothing inside the pass reads those rows back from the tables: a member's state is looked
 * up in the ingest cache (cache.ts), then in what the pass holds (`pending`, which a cache of
 * bounded size may have let go of in a large pass), and only then read; a balance change is
 * only read by the sale check at the cursor a till had seen, which is always committed;
 * counters are held by the pass once read. When a run's savepoint rolls back, the caches are
 * dropped and the pass is flushed at once (inbox.ts).
 *
 * Each run writes into a child, absorbed by the pass only when its savepoint commits.
 */
import type { RuleSet } from '../../core/ruleset/schema.js';
import { AggDelta } from '../../core/aggregates.js';
import { insertMany, run, updateRows, withJsonList, type Sql, type SqlValue } from '../../storage/sql.js';
import { writeDelta } from './aggregates.js';
import type { RuleSetCache } from './rulesets.js';
import { Counters } from './anomalies.js';
import { MEMBER_CACHE_SIZE, type CachedMember } from './cache.js';
import { CHANGE_COLUMNS } from './changes.js';

/** Flush between runs when this many members' states wait: a bound on the memory a pass holds. */
export const PENDING_MEMBERS_MAX = MEMBER_CACHE_SIZE / 4;

const STATE_COLUMNS = [
  'member_no',
  'balance',
  'tier',
  'state',
  'last_sort_ms',
  'last_till',
  'last_seq',
  'updated_at',
  'includes',
] as const;

/** A till's row after a run applied its batches. */
export interface TillHead {
  till_id: string;
  ack_seq: number;
  head_hash: string;
  head_sort_ms: number;
  last_upload_at: string;
  /** ingest.ts nextAckOutbox */
  ack_outbox: number | null;
}

/** tills columns a pass writes, with their PostgreSQL types (the first one the key). */
const HEAD_TYPES: Record<keyof TillHead, 'text' | 'bigint'> = {
  till_id: 'text',
  ack_seq: 'bigint',
  head_hash: 'text',
  head_sort_ms: 'bigint',
  last_upload_at: 'text',
  ack_outbox: 'bigint',
};

export class PassWrites {
  /**
   * member_state rows by member, the latest only; made when written, as each state's JSON is
   * written once however many runs of the pass fold the member
   */
  private readonly states = new Map<string, () => SqlValue[]>();
  /** balance change rows by member, the latest only, made when written like `states` */
  private readonly balances = new Map<string, () => SqlValue[]>();
  /** the states `states` holds, as folded */
  private readonly members = new Map<string, CachedMember>();
  readonly counters: Counters;
  /** the read model's sums of the pass's runs (aggregates.ts) */
  private agg = new AggDelta();
  /** inbox rows whose runs applied, deleted with the pass's writes */
  private applied: number[] = [];
  /** each applied till's new head (nothing in a pass reads an uploading till's row back) */
  private readonly heads = new Map<string, TillHead>();

  /** the rule set in force for the pass: nothing publishes while it holds the writer lock */
  private latest: RuleSet | null = null;

  constructor(private readonly parent?: PassWrites) {
    this.counters = new Counters(parent?.counters);
  }

  /** The latest rule set, read once per pass. */
  *latestRules(rules: RuleSetCache): Sql<RuleSet> {
    if (this.parent) return yield* this.parent.latestRules(rules);
    this.latest ??= yield* rules.latest();
    return this.latest;
  }

  /** A run's own writes, for `absorb` once its savepoint commits. */
  child(): PassWrites {
    return new PassWrites(this);
  }

  memberState(memberNo: string, row: () => SqlValue[], folded: CachedMember): void {
    this.states.set(memberNo, row);
    this.members.set(memberNo, folded);
  }

  /** The member's state this run or its pass folded and has not written yet. */
  pending(memberNo: string): CachedMember | undefined {
    return this.members.get(memberNo) ?? this.parent?.pending(memberNo);
  }

  balanceChange(memberNo: string, row: () => SqlValue[]): void {
    this.balances.set(memberNo, row);
  }

  get aggregates(): AggDelta {
    return this.agg;
  }

  /** The till's head after a run: written with the rest. */
  tillHead(head: TillHead): void {
    this.heads.set(head.till_id, head);
  }

  /** The inbox rows a run applied: deleted with the rest, in the same transaction. */
  appliedInbox(ids: readonly number[]): void {
    this.applied.push(...ids);
  }

  absorb(run: PassWrites): void {
    this.agg.absorb(run.agg);
    this.applied.push(...run.applied);
    for (const [no, row] of run.states) this.states.set(no, row);
    for (const [no, m] of run.members) this.members.set(no, m);
    for (const [no, row] of run.balances) this.balances.set(no, row);
    for (const [till, head] of run.heads) this.heads.set(till, head);
    this.counters.absorb(run.counters);
  }

  get full(): boolean {
    return this.states.size >= PENDING_MEMBERS_MAX || this.counters.pending >= PENDING_MEMBERS_MAX;
  }

  /** Writes what waits (states, balance changes, counters, sums; applied inbox rows deleted) and forgets it. */
  *flush(): Sql<void> {
    const agg = this.agg;
    const applied = this.applied;
    this.agg = new AggDelta();
    this.applied = [];
    const states = [...this.states.values()].map((row) => row());
    const balances = [...this.balances.values()].map((row) => row());
    const heads = [...this.heads.values()];
    this.heads.clear();
    this.states.clear();
    this.balances.clear();
    this.members.clear();
    yield* insertMany(
      'member_state',
      STATE_COLUMNS,
      states,
      `ON CONFLICT (member_no) DO UPDATE SET balance = excluded.balance, tier = excluded.tier, state = excluded.state,
       last_sort_ms = excluded.last_sort_ms, last_till = excluded.last_till, last_seq = excluded.last_seq,
       updated_at = excluded.updated_at, includes = excluded.includes`,
    );
    yield* insertMany('changes', CHANGE_COLUMNS, balances);
    // Every applied till's head in one statement.
    yield* updateRows('tills', HEAD_TYPES, heads);
    yield* this.counters.flush();
    yield* writeDelta(agg);
    if (applied.length > 0) {
      yield* run(
        withJsonList((isIn) => `DELETE FROM inbox WHERE ${isIn('id')}`, 'bigint'),
        JSON.stringify(applied),
      );
    }
  }
}
