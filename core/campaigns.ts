/**
 * Campaigns (issue 15, docs/campaigns.md): a target rule over what head office knows of a
 * member, an offer, a random holdout, a points budget, and the states draft -> approved ->
 * running -> ended. Pure: head office's store (headoffice/store/campaigns.ts) feeds it facts and
 * writes what it decides; the offer reaches the tills as a ledger entry (core/ledger/state.ts
 * LiveOffer), and the earn engine applies it (core/engine/promotions.ts).
 */
import { createHash } from 'node:crypto';
import type { Lifecycle, MemberClass } from './segments.js';
import { offerKind, type LiveOffer } from './ledger/state.js';
import { formatYuan } from './money.js';
import { addDays } from './time.js';

export type CampaignStatus = 'draft' | 'approved' | 'running' | 'ended';

/** Every given criterion must hold (AND); a list criterion holds when the member's value is in it. */
export interface CampaignTarget {
  classes?: MemberClass[] | undefined;
  lifecycles?: Lifecycle[] | undefined;
  tiers?: string[] | undefined;
  /** 1-12; members whose birthday head office holds (decrypted only for this question) */
  birthdayMonths?: number[] | undefined;
  /** enrolment stores ("home store") */
  homeStores?: string[] | undefined;
  /** at most this many fen of rolling spend short of the next tier (members on the top tier never match) */
  withinOfNextTier?: number | undefined;
  /** RFM cells such as R5F4M3 (core/rfm.ts); a member without a score (no sale in 12 months) never matches */
  rfmCells?: string[] | undefined;
  /**
   * a saved segment (issue 13 item 6): its rule is re-evaluated whenever the campaign chooses,
   * AND the other criteria given here (head office's store resolves it: segments hold no id)
   */
  segmentId?: string | undefined;
}

/** A saved segment's definition: a target rule without a segment of its own (segments do not nest). */
export type SegmentRule = Omit<CampaignTarget, 'segmentId'>;

interface OfferBase {
  /** how many local days the offer runs from the day it is granted (that day counts) */
  days: number;
  name: { zh: string; en: string };
}

/**
 * What a campaign gives a granted member (docs/campaigns.md "Offer kinds"):
 * - multiplier: x(multiplierMilli / 1000) on sale points, competing by the largest-multiplier rule;
 * - bonus: `bonusPoints` once per member and campaign, on the first sale in the window whose
 *   eligible spend is at least `minSpend` fen (a fixed bonus: never multiplied or capped);
 * - coupon: a single-use money coupon worth `value` fen, usable at any till within the window;
 * - service: one free `service` within the window, beside the tier's yearly allowance; `value`
 *   (fen) is what one costs the chain, for the budget's actual cost.
 */
export type CampaignOffer =
  | (OfferBase & { kind: 'multiplier'; multiplierMilli: number })
  | (OfferBase & { kind: 'bonus'; minSpend: number; bonusPoints: number })
  | (OfferBase & { kind: 'coupon'; value: number })
  | (OfferBase & { kind: 'service'; service: string; value: number });

/** A stored offer of a campaign created before the kinds (no `kind`) is a multiplier. */
export function normaliseOffer(raw: Record<string, unknown>): CampaignOffer {
  return (raw.kind === undefined ? { ...raw, kind: 'multiplier' } : raw) as unknown as CampaignOffer;
}

/**
 * DECISION: the budget and the cost per grant count in the offer's own unit: points for a
 * multiplier or a bonus, fen for a coupon or a free service (docs/campaigns.md "Budget").
 */
export function budgetUnit(offer: Pick<CampaignOffer, 'kind'>): 'points' | 'fen' {
  switch (offer.kind) {
    case 'multiplier':
    case 'bonus':
      return 'points';
    case 'coupon':
    case 'service':
      return 'fen';
    default: {
      const never: never = offer.kind;
      throw new Error(`unknown offer kind ${String(never)}`);
    }
  }
}

export interface Campaign {
  id: string;
  name: string;
  status: CampaignStatus;
  target: CampaignTarget;
  offer: CampaignOffer;
  /** percent of matching members held out (given nothing), 0-50 */
  holdoutPercent: number;
  /** what the campaign may cost, by the estimate below, in the offer's unit (budgetUnit) */
  budgetPoints: number;
  /** the estimated cost of one grant, same unit (docs/campaigns.md "Budget") */
  costPerGrant: number;
  /** the unit of budgetPoints and costPerGrant: budgetUnit(offer) */
  budgetUnit: 'points' | 'fen';
  createdBy: string;
  createdAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** the local day the end-of-day run starts it on once approved (null: an operator starts it) */
  startOn: string | null;
  /** the last local day it grants on: the end-of-day run after it ends it (null: an operator ends it) */
  endOn: string | null;
}

