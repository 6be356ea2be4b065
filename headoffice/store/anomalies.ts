/**
 * The anomaly rules of domain/anomalies.ts against the database, inside the applying
 * transaction: counters in `anomaly_counters`, cases in `cases` (kinds of migration 010).
 */
import type { MemberUpsert } from '../../core/sync/protocol.js';
import type { HqCipher } from '../crypto.js';
import {
  CASHIER_ENROLMENTS_PER_HOUR,
  CASHIER_POINTS_PER_HOUR,
  MEMBER_SALES_PER_HOUR,
  PREFIX_ENROLMENTS_PER_DAY,
  REDEEM_AFTER_EARN_MINUTES,
  REDEEM_AFTER_EARN_POINTS,
  TILL_UNLOCKS_PER_HOUR,
  crossed,
  dayBucket,
  hourBucket,
  phonePrefix,
  type AnomalyKind,
} from '../domain/anomalies.js';
import type { HqEntry } from '../domain/order.js';
import type { LedgerEntry } from '../../core/ledger/entry.js';
import { all, get, insertMany, run, withJsonList, type Sql } from '../../storage/sql.js';

interface CaseInput {
  kind: AnomalyKind;
  memberNo: string;
  tillId: string;
  /** the entry that revealed it; 0 for an enrolment (no entry of its own) */
  seq: number;
  points: number;
  detail: Record<string, unknown>;
  dedupe: string;
}

