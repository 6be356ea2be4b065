/**
 * Free services, a tier benefit (DOMAIN.md 5), with a yearly allowance (docs/decisions.md
 * "Tier benefits"): a member whose tier lists a service in `freeServices` may claim it
 * `freeServiceAllowance` times per calendar year. Each claim is a `service_use` ledger marker;
 * the reducer counts them in `servicesUsed["<year>:<service>"]`, where the year is that of the
 * entry's local date. The till and head office judge on the same merged state, so the
 * allowance is chain-wide once tills have synced.
 *
 * The tier is the one the member holds today after due reviews (core/engine/decide.ts
 * `reviewedTier`); the caller passes it in.
 */
import { liveOffers, offerKind, type LiveOffer, type MemberState } from '../ledger/state.js';
import type { RuleSet, TierDef } from '../ruleset/schema.js';

/** The reducer's key for a service's claims in a year: "2026:gift-wrap". */
export function serviceKey(year: string, service: string): string {
  return `${year}:${service}`;
}

/** The calendar year of a local date "YYYY-MM-DD", as the reducer reads it. */
export function yearOf(localDate: string): string {
  return localDate.slice(0, 4);
}

export type ServiceClaimCheck =
  | { ok: true; used: number; allowance: number }
  | { ok: false; code: 'service_not_offered'; message: string }
  | { ok: false; code: 'service_allowance_used'; message: string; used: number; allowance: number };

export interface ServiceStanding {
  service: string;
  allowance: number;
  used: number;
  remaining: number;
}

function tierOf(rs: RuleSet, tier: string): TierDef | undefined {
  // A retired tier (no longer in the rule set) offers nothing.
  return rs.tiers.find((t) => t.code === tier);
}

function usedIn(state: Pick<MemberState, 'servicesUsed'>, year: string, service: string): number {
  return state.servicesUsed?.[serviceKey(year, service)] ?? 0;
}

/** Every service the tier offers, with this year's claims and what is left. */
export function serviceStandings(
  rs: RuleSet,
  args: { tier: string; state: Pick<MemberState, 'servicesUsed'>; today: string },
): ServiceStanding[] {
  const def = tierOf(rs, args.tier);
  if (!def) return [];
  const year = yearOf(args.today);
  return [...new Set(def.freeServices)].map((service) => {
    const used = usedIn(args.state, year, service);
    return {
      service,
      allowance: def.freeServiceAllowance,
      used,
      remaining: Math.max(0, def.freeServiceAllowance - used),
    };
  });
}

/**
 * A campaign's free-service offer (docs/campaigns.md "Offer kinds") for `service`, live on `today`
 * and not claimed yet; the first by campaign id when several. A claim uses it before the tier's
 * yearly allowance: the offer runs out, the allowance does not.
 */
export function serviceOffer(state: Pick<MemberState, 'offers'>, today: string, service: string): LiveOffer | null {
  return (
    liveOffers(state, today).find(
      (o) => offerKind(o) === 'service' && o.service === service && (o.usedBy ?? null) === null,
    ) ?? null
  );
}

/** The services a member may still claim: the tier's this year (remaining > 0) plus open campaign offers. */
export function servicesAvailable(
  rs: RuleSet,
  args: { tier: string; state: Pick<MemberState, 'servicesUsed' | 'offers'>; today: string },
): { service: string; remaining: number }[] {
  const out = serviceStandings(rs, args)
    .filter((s) => s.remaining > 0)
    .map((s) => ({ service: s.service, remaining: s.remaining }));
  for (const o of liveOffers(args.state, args.today)) {
    if (offerKind(o) !== 'service' || (o.usedBy ?? null) !== null || o.service === undefined) continue;
    const same = out.find((s) => s.service === o.service);
    if (same) same.remaining += 1;
    else out.push({ service: o.service, remaining: 1 });
  }
  return out;
}

/** Whether one more claim of `service` is allowed today. */
export function checkServiceClaim(
  rs: RuleSet,
  args: { tier: string; state: Pick<MemberState, 'servicesUsed'>; today: string; service: string },
): ServiceClaimCheck {
  const standing = serviceStandings(rs, args).find((s) => s.service === args.service);
  if (!standing) {
    return { ok: false, code: 'service_not_offered', message: `tier ${args.tier} does not offer ${args.service}` };
  }
  if (standing.remaining <= 0) {
    return {
      ok: false,
      code: 'service_allowance_used',
      message: `${args.service} already claimed ${standing.used} of ${standing.allowance} times in ${yearOf(args.today)}`,
      used: standing.used,
      allowance: standing.allowance,
    };
  }
  return { ok: true, used: standing.used, allowance: standing.allowance };
}