export const DEFAULT_HOLDOUT_PERCENT = 10;

/** What head office knows of a member when it targets. */
export interface TargetFacts {
  class: MemberClass;
  lifecycle: Lifecycle;
  tier: string;
  birthdayMonth: number | null;
  homeStore: string | null;
  /** fen of rolling spend short of the next tier; null on the top tier */
  toNextTier: number | null;
  /** the member's RFM cell as the Members report scores it; null without a sale in 12 months */
  rfmCell: string | null;
}

export function matchesTarget(t: CampaignTarget, f: TargetFacts): boolean {
  if (t.classes && !t.classes.includes(f.class)) return false;
  if (t.lifecycles && !t.lifecycles.includes(f.lifecycle)) return false;
  if (t.tiers && !t.tiers.includes(f.tier)) return false;
  if (t.birthdayMonths && (f.birthdayMonth === null || !t.birthdayMonths.includes(f.birthdayMonth))) return false;
  if (t.homeStores && (f.homeStore === null || !t.homeStores.includes(f.homeStore))) return false;
  if (t.withinOfNextTier !== undefined && (f.toNextTier === null || f.toNextTier > t.withinOfNextTier)) return false;
  if (t.rfmCells && (f.rfmCell === null || !t.rfmCells.includes(f.rfmCell))) return false;
  return true;
}

