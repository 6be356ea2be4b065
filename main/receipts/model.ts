/**
 * The receipt model: everything a member's loyalty receipt shows, gathered from the stored
 * sale (its recorded result is what the member was told at the till), the member's summary
 * at print time (tier, progress, expiring points, stamps) and the rule set. Language-neutral:
 * the layout picks zh-CN or English.
 */
import { ratioTier, redemptionValue } from '../../core/engine/redeem.js';
import { lowestTier, tierDef } from '../../core/engine/tiers.js';
import { storeName } from '../../core/ruleset/names.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import { signSurveyToken, surveyUrl } from '../../core/survey/token.js';
import { localDate } from '../../core/time.js';
import type { MemberSummary, SaleRequest } from '../api/schemas.js';
import type { Coupon } from '../db/coupons.js';
import type { TillContext } from '../service/context.js';
import { TillError } from '../service/errors.js';
import { balanceAsOf, summarise } from '../service/members.js';
import type { SaleResult } from '../service/sales.js';
import { localDateTime, maskMemberNo } from './text.js';

export type ReceiptLang = 'zh-CN' | 'en';

export interface Localised {
  zh: string;
  en: string;
}

export interface ReceiptCoupon {
  code: string;
  name: Localised;
  kind: 'voucher' | 'coupon' | 'service';
  value: number;
  validTo: string;
  used: boolean;
}

export interface ReceiptModel {
  /** the store's name in both languages (TILL_STORE_NAME, else the rule set's storeNames); null: unnamed */
  store: { name: Localised | null; storeId: string; tillId: string };
  sale: { saleId: string; occurredAt: string; local: string; total: number; staffId: string | null };
  /** local time the receipt was rendered */
  printedAt: string;
  reprint: boolean;
  member: { memberNoMasked: string; name: string | null; phone: string | null; tier: Localised } | null;
  earn: { points: number; bonusPoints: number; breakdown: Localised; withheldByCaps: number } | null;
  redeem: { points: number; value: number } | null;
  /**
   * the balance right after this sale; `asOf` when the till cannot be sure of it: the last sync
   * (local time), or 'never' when it has not synced yet
   */
  balance: { points: number; asOf: string | null } | null;
  tierChange: { from: Localised; to: Localised } | null;
  /** null at the top tier or without a member */
  nextTier: { name: Localised; remaining: number } | null;
  expiring: { on: string; points: number }[];
  /** the member's campaign offers still open after the sale, one line (docs/campaigns.md) */
  offers?: Localised | null;
  stamps: { onCard: number; of: number; rewardPoints: number; earnedNow: boolean } | null;
  coupons: ReceiptCoupon[];
  programme: {
    expiry: RuleSet['expiry'];
    pointsPerCurrencyUnit: number;
    /** what pointsPerCurrencyUnit points pay at the member's tier, fen (Diamond: 120, DOMAIN.md 4) */
    pointsValue: number;
    baseRate: string;
  };
  /** the survey link (member page URL with the sale's signed token, core/survey/token.ts); null: not configured */
  survey?: { url: string } | null;
}

/** What a receipt needs to print the survey QR: the member page's base URL and the till's survey key. */
export interface SurveyLink {
  base: string;
  key: Buffer;
}

export interface ReceiptOptions {
  /** TILL_STORE_NAME; the rule set's name for the store when null */
  storeName: string | null;
  reprint?: boolean;
  /** TILL_MEMBER_PAGE_URL with the till's survey key; null or absent: no survey QR */
  survey?: SurveyLink | null;
}

/**
 * The survey URL of a sale: made here from the till's own key, so offline and anonymous sales
 * get one too. A sale id the token cannot carry gets none (the API's ids always fit).
 */
