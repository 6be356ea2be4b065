/**
 * GET /v1/reports/members and GET /v1/exports/members.csv: the Members report (core/rfm.ts
 * defines R, F, M, the quintile rule, classes and lifecycle) over every member head office
 * holds, as of today in the programme's zone. One read transaction, four reads:
 *
 *   1. member_state: tier, lastSaleOn, firstSaleOn and the spend by day (M is the rolling
 *      12-month spend, as the class ranks it);
 *   2. members: enrolment (consent) instant, so a member with no sale yet is placed in the funnel;
 *   3. sales with a member since a day before the window: F, each sale put on its local date
 *      in the programme's zone (occurred_at carries the till's offset);
 *   4. the first earn on a sale per member ("new"), as the summary report reads it, so both
 *      pages count the lifecycle alike.
 *
 * Portable SQL only (`?` placeholders, no date functions). Reads 1 and 3 visit every member
 * and a year of member sales: the per-member aggregate of issue 13 item 7 replaces them.
 */
import { rollingSpend, type MemberState } from '../../core/ledger/state.js';
import {
  addMonths,
  cltv,
  cohortRetention,
  membersReport,
  monthOf,
  scoreMembers,
  tierMovement,
  type CltvReport,
  type CohortRow,
  type MembersReport,
  type RfmInput,
  type RfmMember,
  type TierChange,
  type TierMovement,
} from '../../core/rfm.js';
import { addDays, addMonthsClamped, localDate } from '../../core/time.js';
import { all, type Sql } from '../../storage/sql.js';
import { recordAction } from './actions.js';
import type { OperatorRequest } from './types.js';
import type { RuleSetCache } from './rulesets.js';

export type { MembersReport, RfmMember };

/** Months the tier movement and the cohort table cover, this month included. */
export const MOVEMENT_MONTHS = 12;

/** The Members report with tier movement, cohort retention and CLTV (core/rfm.ts). */
export interface MembersReportFull extends MembersReport {
  tierMovement: TierMovement;
  cohorts: CohortRow[];
  cltv: CltvReport;
}

/** Every member scored as of `now` (member number order), and today's local date. */
export function* scoredMembers(
  rules: RuleSetCache,
  now: Date,
): Sql<{
  today: string;
  members: RfmMember[];
  tiers: string[];
  inputs: RfmInput[];
  saleDays: { memberNo: string; date: string }[];
}> {
  const rs = yield* rules.latest();
  const today = localDate(now, rs.timeZone).date;
  const yearAgo = addMonthsClamped(today, -12);
  const states = new Map(
    ((yield* all('SELECT member_no, state FROM member_state')) as { member_no: string; state: string }[]).map((r) => [
      r.member_no,
      JSON.parse(r.state) as MemberState,
    ]),
  );
  const enrolled = (yield* all('SELECT member_no, consent_at FROM members')) as {
    member_no: string;
    consent_at: string | null;
  }[];
  const enrolledOn = new Map(
    enrolled.map((m) => [m.member_no, m.consent_at ? localDate(m.consent_at, rs.timeZone).date : null]),
  );
  const sales = (yield* all(
    'SELECT member_no, occurred_at FROM sales WHERE member_no IS NOT NULL AND occurred_at >= ?',
    addDays(yearAgo, -1),
  )) as { member_no: string; occurred_at: string }[];
  const frequency = new Map<string, number>();
  // the cohort table's window (this month and the 11 before) starts after the day a year ago
  const saleDays: { memberNo: string; date: string }[] = [];
  for (const s of sales) {
    const d = localDate(s.occurred_at, rs.timeZone).date;
    if (d > yearAgo && d <= today) frequency.set(s.member_no, (frequency.get(s.member_no) ?? 0) + 1);
    if (d <= today) saleDays.push({ memberNo: s.member_no, date: d });
  }
  const firstEarn = new Map(
    (
      (yield* all(
        "SELECT member_no, min(local_date) AS d FROM ledger WHERE kind = 'earn' AND sale_id IS NOT NULL GROUP BY member_no",
      )) as { member_no: string; d: string }[]
    ).map((r) => [r.member_no, r.d]),
  );
  const lowest = rs.tiers[0]?.code ?? '';
  const everyone = [...new Set([...states.keys(), ...enrolledOn.keys()])];
  const inputs = everyone.map((no): RfmInput => {
    const s = states.get(no);
    return {
      memberNo: no,
      tier: s?.tier ?? lowest,
      enrolledOn: enrolledOn.get(no) ?? null,
      // as the summary report's lifecycle counts: the first earn on a sale
      firstSaleOn: firstEarn.get(no) ?? null,
      lastSaleOn: s?.lastSaleOn ?? null,
      sales12: frequency.get(no) ?? 0,
      spend12: s ? rollingSpend(s, today) : 0,
    };
  });
  const members = scoreMembers(today, inputs);
  return { today, members, tiers: rs.tiers.map((t) => t.code), inputs, saleDays };
}

/** The aggregates; with `cell`, also that RFM cell's members (masked: no name, no phone). */
export function* membersReportStep(
  rules: RuleSetCache,
  now: Date,
  cell: string | null,
): Sql<MembersReportFull & { cell: string | null; cellMembers: RfmMember[] | null }> {
  const { today, members, tiers, inputs, saleDays } = yield* scoredMembers(rules, now);
  const since = `${addMonths(monthOf(today), -(MOVEMENT_MONTHS - 1))}-01`;
  const changes = (
    (yield* all("SELECT member_no, local_date, data FROM ledger WHERE kind = 'tier' AND local_date >= ?", since)) as {
      member_no: string;
      local_date: string;
      data: string;
    }[]
  ).map((r): TierChange => {
    const d = JSON.parse(r.data) as { fromTier?: string; toTier?: string };
    return { memberNo: r.member_no, date: r.local_date, fromTier: d.fromTier ?? null, toTier: d.toTier ?? '' };
  });
  return {
    ...membersReport(today, members, tiers),
    tierMovement: tierMovement(today, changes, tiers, MOVEMENT_MONTHS),
    cohorts: cohortRetention(
      today,
      inputs.map((m) => ({ memberNo: m.memberNo, enrolledOn: m.enrolledOn })),
      saleDays,
      MOVEMENT_MONTHS,
    ),
    cltv: cltv(today, inputs),
    cell,
    cellMembers: cell === null ? null : members.filter((m) => m.cell === cell),
  };
}

/**
 * An RFM cell's members for a CSV export, the export recorded as an operator action
 * ('export_segment', subject the cell, detail how many members and as of when) in the same
 * transaction. Call inside a write transaction.
 */
export function* exportSegment(
  rules: RuleSetCache,
  now: Date,
  cell: string,
  who: OperatorRequest,
): Sql<{ today: string; members: RfmMember[] }> {
  const { today, members } = yield* scoredMembers(rules, now);
  const chosen = members.filter((m) => m.cell === cell);
  yield* recordAction(
    'export_segment',
    cell,
    who,
    now.toISOString(),
    JSON.stringify({ asOf: today, members: chosen.length }),
  );
  return { today, members: chosen };
}
