/**
 * Who a target rule matches (docs/campaigns.md "Model", "Saved segments"): the facts head office
 * knows of every active, not erased member record (class, lifecycle, tier and RFM cell as the
 * Members report scores them today, enrolment store, distance to the next tier, and the birthday
 * month, decrypted only when a rule asks for it), and the saved segment a campaign's target may
 * name, resolved to its rule. One source for a campaign's start, its preview, and a segment's
 * count, so the three never disagree.
 */
import type { CampaignTarget, SegmentRule, TargetFacts } from '../../core/campaigns.js';
import { matchesTarget } from '../../core/campaigns.js';
import { progressToNextTier } from '../../core/engine/tiers.js';
import { all, get, type Sql } from '../../storage/sql.js';
import type { HqCipher } from '../crypto.js';
import { scoredMembers } from './members-report.js';
import type { RuleSetCache } from './rulesets.js';

/**
 * Birthday months of active members, decrypted only for a rule that targets by birthday
 * (the month is all it keeps; DOMAIN.md 10: personal data read for a purpose).
 */
function* birthdayMonths(cipher: HqCipher): Sql<Map<string, number>> {
  const rows = (yield* all(
    "SELECT member_no, birthday_enc FROM members WHERE status = 'active' AND erased_at IS NULL AND birthday_enc IS NOT NULL",
  )) as { member_no: string; birthday_enc: Buffer }[];
  const out = new Map<string, number>();
  for (const r of rows) {
    // "MM-DD" (the till normalises); the month is the two digits before the last "-DD".
    const month = Number(/(\d{2})-\d{2}$/.exec(cipher.decrypt(r.birthday_enc))?.[1] ?? NaN);
    if (month >= 1 && month <= 12) out.set(r.member_no, month);
  }
  return out;
}

export interface MemberFacts {
  memberNo: string;
  facts: TargetFacts;
}

/** Every active, not erased member's facts as of `now`, in member-number order, and today's local date. */
export function* memberFacts(
  cipher: HqCipher,
  rules: RuleSetCache,
  now: Date,
  withBirthdays: boolean,
): Sql<{ today: string; members: MemberFacts[] }> {
  const rs = yield* rules.latest();
  const { today, members } = yield* scoredMembers(rules, now);
  const records = new Map(
    (
      (yield* all("SELECT member_no, enrolled_store FROM members WHERE status = 'active' AND erased_at IS NULL")) as {
        member_no: string;
        enrolled_store: string;
      }[]
    ).map((r) => [r.member_no, r.enrolled_store]),
  );
  const months = withBirthdays ? yield* birthdayMonths(cipher) : new Map<string, number>();
  const toNext = (tier: string, spend: number): number | null => {
    try {
      const p = progressToNextTier(rs, { tier, rollingSpend: spend });
      return p.next === null ? null : p.remaining;
    } catch {
      return null; // a tier the rule set no longer knows
    }
  };
  return {
    today,
    members: members
      .filter((m) => records.has(m.memberNo))
      .map((m) => ({
        memberNo: m.memberNo,
        facts: {
          class: m.class,
          lifecycle: m.lifecycle,
          tier: m.tier,
          birthdayMonth: months.get(m.memberNo) ?? null,
          homeStore: records.get(m.memberNo) ?? null,
          toNextTier: toNext(m.tier, m.monetary),
          rfmCell: m.cell,
        },
      })),
  };
}

/** A saved segment's rule by id, deleted ones included (an ended campaign still names its segment). */
export function* segmentRule(id: string): Sql<{ name: string; rule: SegmentRule; deleted: boolean } | null> {
  const r = (yield* get('SELECT name, rule, deleted_at FROM saved_segments WHERE segment_id = ?', id)) as
    { name: string; rule: string; deleted_at: string | null } | undefined;
  return r ? { name: r.name, rule: JSON.parse(r.rule) as SegmentRule, deleted: r.deleted_at !== null } : null;
}

/** The rules a member must match: the target's own criteria and, when it names one, its segment's. */
export function* targetRules(target: CampaignTarget): Sql<SegmentRule[]> {
  const { segmentId, ...own } = target;
  if (segmentId === undefined) return [own];
  const seg = yield* segmentRule(segmentId);
  // A segment that vanished matches nobody rather than everybody (segments are never removed:
  // a deleted one keeps its row, so this is a guard, not a path).
  if (!seg) return [own, { classes: [] }];
  return [own, seg.rule];
}

const needsBirthdays = (rules: readonly SegmentRule[]): boolean => rules.some((r) => r.birthdayMonths !== undefined);

/** Members every rule matches, in member-number order. */
export function* matchingMembers(
  cipher: HqCipher,
  rules: RuleSetCache,
  now: Date,
  target: CampaignTarget,
): Sql<{ today: string; memberNos: string[] }> {
  const all = yield* targetRules(target);
  const { today, members } = yield* memberFacts(cipher, rules, now, needsBirthdays(all));
  return {
    today,
    memberNos: members.filter((m) => all.every((r) => matchesTarget(r, m.facts))).map((m) => m.memberNo),
  };
}
