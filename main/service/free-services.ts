/**
 * Claiming a free service, a tier benefit with a yearly allowance (DOMAIN.md 5;
 * core/engine/free-services.ts; docs/decisions.md "Tier benefits").
 *
 * One synchronous IMMEDIATE transaction: settle the member (a standalone till applies due
 * reviews first, so a member downgraded at the quarter's end no longer claims the old tier's
 * services), read the merged view (DOMAIN.md 12: claims at every store count once synced),
 * check the reviewed tier offers the service and this year's claims are below the allowance,
 * then append one `service_use` marker. The marker travels to head office with the chain. A live,
 * unclaimed campaign offer of the service (docs/campaigns.md "Offer kinds") is used first: the
 * marker then names the campaign, and the fold marks the offer used instead of counting the
 * claim against the tier's allowance.
 */
import { checkServiceClaim, serviceKey, serviceOffer, yearOf } from '../../core/engine/free-services.js';
import { localDate } from '../../core/time.js';
import type { TillContext } from './context.js';
import { TillError } from './errors.js';
import { activeMemberView, advanceView } from './view.js';

export interface ServiceClaimResult {
  memberNo: string;
  service: string;
  tier: string;
  year: string;
  used: number;
  allowance: number;
  remaining: number;
  entry: number;
  occurredAt: string;
  /** the campaign whose free-service offer the claim used (then used/allowance are the offer's 1/1); absent: the tier's allowance */
  campaignId?: string;
}

export function claimService(
  ctx: TillContext,
  req: { memberNo: string; service: string; staffId?: string | undefined },
): ServiceClaimResult {
  const now = ctx.now().toISOString();
  const rs = ctx.rules.at(now);
  const today = localDate(now, rs.timeZone).date;
  const year = yearOf(today);
  const out = ctx.db
    .transaction(() => {
      const { member, own, view, locked } = activeMemberView(ctx, rs, req.memberNo, {
        occurredAt: now,
        localDate: today,
      });
      // A campaign's free-service offer is used first (it runs out; the yearly allowance does not).
      const offer = serviceOffer(view.state, today, req.service);
      const check = offer
        ? null
        : checkServiceClaim(rs, { tier: view.tier, state: view.state, today, service: req.service });
      if (check && !check.ok) throw new TillError(check.code, check.message, 'service');
      const w = ctx.ledger.append(own, [
        {
          memberNo: member.memberNo,
          kind: 'service_use',
          points: 0,
          occurredAt: now,
          localDate: today,
          data: {
            service: req.service,
            ...(offer ? { campaignId: offer.campaignId } : {}),
            ...(req.staffId ? { staffId: req.staffId } : {}),
          },
        },
      ]);
      const after = advanceView(ctx, rs, view, w.state, w.entries, today, locked);
      if (offer || !check) {
        // The offer's one claim: used 1 of 1, the tier's allowance untouched.
        return { tier: view.tier, used: 1, allowance: 1, entry: w.entries[0]?.seq ?? 0, campaignId: offer?.campaignId };
      }
      const used = after.state.servicesUsed?.[serviceKey(year, req.service)] ?? check.used + 1;
      return {
        tier: view.tier,
        used,
        allowance: check.allowance,
        entry: w.entries[0]?.seq ?? 0,
        campaignId: undefined,
      };
    })
    .immediate();
  ctx.log.log('info', 'service_claimed', {
    memberNo: req.memberNo,
    service: req.service,
    seq: out.entry,
    staffId: req.staffId ?? null,
  });
  return {
    memberNo: req.memberNo,
    service: req.service,
    tier: out.tier,
    year,
    used: out.used,
    allowance: out.allowance,
    remaining: Math.max(0, out.allowance - out.used),
    entry: out.entry,
    occurredAt: now,
    ...(out.campaignId !== undefined ? { campaignId: out.campaignId } : {}),
  };
}
