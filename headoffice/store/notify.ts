/**
 * Marketing messages queued by what head office decides (docs/member-page.md "Messages"), inside
 * the decision's own write transaction: an offer granted (a campaign's start or the end-of-day
 * run, a win-back), a tier reached by head office's upgrade or by a till's at the sale, points
 * expiring within 30 days (the end-of-day run, once per member and lot date). Consent, the cap
 * and quiet hours apply (store/messages.ts queueMarketing); the sender (server.ts) sends them
 * after the commit.
 */
import { lowestTier } from '../../core/engine/tiers.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import type { HqEntry } from '../domain/order.js';
import type { TierMove } from './memberstate.js';
import type { Sql } from '../../storage/sql.js';
import type { Decision } from '../domain/decisions.js';
import type { MessageRequest } from './messages.js';
import { queueMarketing } from './messages.js';

/** Points expiring within this many days are announced (the member's page lists the same window). */
export const EXPIRING_NOTICE_DAYS = 30;

/** The message a decision calls for, or null (expiries, reviews, adjustments: none). */
export function decisionMessage(rs: RuleSet, d: Decision): (MessageRequest & { dedupe?: string }) | null {
  const data = d.data as Record<string, unknown>;
  if (d.kind === 'offer') {
    if (data.offerName !== undefined && data.offerName !== null) {
      const n = data.offerName as { zh?: string } | string;
      const name = typeof n === 'string' ? n : (n.zh ?? '');
      return {
        memberNo: d.memberNo,
        purpose: 'offer',
        text: `您获得会员优惠「${name}」，${String(data.from)} 至 ${String(data.until)} 有效。`,
        // one message per member and campaign; the key is how the campaign's result counts "reached"
        ...(typeof data.campaignId === 'string' ? { dedupe: `campaign:${data.campaignId}` } : {}),
      };
    }
    if (typeof data.winBackUntil === 'string') {
      return { memberNo: d.memberNo, purpose: 'offer', text: `好久不见！送您回归优惠，${data.winBackUntil} 前有效。` };
    }
    return null;
  }
  // A campaign's coupon (store/campaigns.ts grantDecision): a 0-point reward entry naming its campaign.
  if (d.kind === 'reward' && typeof data.campaignId === 'string' && typeof data.couponValue === 'number') {
    const n = data.offerName as { zh?: string } | undefined;
    const yuan = (data.couponValue / 100).toFixed(2);
    return {
      memberNo: d.memberNo,
      purpose: 'offer',
      text: `您获得「${n?.zh ?? ''}」¥${yuan} 优惠券，${String(data.validFrom)} 至 ${String(data.validTo)} 在任一门店可用一次。`,
      // as an offer's: one message per member and campaign, and how the result counts "reached"
      dedupe: `campaign:${data.campaignId}`,
    };
  }
  if (d.kind === 'tier' && data.reason === 'threshold' && typeof data.toTier === 'string') {
    return tierMessage(rs, d.memberNo, data.toTier);
  }
  return null;
}

function tierMessage(rs: RuleSet, memberNo: string, toTier: string): MessageRequest {
  const name = rs.tiers.find((t) => t.code === toTier)?.name.zh ?? toTier;
  return { memberNo, purpose: 'tier', text: `恭喜您升级为${name}会员。` };
}

/** A till's own upgrade at the sale (or an instant one): a `tier` entry to another tier than it left. */
function isTillUpgrade(e: HqEntry): boolean {
  return (
    e.kind === 'tier' &&
    (e.data.reason === 'threshold' || e.data.reason === 'instant') &&
    e.data.toTier !== undefined &&
    e.data.toTier !== e.data.fromTier
  );
}

/**
 * The tier message for members a till upgraded at the sale (docs/member-page.md "Messages"), as
 * for head office's own upgrades: when the batch brings such an entry and the member's merged
 * tier rose with it. Judged on the merged tier, so a second till's upgrade to the tier the member
 * already holds (an offline till that had not heard), or head office's own before it, queues
 * nothing more. Head office's own upgrades are not till runs: queueDecisionMessages has them.
 */
export function* queueTillUpgradeMessages(
  rs: RuleSet,
  byMember: ReadonlyMap<string, readonly HqEntry[]>,
  tiers: ReadonlyMap<string, TierMove>,
  now: Date,
): Sql<number> {
  let queued = 0;
  // Positions in the rule set in force; a tier it no longer lists (-1) is no upgrade to announce.
  const rank = (code: string): number => rs.tiers.findIndex((t) => t.code === code);
  for (const [memberNo, news] of byMember) {
    const move = tiers.get(memberNo);
    if (!move || !news.some(isTillUpgrade)) continue;
    const after = rank(move.after);
    if (after < 0 || after <= rank(move.before ?? lowestTier(rs).code)) continue;
    const out = yield* queueMarketing(tierMessage(rs, memberNo, move.after), now, rs.timeZone);
    if (out.kind === 'queued') queued += 1;
  }
  return queued;
}

/** Queues the messages of decisions just written (appendDecisions); refusals are only counted. */
export function* queueDecisionMessages(rs: RuleSet, decisions: readonly Decision[], now: Date): Sql<number> {
  let queued = 0;
  for (const d of decisions) {
    const req = decisionMessage(rs, d);
    if (!req) continue;
    if ((yield* queueMarketing(req, now, rs.timeZone)).kind === 'queued') queued += 1;
  }
  return queued;
}

/** Points expiring on `on`: one message per member and lot date (dedupe key `expiring:<date>`). */
export function* queueExpiringMessage(
  rs: RuleSet,
  memberNo: string,
  on: string,
  points: number,
  now: Date,
): Sql<boolean> {
  const text = `您有 ${points} 积分将于 ${on} 到期，请及时使用。`;
  const out = yield* queueMarketing(
    { memberNo, purpose: 'expiring', text, dedupe: `expiring:${on}` },
    now,
    rs.timeZone,
  );
  return out.kind === 'queued';
}
