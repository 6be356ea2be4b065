/**
 * Head office's end-of-day run (DOMAIN.md 5, 7, 8, 12): for every member head office holds a
 * state of, the lots past expiry leave the books, the tier reviews that fell due are held, and
 * (when the rule set's winBack.autoGrant is on) a member who became dormant is offered the
 * win-back; then A/B/C/D classes are refreshed, and each running campaign (campaigns.ts) chooses the
 * members who newly match it, granting target members while its budget lasts. Each decision is an entry of head office's
 * chain (decisions.ts), reaching every till through the balance change its fold emits.
 *
 * Idempotent by construction, not by bookkeeping: every decision is read off the member's
 * state, which the previous run's entries already changed (no lots left past expiry, the
 * review date recorded in `reviewedThrough`, an offer running or granted this dormant spell),
 * so running the same day twice writes nothing. Runs inside the caller's transaction, after
 * the inbox has been applied (sqlite.ts), so it decides on every entry acknowledged to a till.
 */
import { addDays, localDate } from '../../core/time.js';
import { expiringBetween } from '../../core/ledger/state.js';
import { EXPIRING_NOTICE_DAYS, queueExpiringMessage } from './notify.js';
import { endOfDayDecisions, type Decision, type MemberRecord } from '../domain/decisions.js';
import { appendDecisions, storedState } from './decisions.js';
import type { RuleSetCache } from './rulesets.js';
import { all, dialectSql, run, type Sql } from '../../storage/sql.js';
import { metaValue } from './meta.js';
import type { Tx as Db } from './tx.js';
import { refreshSegments } from './segments.js';
import { snapshotDistributions } from './aggregates.js';
import { lowestTier } from '../../core/engine/tiers.js';
import { grantRunningCampaigns } from './campaigns.js';
import type { HqCipher } from '../crypto.js';
import { EOD_META_KEY, type EodReport } from './types.js';

interface MemberRow {
  member_no: string;
  consent_at: string | null;
  status: string | null;
  erased_at: string | null;
}

function recordOf(r: MemberRow, timeZone: string): MemberRecord | null {
  if (r.consent_at === null) return null;
  return {
    enrolledOn: localDate(r.consent_at, timeZone).date,
    active: r.status === 'active' && r.erased_at === null,
  };
}

function tally(date: string, members: number, decisions: readonly Decision[]): EodReport {
  const expired = decisions.filter((d) => d.kind === 'expire');
  const reviews = decisions.filter((d) => d.kind === 'tier' && d.data.reason === 'review');
  return {
    date,
    members,
    entries: decisions.length,
    expired: { members: expired.length, points: expired.reduce((a, d) => a + d.points, 0) },
    reviews: { held: reviews.length, downgrades: reviews.filter((d) => d.data.fromTier !== d.data.toTier).length },
    offers: decisions.filter((d) => d.kind === 'offer').length,
    classesChanged: 0,
  };
}

function* rememberRun(date: string): Sql<void> {
  yield* run(
    dialectSql({
      sqlite: `INSERT INTO meta (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = max(meta.value, excluded.value)`,
      pg: `INSERT INTO meta (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = greatest(meta.value, excluded.value)`,
    }),
    EOD_META_KEY,
    date,
  );
}

/**
 * The timer's run of `date`, unless a run of it or a later day is recorded: every head-office
 * process has the timer, and the writer lock makes the first to look the one that runs (the
 * others find its date). Null when skipped.
 */
export function* runEndOfDayIfDue(
  db: Db,
  rules: RuleSetCache,
  date: string,
  now: Date,
  cipher: HqCipher,
): Sql<EodReport | null> {
  const last = yield* metaValue(EOD_META_KEY);
  if (last !== null && last >= date) return null;
  return yield* runEndOfDay(db, rules, date, now, cipher);
}

/** The run for local date `date` (not after today: the caller checks). */
export function* runEndOfDay(db: Db, rules: RuleSetCache, date: string, now: Date, cipher: HqCipher): Sql<EodReport> {
  const rs = yield* rules.latest();
  // Member numbers and records first (small rows); each state is read as it is decided on.
  const rows = (yield* all(`SELECT s.member_no, m.consent_at, m.status, m.erased_at
     FROM member_state s LEFT JOIN members m ON m.member_no = s.member_no ORDER BY s.member_no`)) as MemberRow[];
  const decisions: Decision[] = [];
  const expiring: { memberNo: string; on: string; points: number }[] = [];
  for (const r of rows) {
    const s = yield* storedState(db, r.member_no);
    if (!s) continue;
    decisions.push(...endOfDayDecisions(rs, s, date, recordOf(r, rs.timeZone)));
    // From tomorrow: today's lots leave the books in this run.
    for (const e of expiringBetween(s, addDays(date, 1), addDays(date, EXPIRING_NOTICE_DAYS))) {
      if (e.points > 0) expiring.push({ memberNo: r.member_no, ...e });
    }
  }
  yield* appendDecisions(db, decisions, { now, rs, today: date });
  // Points expiring within 30 days: one message per member and lot date (store/notify.ts).
  for (const e of expiring) yield* queueExpiringMessage(rs, e.memberNo, e.on, e.points, now);
  const report = tally(date, rows.length, decisions);
  report.classesChanged = yield* refreshSegments(rules, now);
  yield* snapshotDistributions(date, lowestTier(rs).code);
  // Running campaigns reach members who newly match (docs/campaigns.md); those chosen are kept.
  yield* grantRunningCampaigns(db, cipher, rules, now);
  yield* rememberRun(date);
  return report;
}