/** A uniform number in [0, 1) from SHA-256 of the text: the same on every machine and every run. */
export function unitHash(text: string): number {
  return createHash('sha256').update(text, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * DECISION: a member is held out when sha256("<campaignId>:<memberNo>") read as a fraction is
 * below holdoutPercent / 100, so the split is random across members, reproducible, and a
 * member's group never changes however often the campaign grants.
 */
export function isHeldOut(campaignId: string, memberNo: string, holdoutPercent: number): boolean {
  return unitHash(`${campaignId}:${memberNo}`) < holdoutPercent / 100;
}

/**
 * The order members are considered in, so a budget that runs out cuts a random set, not the
 * lowest member numbers: by sha256("order:<campaignId>:<memberNo>"), a hash independent of the
 * holdout's.
 */
export function grantOrder(campaignId: string, memberNos: readonly string[]): string[] {
  const key = new Map(memberNos.map((m) => [m, unitHash(`order:${campaignId}:${m}`)]));
  return [...memberNos].sort((a, b) => (key.get(a) as number) - (key.get(b) as number) || (a < b ? -1 : 1));
}

/** Grants the budget still allows: floor((budget - granted x costPerGrant) / costPerGrant). */
export function grantsLeft(c: Pick<Campaign, 'budgetPoints' | 'costPerGrant'>, granted: number): number {
  return Math.max(0, Math.floor((c.budgetPoints - granted * c.costPerGrant) / c.costPerGrant));
}

/** The offer's local dates for a grant on `today`: today and the next days - 1 days. */
export function offerWindow(offer: Pick<CampaignOffer, 'days'>, today: string): { from: string; until: string } {
  return { from: today, until: addDays(today, offer.days - 1) };
}

export type Transition = 'approve' | 'start' | 'end';

/**
 * Why a transition is refused, or null when it may go ahead. `today`: the programme's local date;
 * a campaign past its `endOn` (its last day to grant on) does not start, whether the end-of-day
 * run has ended it yet or not.
 */
export function transitionRefusal(c: Campaign, t: Transition, operatorId: string, today: string): string | null {
  switch (t) {
    case 'approve':
      if (c.status !== 'draft') return `only a draft can be approved; this campaign is ${c.status}`;
      if (operatorId === c.createdBy) return 'a campaign is approved by a second operator, not its author';
      return null;
    case 'start':
      if (c.status !== 'approved') return `only an approved campaign can start; this one is ${c.status}`;
      if (c.endOn !== null && c.endOn < today) return `this campaign's last day to grant on was ${c.endOn}`;
      return null;
    case 'end':
      return c.status === 'running' || c.status === 'approved'
        ? null
        : `only an approved or running campaign can end; this one is ${c.status}`;
  }
}

/** The Cornish-Fisher expansion of t(0.975, v) around the normal quantile (Abramowitz & Stegun 26.7.5). */
function cornishFisher975(v: number): number {
  const z = 1.959963984540054;
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + g1 / v + g2 / v ** 2 + g3 / v ** 3 + g4 / v ** 4;
}

/** t(0.975, df) from the table for df = 1 … 10 (7 decimals). */
const T975_TABLE: readonly number[] = [
  12.7062047, 4.3026527, 3.1824463, 2.7764451, 2.5705818, 2.4469119, 2.3646243, 2.3060041, 2.2621572, 2.2281389,
];

/**
 * The two-sided 0.975 quantile of Student's t with `df` degrees of freedom; `df` may be
 * fractional (Welch's df). From df = 10 on, the Cornish-Fisher expansion (within 0.00001 there,
 * exact in the limit). Below, the expansion falls short (0.0038 at df = 3, 0.03 at df = 2), so
 * its shortfall is taken from the table at the integers around df and interpolated linearly in
 * 1/df: exact at integer df; between them a little above the exact value (a slightly wider
 * interval, never a narrower one), by at most 0.0005 from df = 3, 0.006 from df = 2, 0.46 below
 * that. df below 1 is taken as 1.
 */
export function tQuantile975(df: number): number {
  const top = T975_TABLE.length;
  if (df >= top) return cornishFisher975(df);
  const v = df >= 1 ? df : 1; // NaN too
  const lo = Math.floor(v);
  const shortfall = (d: number): number => (T975_TABLE[d - 1] as number) - cornishFisher975(d);
  // weight of `hi` by 1/df, in which t is nearly linear between neighbouring integers
  const w = (1 / lo - 1 / v) / (1 / lo - 1 / (lo + 1));
  return cornishFisher975(v) + shortfall(lo) + (shortfall(lo + 1) - shortfall(lo)) * w;
}

export interface Uplift {
  /** mean per member, target minus holdout (fen) */
  difference: number;
  /** 95 % confidence interval of the difference (Welch); null when either group has fewer than 2 members */
  low: number | null;
  high: number | null;
  standardError: number | null;
  df: number | null;
  targetMean: number;
  holdoutMean: number;
}

function meanVar(xs: readonly number[]): { n: number; mean: number; variance: number } {
  const n = xs.length;
  const mean = n === 0 ? 0 : xs.reduce((a, x) => a + x, 0) / n;
  const variance = n < 2 ? 0 : xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return { n, mean, variance };
}

/**
 * Welch's interval for the difference of mean spend per member:
 *   d = mean_t - mean_h,  se = sqrt(s_t^2 / n_t + s_h^2 / n_h),
 *   df = se^4 / ((s_t^2/n_t)^2 / (n_t - 1) + (s_h^2/n_h)^2 / (n_h - 1)),
 *   95 % CI = d -/+ t(0.975, df) x se
 * with s^2 the sample variances (n - 1). Members who bought nothing count, with 0.
 */
export function welchUplift(target: readonly number[], holdout: readonly number[]): Uplift {
  const t = meanVar(target);
  const h = meanVar(holdout);
  const difference = t.mean - h.mean;
  const base = { difference, targetMean: t.mean, holdoutMean: h.mean };
  if (t.n < 2 || h.n < 2) return { ...base, low: null, high: null, standardError: null, df: null };
  const at = t.variance / t.n;
  const ah = h.variance / h.n;
  const se = Math.sqrt(at + ah);
  if (se === 0) return { ...base, low: difference, high: difference, standardError: 0, df: t.n + h.n - 2 };
  const df = (at + ah) ** 2 / (at ** 2 / (t.n - 1) + ah ** 2 / (h.n - 1));
  const q = tQuantile975(df);
  return { ...base, low: difference - q * se, high: difference + q * se, standardError: se, df };
}

/**
 * DECISION: the points a sale under the offer cost beyond what it would have earned without it:
 * points x (1 - 1000 / multiplierMilli). Exact when the offer multiplied every line and no cap
 * cut the sale; an estimate otherwise (docs/campaigns.md).
 */
export function extraPoints(pointsEarned: number, multiplierMilli: number): number {
  return Math.round(pointsEarned * (1 - 1000 / multiplierMilli));
}

/** Days an offer still runs counting today: until - today + 1. */
export function daysLeft(until: string, today: string): number {
  return Math.round((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000) + 1;
}

/** What the offer gives, in words, after its name: "×2", "满¥200.00加送300分", "¥20.00券", "免费洗车". */
export function offerTerms(o: LiveOffer): { zh: string; en: string } {
  const kind = offerKind(o);
  switch (kind) {
    case 'multiplier': {
      const t = `×${String(o.multiplierMilli / 1000)}`;
      return { zh: t, en: t };
    }
    case 'bonus':
      return {
        zh: `满${formatYuan(o.minSpend ?? 0)}加送${o.bonusPoints ?? 0}分`,
        en: `spend ${formatYuan(o.minSpend ?? 0)}, get ${o.bonusPoints ?? 0} bonus points`,
      };
    case 'coupon':
      return {
        zh: `${formatYuan(o.couponValue ?? 0)}券 ${o.couponCode ?? ''}`.trim(),
        en: `${formatYuan(o.couponValue ?? 0)} coupon ${o.couponCode ?? ''}`.trim(),
      };
    case 'service':
      return { zh: `免费${o.service ?? ''}`, en: `free ${o.service ?? ''}` };
    default: {
      const never: never = kind;
      throw new Error(`unknown offer kind ${String(never)}`);
    }
  }
}

/**
 * The member's open offers for the cashier and the receipt, in one line: "双倍积分 ×2，还剩 3 天"
 * / "double points ×2, 3 days left"; a bonus, coupon or service offer says what it gives
 * ("满200送300 满¥200.00加送300分，还剩 5 天"); several joined with "；" / "; ". null without any.
 */
export function offersLine(offers: readonly LiveOffer[], today: string): { zh: string; en: string } | null {
  if (offers.length === 0) return null;
  const zh = offers.map((o) => `${o.name.zh} ${offerTerms(o).zh}，还剩 ${daysLeft(o.until, today)} 天`);
  const en = offers.map((o) => {
    const n = daysLeft(o.until, today);
    return `${o.name.en} ${offerTerms(o).en}, ${n} ${n === 1 ? 'day' : 'days'} left`;
  });
  return { zh: zh.join('；'), en: en.join('; ') };
}

/** The return on a campaign's points cost (docs/campaigns.md "Return on cost"). */
export interface ReturnOnCost {
  /** what one point is worth in fen: 100 / the rule set's redemption pointsPerCurrencyUnit */
  pointValueFen: number;
  /** the actual cost in fen: pointsCost x pointValueFen + moneyCost (a coupon's or a service's fen) */
  costFen: number;
  /** incremental spend over the target group (fen): the difference per member x target members */
  incrementalSpend: number;
  /** the same from the ends of the difference's 95 % interval; null when it has none */
  incrementalLow: number | null;
  incrementalHigh: number | null;
  /** incrementalSpend / costFen; null while nothing was spent on points */
  ratio: number | null;
  /** the ratio at the interval's ends; null without an interval or a cost */
  low: number | null;
  high: number | null;
}

/**
 * DECISION: return on cost = incremental spend / points cost in money, where
 *   incremental spend = (mean spend per target member - per held-out member) x target members
 *   points cost in money = extra points earned under the offer x (100 / pointsPerCurrencyUnit) fen,
 * a point being worth what it redeems for at the base ratio (the liability adds each tier's
 * better ratio; the result does not value points per member); a coupon
 * or a free service adds its money cost in fen as it is. The
 * interval's ends give the ratio's range; the difference and its interval come from the
 * result, never recomputed here.
 */
export function returnOnCost(input: {
  difference: number;
  low: number | null;
  high: number | null;
  targeted: number;
  pointsCost: number;
  /** fen the offer cost beside points (coupons used, services claimed; docs/campaigns.md "Offer kinds") */
  moneyCost?: number;
  pointsPerCurrencyUnit: number;
}): ReturnOnCost {
  const pointValueFen = 100 / input.pointsPerCurrencyUnit;
  const costFen = input.pointsCost * pointValueFen + (input.moneyCost ?? 0);
  const total = (d: number | null): number | null => (d === null ? null : d * input.targeted);
  const incrementalSpend = input.difference * input.targeted;
  const incrementalLow = total(input.low);
  const incrementalHigh = total(input.high);
  const over = (x: number | null): number | null => (x === null || costFen <= 0 ? null : x / costFen);
  return {
    pointValueFen,
    costFen,
    incrementalSpend,
    incrementalLow,
    incrementalHigh,
    ratio: over(incrementalSpend),
    low: over(incrementalLow),
    high: over(incrementalHigh),
  };
}

/**
 * What the end-of-day run does to a campaign on `today` by its schedule (docs/campaigns.md
 * "Schedule"): start an approved one whose start day has come, end a running one (or an approved
 * one) past its last day, or nothing. Ending wins: a campaign past its last day never starts.
 */
export function scheduledTransition(
  c: Pick<Campaign, 'status' | 'startOn' | 'endOn'>,
  today: string,
): 'start' | 'end' | null {
  const over = c.endOn !== null && c.endOn < today;
  switch (c.status) {
    case 'draft':
    case 'ended':
      return null;
    case 'approved':
      if (over) return 'end';
      return c.startOn !== null && c.startOn <= today ? 'start' : null;
    case 'running':
      return over ? 'end' : null;
  }
}
