/**
 * Segments and lifecycle (DOMAIN.md 8): one definition, used by the till and head office alike
 * (DOMAIN.md 12).
 *
 * Decisions where DOMAIN.md is silent:
 * - "active member" = at least one sale in the rolling 12 months (the same window the class
 *   ranking uses). Classes rank the active members (DOMAIN.md 8 "rank among active members"),
 *   an active member with no qualifying spend included (only excluded goods, or everything
 *   returned): it ranks last but counts in the population the 20/30/30 shares are taken of.
 *   Every member who is not active is D.
 * - class boundaries use ceil(20/50/80 % of the ranked count), so a lone member is A;
 *   equal spend is ordered by member number to stay deterministic.
 * - "new" = first sale within the last 90 days; a member with no sale yet is 'new' for 90 days
 *   after enrolment, then at risk, then dormant (idle time counts from enrolment).
 */
import { addMonthsClamped, daysBetween } from './time.js';

export type MemberClass = 'A' | 'B' | 'C' | 'D';
export type Lifecycle = 'new' | 'active' | 'at_risk' | 'dormant';

export const NEW_DAYS = 90;
export const AT_RISK_DAYS = 90;
export const DORMANT_DAYS = 180;

export function lifecycle(
  today: string,
  m: { firstSaleOn: string | null; lastSaleOn: string | null; enrolledOn: string | null },
): Lifecycle {
  const last = m.lastSaleOn ?? m.enrolledOn;
  const idle = last === null ? Infinity : daysBetween(last, today);
  if (idle >= DORMANT_DAYS) return 'dormant';
  if (idle >= AT_RISK_DAYS) return 'at_risk';
  if (m.firstSaleOn === null || daysBetween(m.firstSaleOn, today) < NEW_DAYS) return 'new';
  return 'active';
}

/** Active as of `today`: a sale after the day 12 months back (rollingSpend's window). */
export function isActive(today: string, lastSaleOn: string | null): boolean {
  return lastSaleOn !== null && lastSaleOn > addMonthsClamped(today, -12);
}

export function assignClasses(
  members: readonly { memberNo: string; rollingSpend: number; active: boolean }[],
): Map<string, MemberClass> {
  const ranked = members
    .filter((m) => m.active)
    .sort((a, b) => b.rollingSpend - a.rollingSpend || (a.memberNo < b.memberNo ? -1 : 1));
  const n = ranked.length;
  const a = Math.ceil(n * 0.2);
  const b = Math.ceil(n * 0.5);
  const c = Math.ceil(n * 0.8);
  const out = new Map<string, MemberClass>();
  ranked.forEach((m, i) => out.set(m.memberNo, i < a ? 'A' : i < b ? 'B' : i < c ? 'C' : 'D'));
  for (const m of members) if (!out.has(m.memberNo)) out.set(m.memberNo, 'D');
  return out;
}