function surveyOf(ctx: TillContext, link: SurveyLink | null | undefined, saleId: string, day: string) {
  if (!link) return null;
  try {
    const token = signSurveyToken(link.key, {
      storeId: ctx.identity.storeId,
      tillId: ctx.identity.tillId,
      saleId,
      day,
    });
    return { url: surveyUrl(link.base, token) };
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

function tierName(rs: RuleSet, code: string | null): Localised {
  if (code === null) return { zh: '', en: '' };
  try {
    return tierDef(rs, code).name;
  } catch {
    return { zh: code, en: code };
  }
}

interface StoredComputation {
  stampEarned?: number;
}

/** Coupons issued by rewards redeemed at this checkout: after the member's previous sale, up to this one. */
function couponsOfSale(
  ctx: TillContext,
  rs: RuleSet,
  saleId: string,
  memberNo: string,
  entries: number[],
): ReceiptCoupon[] {
  if (entries.length === 0) return [];
  const first = Math.min(...entries);
  const last = Math.max(...entries);
  const prev = ctx.db
    .prepare(
      `SELECT max(seq) AS seq FROM ledger
        WHERE member_no = ? AND sale_id IS NOT NULL AND sale_id <> ? AND kind = 'earn' AND seq < ?`,
    )
    .get(memberNo, saleId, first) as { seq: number | null };
  const rows = ctx.db
    .prepare(
      `SELECT data FROM ledger
        WHERE member_no = ? AND kind = 'reward' AND (sale_id = ? OR (seq > ? AND seq < ?)) ORDER BY seq`,
    )
    .all(memberNo, saleId, prev.seq ?? 0, last) as { data: string }[];
  const out: ReceiptCoupon[] = [];
  for (const r of rows) {
    const code = (JSON.parse(r.data) as { couponCode?: string }).couponCode;
    if (!code) continue;
    const c: Coupon | null = ctx.coupons.get(code);
    if (!c) continue;
    const reward = rs.rewards.find((x) => x.id === c.rewardId);
    out.push({
      code: c.code,
      name: reward?.name ?? { zh: c.rewardId, en: c.rewardId },
      kind: reward?.kind ?? 'coupon',
      value: c.value,
      validTo: c.validTo,
      used: c.usedAt !== null,
    });
  }
  return out;
}

/** What a unit of points pays at a tier (its redemption ratio); the base ratio for no or an unknown tier. */
function pointsValueAt(rs: RuleSet, tier: string | null): number {
  return redemptionValue(rs, ratioTier(rs, tier), rs.redemption.pointsPerCurrencyUnit);
}

export function buildReceiptModel(ctx: TillContext, saleId: string, opts: ReceiptOptions): ReceiptModel {
  const stored = ctx.sales.sale(saleId);
  if (!stored) throw new TillError('unknown_sale', `no sale ${saleId} was recorded at this till`, 'saleId');
  const result = stored.result as SaleResult;
  const request = stored.request as Partial<SaleRequest>;
  const nowIso = ctx.now().toISOString();
  const rs = ctx.rules.at(nowIso);
  const tz = rs.timeZone;
  const today = localDate(nowIso, tz).date;

  let summary: MemberSummary | null = null;
  let memberSection: ReceiptModel['member'] = null;
  if (result.memberNo !== null) {
    const m = ctx.members.get(result.memberNo);
    if (m) {
      const state = ctx.ledger.state(m.memberNo, lowestTier(rs).code);
      summary = summarise(ctx, rs, m, state, today);
    }
    memberSection = {
      memberNoMasked: maskMemberNo(result.memberNo),
      name: summary?.name || null,
      phone: summary?.phone || null,
      tier: tierName(rs, summary?.tier ?? result.tier),
    };
  }

  const member = result.memberNo !== null;
  const next = summary?.nextTier.tier
    ? { name: tierName(rs, summary.nextTier.tier), remaining: summary.nextTier.remaining }
    : null;
  // null when the till was sure of the printed balance, else the last sync ('never' before the
  // first): as the sale found it (a sale recorded before balanceAsOf was kept: as now).
  const asOf = result.balanceAsOf !== undefined ? result.balanceAsOf : summary ? summary.balanceAsOf : balanceAsOf(ctx);
  const card = rs.stampCard;
  const computation = (stored.computation ?? {}) as StoredComputation;

  return {
    store: {
      name: opts.storeName ? { zh: opts.storeName, en: opts.storeName } : storeName(rs, ctx.identity.storeId),
      storeId: ctx.identity.storeId,
      tillId: ctx.identity.tillId,
    },
    sale: {
      saleId: stored.saleId,
      occurredAt: stored.occurredAt,
      local: localDateTime(stored.occurredAt, tz),
      total: result.total,
      staffId: request.staffId ?? null,
    },
    printedAt: localDateTime(nowIso, tz),
    reprint: opts.reprint ?? false,
    member: memberSection,
    earn: member
      ? {
          points: result.pointsEarned,
          bonusPoints: result.bonusPoints,
          breakdown: result.breakdownText,
          withheldByCaps: result.withheldByCaps,
        }
      : null,
    redeem:
      member && result.pointsRedeemed > 0 ? { points: result.pointsRedeemed, value: result.redemptionValue } : null,
    balance:
      member && result.balance !== null
        ? { points: result.balance, asOf: asOf === null || asOf === 'never' ? asOf : localDateTime(asOf, tz) }
        : null,
    tierChange:
      result.tierChanged && result.previousTier !== null
        ? { from: tierName(rs, result.previousTier), to: tierName(rs, result.tier) }
        : null,
    nextTier: next,
    expiring: summary?.expiringSoon ?? [],
    offers: summary?.offersText ?? null,
    stamps:
      member && card
        ? {
            onCard: summary && summary.stamps > 0 ? ((summary.stamps - 1) % card.stampsForReward) + 1 : 0,
            of: card.stampsForReward,
            rewardPoints: card.rewardPoints,
            earnedNow: (computation.stampEarned ?? 0) > 0,
          }
        : null,
    coupons: member && result.memberNo ? couponsOfSale(ctx, rs, saleId, result.memberNo, result.entries) : [],
    programme: {
      expiry: rs.expiry,
      pointsPerCurrencyUnit: rs.redemption.pointsPerCurrencyUnit,
      pointsValue: pointsValueAt(rs, summary?.tier ?? result.tier),
      baseRate: rs.earn.baseRate,
    },
    // The sale's own local day in the programme's time zone: head office dates the answer by it.
    survey: surveyOf(ctx, opts.survey, stored.saleId, localDate(stored.occurredAt, tz).date),
  };
}
