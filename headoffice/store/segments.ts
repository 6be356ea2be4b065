/**
 * Persists A/B/C/D classes (DOMAIN.md 8) so the member view, the reports and the tills (via a
 * member change) all see the same class; run at start, daily and on operator request.
 */
import { rollingSpend } from '../../core/ledger/state.js';
import { localDate } from '../../core/time.js';
import { assignClasses, isActive } from '../../core/segments.js';
import { appendChange } from './changes.js';
import type { RuleSetCache } from './rulesets.js';
import { all, run, type Sql } from '../../storage/sql.js';
import { memberStates } from './summary.js';

/** Recomputes A/B/C/D for members head office has a record of; returns how many changed. Call inside a write transaction. */
export function* refreshSegments(rules: RuleSetCache, now: Date): Sql<number> {
  const today = localDate(now, (yield* rules.latest()).timeZone).date;
  const states = new Map((yield* memberStates()).map((s) => [s.memberNo, s]));
  // In member order, so the feed's class changes come in one order on both stores.
  const members = (yield* all('SELECT member_no, class FROM members ORDER BY member_no')) as {
    member_no: string;
    class: string | null;
  }[];
  const classes = assignClasses(
    members.map((m) => {
      const s = states.get(m.member_no);
      // no state yet: no sale, so not active (D)
      return {
        memberNo: m.member_no,
        rollingSpend: s ? rollingSpend(s, today) : 0,
        active: isActive(today, s?.lastSaleOn ?? null),
      };
    }),
  );
  let moved = 0;
  for (const m of members) {
    const c = classes.get(m.member_no) ?? 'D';
    if (c === m.class) continue;
    yield* run('UPDATE members SET class = ? WHERE member_no = ?', c, m.member_no);
    yield* appendChange('member', m.member_no, { memberNo: m.member_no }, now);
    moved += 1;
  }
  return moved;
}