function* raise(c: CaseInput, now: Date): Sql<void> {
  yield* run(
    `INSERT INTO cases (member_no, tills, points, balance_after, trigger_till, trigger_seq, detected_at,
       kind, detail, dedupe) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    c.memberNo,
    JSON.stringify([c.tillId]),
    c.points,
    c.tillId,
    c.seq,
    now.toISOString(),
    c.kind,
    JSON.stringify(c.detail),
    c.dedupe,
  );
}

/**
 * personal_data_unlocks: `memberNos`, other stores' members whose name and phone `tillId` was
 * just sent for the first time (`via` a first sale to them, or a lookup by number), counted per
 * hour of head office's clock; one case when the count reaches the threshold. Its own counter,
 * upserted at once (first unlocks are rare; the entry rules' pass counters never hold it).
 */
export function* countUnlocks(
  tillId: string,
  memberNos: readonly string[],
  via: 'served' | 'lookup',
  now: Date,
): Sql<void> {
  const last = memberNos[memberNos.length - 1];
  if (last === undefined) return;
  const hour = hourBucket(now.toISOString());
  const row = (yield* get(
    `INSERT INTO anomaly_counters (rule, subject, bucket, n) VALUES ('till_unlocks', ?, ?, ?)
     ON CONFLICT (rule, subject, bucket) DO UPDATE SET n = anomaly_counters.n + excluded.n RETURNING n`,
    tillId,
    hour,
    memberNos.length,
  )) as { n: number | string };
  const after = Number(row.n);
  if (!crossed(after - memberNos.length, after, TILL_UNLOCKS_PER_HOUR)) return;
  const detail = { hour, unlocked: after, threshold: TILL_UNLOCKS_PER_HOUR, via };
  yield* raise(
    { kind: 'personal_data_unlocks', memberNo: last, tillId, seq: 0, points: 0, detail, dedupe: `unlocks:${hour}` },
    now,
  );
}

function* earnRules(counters: Counters, e: HqEntry, now: Date): Sql<void> {
  const hour = hourBucket(e.occurredAt);
  const sales = counters.bump('member_sales', e.memberNo, hour, 1);
  if (crossed(sales.before, sales.after, MEMBER_SALES_PER_HOUR)) {
    const detail = { hour, sales: sales.after, threshold: MEMBER_SALES_PER_HOUR };
    yield* raise(
      {
        kind: 'earning_velocity_member',
        memberNo: e.memberNo,
        tillId: e.tillId,
        seq: e.seq,
        points: e.points,
        detail,
        dedupe: `member:${hour}`,
      },
      now,
    );
  }
  const staffId = e.data.staffId;
  if (!staffId) return;
  const pts = counters.bump('cashier_points', `${e.tillId}/${staffId}`, hour, e.points);
  if (crossed(pts.before, pts.after, CASHIER_POINTS_PER_HOUR)) {
    const detail = { staffId, hour, points: pts.after, threshold: CASHIER_POINTS_PER_HOUR };
    yield* raise(
      {
        kind: 'earning_velocity_cashier',
        memberNo: e.memberNo,
        tillId: e.tillId,
        seq: e.seq,
        points: pts.after,
        detail,
        dedupe: `cashier:${staffId}:${hour}`,
      },
      now,
    );
  }
}

function* redeemRule(e: HqEntry, now: Date): Sql<void> {
  if (e.points < REDEEM_AFTER_EARN_POINTS) return;
  const at = Date.parse(e.occurredAt);
  const from = at - REDEEM_AFTER_EARN_MINUTES * 60_000;
  // sort_ms is never before an entry's occurredAt, so this narrows by index, then by date exactly.
  // Ordered as the member's ledger (the index's own order), so the evidence lists the entries
  // alike on both stores.
  const rows = (yield* all(
    `SELECT till_id, seq, points, occurred_at FROM ledger
     WHERE member_no = ? AND sort_ms >= ? AND kind IN ('earn', 'bonus')
     ORDER BY sort_ms, till_id, seq`,
    e.memberNo,
    from,
  )) as { till_id: string; seq: number; points: number; occurred_at: string }[];
  const recent = rows.filter((r) => {
    const t = Date.parse(r.occurred_at);
    return t >= from && t <= at;
  });
  const earned = recent.reduce((a, r) => a + r.points, 0);
  if (earned < e.points) return;
  const detail = {
    redeemed: e.points,
    earned,
    minutes: REDEEM_AFTER_EARN_MINUTES,
    earnEntries: recent.map((r) => `${r.till_id}:${r.seq}`),
  };
  yield* raise(
    {
      kind: 'redeem_after_earn',
      memberNo: e.memberNo,
      tillId: e.tillId,
      seq: e.seq,
      points: e.points,
      detail,
      dedupe: 'redeem',
    },
    now,
  );
}

/**
 * The entry rules' counters over an apply pass, read before the entries that bump them and
 * written once at the pass's end (PassWrites, pass.ts), summed per counter (one multi-row
 * upsert). Each bump sees the counter as one upsert after the other would have left it, so
 * `crossed` fires at the same entry; nothing else writes these rules' counters while a pass
 * is applied (the writer lock). A till's run counts in a child, absorbed by the pass when the
 * run's savepoint commits and dropped with it when it rolls back. The enrolment rules count in
 * one of their own per batch of member records (EnrolmentAnomalies), written at its end.
 */
export class Counters {
  private readonly held = new Map<string, number>();
  private readonly added = new Map<string, { rule: string; subject: string; bucket: string; by: number }>();

  constructor(private readonly parent?: Counters) {}

  static key(rule: string, subject: string, bucket: string): string {
    return `${rule}\n${subject}\n${bucket}`;
  }

  /** What this pass knows of the counter (held or bumped), undefined when it was never read. */
  known(key: string): number | undefined {
    return this.held.get(key) ?? this.parent?.known(key);
  }

  hold(rule: string, subject: string, bucket: string, n: number): void {
    this.held.set(Counters.key(rule, subject, bucket), n);
  }

  bump(rule: string, subject: string, bucket: string, by: number): { before: number; after: number } {
    const key = Counters.key(rule, subject, bucket);
    const before = this.known(key) ?? 0;
    this.held.set(key, before + by);
    const a = this.added.get(key);
    if (a) a.by += by;
    else this.added.set(key, { rule, subject, bucket, by });
    return { before, after: before + by };
  }

  /** A child's counts and bumps, its run having committed. */
  absorb(child: Counters): void {
    for (const [key, n] of child.held) this.held.set(key, n);
    for (const [key, a] of child.added) {
      const mine = this.added.get(key);
      if (mine) mine.by += a.by;
      else this.added.set(key, { ...a });
    }
  }

  get pending(): number {
    return this.added.size;
  }

  /** Writes what was bumped and forgets it (what is held stays true). */
  *flush(): Sql<void> {
    const rows = [...this.added.values()].map((a) => [a.rule, a.subject, a.bucket, a.by]);
    this.added.clear();
    yield* insertMany(
      'anomaly_counters',
      ['rule', 'subject', 'bucket', 'n'],
      rows,
      'ON CONFLICT (rule, subject, bucket) DO UPDATE SET n = anomaly_counters.n + excluded.n',
    );
  }
}

/**
 * The stored counters of `rule` among `keys` (subject, bucket), into `counters`; `absentAsZero`:
 * a counter not stored is held as 0 too (under the writer lock nothing else adds it meanwhile),
 * so a later run of the pass does not ask again.
 */
function* readCounters(
  counters: Counters,
  rule: string,
  pairs: readonly [string, string][],
  absentAsZero = false,
): Sql<void> {
  const keys = pairs.filter(([subject, bucket]) => counters.known(Counters.key(rule, subject, bucket)) === undefined);
  if (keys.length === 0) return;
  const rows = (yield* all(
    withJsonList(
      (isIn) =>
        `SELECT subject, bucket, n FROM anomaly_counters WHERE rule = ? AND ${isIn('subject')} AND ${isIn('bucket')}`,
      'text',
    ),
    rule,
    JSON.stringify([...new Set(keys.map((k) => k[0]))]),
    JSON.stringify([...new Set(keys.map((k) => k[1]))]),
  )) as { subject: string; bucket: string; n: number }[];
  // Both lists match a few pairs more than asked for: the stored values, unless this pass
  // already counted on from them.
  for (const r of rows) {
    if (counters.known(Counters.key(rule, r.subject, r.bucket)) === undefined)
      counters.hold(rule, r.subject, r.bucket, r.n);
  }
  if (!absentAsZero) return;
  for (const [subject, bucket] of keys) {
    if (counters.known(Counters.key(rule, subject, bucket)) === undefined) counters.hold(rule, subject, bucket, 0);
  }
}

/** The counters the entry rules bump for `entries`, per rule: (subject, bucket) pairs. */
function entryCounterKeys(entries: readonly LedgerEntry[]): {
  members: [string, string][];
  cashiers: [string, string][];
} {
  const members: [string, string][] = [];
  const cashiers: [string, string][] = [];
  for (const e of entries) {
    if (e.kind !== 'earn') continue;
    const hour = hourBucket(e.occurredAt);
    members.push([e.memberNo, hour]);
    if (e.data.staffId) cashiers.push([`${e.tillId}/${e.data.staffId}`, hour]);
  }
  return { members, cashiers };
}

/**
 * The entry rules' counters of every run of an apply pass read at once (inbox.ts), held by the
 * pass: its runs then find them known instead of asking one statement per run.
 */
export function* prefetchEntryCounters(counters: Counters, entries: readonly LedgerEntry[]): Sql<void> {
  const { members, cashiers } = entryCounterKeys(entries);
  yield* readCounters(counters, 'member_sales', members, true);
  yield* readCounters(counters, 'cashier_points', cashiers, true);
}

/** The entry rules over a batch's new entries (already in `ledger`); counters bumped in `counters`. */
export function* detectEntryAnomalies(tail: readonly HqEntry[], now: Date, counters: Counters): Sql<void> {
  const { members, cashiers } = entryCounterKeys(tail);
  yield* readCounters(counters, 'member_sales', members);
  yield* readCounters(counters, 'cashier_points', cashiers);
  for (const e of tail) {
    if (e.kind === 'earn') yield* earnRules(counters, e, now);
    else if (e.kind === 'redeem' || e.kind === 'reward') yield* redeemRule(e, now);
  }
}

/** The enrolment rules' counter keys of a member's enrolment: [rule, subject, bucket]. */
function enrolmentKeys(
  cipher: HqCipher,
  tillId: string,
  m: MemberUpsert,
): {
  prefix: [string, string] | null;
  cashier: [string, string] | null;
} {
  const prefix = phonePrefix(m.phone);
  return {
    prefix: prefix ? [cipher.mac('phone-prefix', prefix).subarray(0, 8).toString('hex'), dayBucket(m.consentAt)] : null,
    cashier: m.enrolledBy ? [`${tillId}/${m.enrolledBy}`, hourBucket(m.consentAt)] : null,
  };
}

/**
 * The enrolment rules over one batch of member uploads (members.ts), set-based as the entry
 * rules: the counters of every member the batch may create are read in one statement per rule
 * first, bumped in memory one enrolment after the other (so `crossed` fires at the same
 * enrolment as bumping row by row), and written in one multi-row upsert at the end (`save`).
 */
export class EnrolmentAnomalies {
  private constructor(
    private readonly cipher: HqCipher,
    private readonly tillId: string,
    private readonly counters: Counters,
  ) {}

  /** `candidates`: the members the batch may create (head office held no record of them). */
  static *read(cipher: HqCipher, tillId: string, candidates: readonly MemberUpsert[]): Sql<EnrolmentAnomalies> {
    const prefixes: [string, string][] = [];
    const cashiers: [string, string][] = [];
    for (const m of candidates) {
      const k = enrolmentKeys(cipher, tillId, m);
      if (k.prefix) prefixes.push(k.prefix);
      if (k.cashier) cashiers.push(k.cashier);
    }
    const counters = new Counters();
    yield* readCounters(counters, 'enrol_prefix', prefixes);
    yield* readCounters(counters, 'enrol_cashier', cashiers);
    return new EnrolmentAnomalies(cipher, tillId, counters);
  }

  /** The enrolment rules, for a member head office has just created from the till's upload. */
  *detect(m: MemberUpsert, now: Date): Sql<void> {
    const { prefix, cashier } = enrolmentKeys(this.cipher, this.tillId, m);
    if (prefix) {
      const [subject, day] = prefix;
      const c = this.counters.bump('enrol_prefix', subject, day, 1);
      if (crossed(c.before, c.after, PREFIX_ENROLMENTS_PER_DAY)) {
        const detail = { prefixHash: subject, day, enrolments: c.after, threshold: PREFIX_ENROLMENTS_PER_DAY };
        yield* raise(
          {
            kind: 'enrolment_burst_prefix',
            memberNo: m.memberNo,
            tillId: this.tillId,
            seq: 0,
            points: 0,
            detail,
            dedupe: `prefix:${subject}:${day}`,
          },
          now,
        );
      }
    }
    if (!cashier || !m.enrolledBy) return;
    const [subject, hour] = cashier;
    const c = this.counters.bump('enrol_cashier', subject, hour, 1);
    if (crossed(c.before, c.after, CASHIER_ENROLMENTS_PER_HOUR)) {
      const detail = { staffId: m.enrolledBy, hour, enrolments: c.after, threshold: CASHIER_ENROLMENTS_PER_HOUR };
      yield* raise(
        {
          kind: 'enrolment_burst_cashier',
          memberNo: m.memberNo,
          tillId: this.tillId,
          seq: 0,
          points: 0,
          detail,
          dedupe: `enrol:${m.enrolledBy}:${hour}`,
        },
        now,
      );
    }
  }

  /** Writes what the batch added to the counters (once, after the batch's last enrolment). */
  *save(): Sql<void> {
    yield* this.counters.flush();
  }
}
