/**
 * Quote and record sales (CONTRACTS.md /v1/baskets/quote, /v1/sales). Both run the same
 * computation; a quote writes nothing, a sale commits the ledger entries, the cache and the
 * idempotency record in one synchronous transaction before it answers.
 */
import { computeEarn } from '../../core/engine/earn.js';
import { checkOfflineRedemption, checkRedemption, redemptionLimits } from '../../core/engine/redeem.js';
import { lowestTier, tierAfterSale } from '../../core/engine/tiers.js';
import { RuleViolation, type EarnResult, type MemberContext } from '../../core/engine/types.js';
import { expiryDate } from '../../core/ledger/expiry.js';
import { canonicalJson } from '../../core/ledger/hash.js';
import { earnedOn, emptyState, rollingSpend, type MemberState } from '../../core/ledger/state.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import { localDate } from '../../core/time.js';
import { createHash } from 'node:crypto';
import type { NewEntry } from '../db/ledger.js';
import type { MemberBrief } from '../db/members.js';
import type { QuoteRequest, QuoteResponse, SaleRequest, SaleResponse } from '../api/schemas.js';
import type { TillContext } from './context.js';
import { TillError } from './errors.js';
import { QUOTE_EVENT_LINES } from './events.js';
import { lockedAfter, memberByCode } from './members.js';
import { reviewedTier, settleMember } from './settle.js';
import { memberView, type MemberView } from './view.js';
import { RedemptionLockNeeded } from './redemption-guard.js';

export type SaleResult = SaleResponse;
export type QuoteResult = QuoteResponse;

function resolveMember(
  ctx: TillContext,
  rs: RuleSet,
  req: { memberNo?: string; memberCode?: string },
): MemberBrief | null {
  if (req.memberNo !== undefined) {
    const m = ctx.members.brief(req.memberNo);
    if (!m) throw new TillError('unknown_member', 'no such member', 'memberNo');
    if (m.status === 'blocked') throw new TillError('member_blocked', 'this member is blocked', 'memberNo');
    if (req.memberCode !== undefined) {
      const byCode = memberByCode(ctx, rs, req.memberCode).member;
      if (byCode.memberNo !== m.memberNo)
        throw new TillError('bad_request', 'memberNo and memberCode name different members', 'memberCode');
    }
    return m;
  }
  if (req.memberCode !== undefined) return memberByCode(ctx, rs, req.memberCode).member;
  return null;
}

function memberContext(m: MemberBrief, s: MemberState, today: string, tier: string): MemberContext {
  return {
    memberNo: m.memberNo,
    tier,
    birthday: m.birthday,
    winBackUntil: s.winBackUntil,
    earnedToday: earnedOn(s, today),
    stamps: s.stamps,
    birthdayGiftYear: s.birthdayGiftYear,
  };
}

function pointsTendered(tenders: SaleRequest['tenders']): number {
  return tenders.reduce((a, t) => (t.type === 'points' ? a + t.points : a), 0);
}

function earn(
  rs: RuleSet,
  req: QuoteRequest | SaleRequest,
  member: MemberContext | null,
  points: number,
  at: string,
): EarnResult {
  return computeEarn(rs, {
    lines: req.lines.map((l) => ({ ...l, discount: l.discount })),
    basketDiscount: req.basketDiscount,
    pointsRedeemed: points,
    occurredAt: at,
    member,
  });
}

export function quote(ctx: TillContext, req: QuoteRequest): QuoteResult {
  const at = req.occurredAt ?? ctx.now().toISOString();
  const rs = ctx.rules.at(at);
  const today = localDate(at, rs.timeZone).date;
  const member = resolveMember(ctx, rs, req);
  const redeem = (req.redeemPoints ?? 0) + pointsTendered(req.tenders);
  if (redeem > 0 && !member) throw new TillError('member_required', 'redeeming points needs a member', 'redeemPoints');
  // A quote changes nothing: settle in memory by reading the cached state, judging expiry by
  // date and applying due tier reviews without recording them.
  const cached = member ? ctx.ledger.state(member.memberNo, lowestTier(rs).code) : emptyState('', lowestTier(rs).code);
  const state = member ? { ...cached, tier: reviewedTier(rs, cached, today) } : cached;
  const view = memberView(ctx, rs, state, today, lockedAfter(rs, today));
  const mctx = member ? memberContext(member, state, today, view.tier) : null;
  // Price the basket once without redemption to learn the basket total the share applies to.
  const base = earn(rs, req, mctx, 0, at);
  const available = member ? view.spendable : 0;
  const limits = redemptionLimits(rs, { tier: view.tier, basketTotal: base.total, available });
  let problem: QuoteResult['redemptionProblem'] = null;
  let result = base;
  if (redeem > 0) {
    try {
      checkRedemption(rs, { tier: view.tier, basketTotal: base.total, available, points: redeem });
      checkOffline(ctx, rs, state, view, today, redeem);
      result = earn(rs, req, mctx, redeem, at);
    } catch (e) {
      if (!(e instanceof Error && 'code' in e)) throw e;
      problem = { code: String(e.code), message: e.message };
    }
  }
  const bonusPoints = result.bonuses.reduce((a, b) => a + b.points, 0);
  ctx.events.publish({
    type: 'quote',
    memberNo: member?.memberNo ?? null,
    total: result.total,
    points: result.points,
    saleId: req.saleId ?? null,
    bonusPoints,
    pointsRedeemed: problem ? 0 : redeem,
    redemptionValue: problem ? 0 : result.redemptionValue,
    breakdownText: result.breakdownText,
    lines: result.lines.slice(0, QUOTE_EVENT_LINES).map((l, i) => ({
      sku: l.sku,
      name: req.lines[i]?.name ?? null,
      category: l.category,
      quantity: l.quantityMilli / 1000,
      net: l.net,
      excluded: l.excluded,
    })),
    lineCount: result.lines.length,
  });
  return {
    memberNo: member?.memberNo ?? null,
    ruleVersion: rs.version,
    total: result.total,
    qualifyingSpend: result.qualifyingSpend,
    pointsEarned: result.points,
    bonusPoints,
    pointsRedeemed: problem ? 0 : redeem,
    redemptionValue: problem ? 0 : result.redemptionValue,
    maxRedeemablePoints: limits.maxPoints,
    maxRedemptionValue: limits.maxValue,
    minimumRedemption: limits.minimumPoints,
    redemptionStep: limits.step,
    balance: member ? view.balance : null,
    withheldByCaps: result.withheldByCaps,
    breakdown: result.breakdown,
    breakdownText: result.breakdownText,
    redemptionProblem: problem,
  };
}

/**
 * DOMAIN.md 4, offline: a connected till that has not heard from head office lately redeems at
 * most the balance head office last confirmed minus what it spent since, and at most
 * offlineRedemptionDailyMax points a day per member.
 */
function checkOffline(
  ctx: TillContext,
  rs: RuleSet,
  state: MemberState,
  view: MemberView,
  today: string,
  points: number,
): void {
  if (!ctx.connected || ctx.isOnline()) return;
  const redeemedTodayOffline = ctx.ledger
    .entriesOf(state.memberNo)
    .filter((e) => (e.kind === 'redeem' || e.kind === 'reward') && e.localDate === today && e.data.offline === true)
    .reduce((a, e) => a + e.points, 0);
  try {
    checkOfflineRedemption(rs, {
      points,
      confirmedBalance: view.confirmed?.available ?? 0,
      spentSinceConfirmed: view.spentSinceConfirmed,
      redeemedTodayOffline,
    });
  } catch (e) {
    if (e instanceof RuleViolation) throw new TillError('offline_redemption_limit', e.message, 'tenders');
    throw e;
  }
}

/** How far ahead of the till's clock a POS may date a sale or a return (clock skew between machines). */
export const MAX_FUTURE_SKEW_MS = 10 * 60_000;

/**
 * Refuses an occurredAt in the future. Recording it would settle the member at that future
 * date: points expire and tier reviews apply early, by entries that can never be taken back.
 * A POS sending local time marked as UTC ("Z") is the usual cause.
 */
export function refuseFutureInstant(ctx: TillContext, at: string): void {
  const now = ctx.now();
  if (Date.parse(at) - now.getTime() > MAX_FUTURE_SKEW_MS) {
    throw new TillError(
      'occurred_in_future',
      `occurredAt ${at} is later than the till's clock (${now.toISOString()}); check the POS clock and time zone`,
      'occurredAt',
    );
  }
}

/** Runs a redemption's transaction; engages the till's redemption lock when the guard asked for it. */
export function guarded<T>(ctx: TillContext, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof RedemptionLockNeeded) ctx.redemptions.engage(e.count);
    throw e;
  }
}

export function requestHash(req: unknown): string {
  return createHash('sha256').update(canonicalJson(req)).digest('hex');
}

export function recordSale(ctx: TillContext, req: SaleRequest): { result: SaleResult; replayed: boolean } {
  const hash = requestHash(req);
  const recordedAt = ctx.now().toISOString();
  const at = req.occurredAt ?? recordedAt;
  const out = guarded(ctx, () =>
    ctx.db
      .transaction(() => {
        const existing = ctx.sales.sale(req.saleId);
        if (existing) {
          if (existing.requestHash !== hash) {
            throw new TillError(
              'idempotency_conflict',
              `sale ${req.saleId} was already recorded with a different body`,
              'saleId',
            );
          }
          return { result: existing.result as SaleResult, replayed: true };
        }
        refuseFutureInstant(ctx, at);
        const rs = ctx.rules.at(at);
        const today = localDate(at, rs.timeZone).date;
        const member = resolveMember(ctx, rs, req);
        const redeem = pointsTendered(req.tenders);
        if (redeem > 0 && !member) throw new TillError('member_required', 'redeeming points needs a member', 'tenders');

        let entries: number[] = [];
        let computation: EarnResult;
        let state: MemberState | null = null;
        let tierChange: { from: string; to: string } | null = null;
        let bonusPoints = 0;
        if (member) {
          state = settleMember(ctx, rs, member.memberNo, { occurredAt: at, localDate: today });
          const view = memberView(ctx, rs, state, today, lockedAfter(rs, today));
          const mctx = memberContext(member, state, today, view.tier);
          if (redeem > 0) {
            const base = earn(rs, req, mctx, 0, at);
            const available = view.spendable;
            checkRedemption(rs, { tier: view.tier, basketTotal: base.total, available, points: redeem });
            checkOffline(ctx, rs, state, view, today, redeem);
            ctx.redemptions.admit(rs);
          }
          const offline = redeem > 0 && ctx.connected && !ctx.isOnline();
          computation = earn(rs, req, mctx, redeem, at);
          const expiresOn = expiryDate(rs, today);
          const common = { memberNo: member.memberNo, occurredAt: at, localDate: today, saleId: req.saleId };
          const staff = req.staffId ? { staffId: req.staffId } : {};
          const batch: NewEntry[] = [];
          if (redeem > 0) {
            batch.push({
              ...common,
              kind: 'redeem',
              points: redeem,
              data: { ...staff, ...(offline ? { offline: true } : {}) },
            });
          }
          batch.push({
            ...common,
            kind: 'earn',
            points: computation.points,
            spend: computation.qualifyingSpend,
            expiresOn,
            data: { stamp: computation.stampEarned, ruleVersion: rs.version, ...staff },
          });
          for (const b of computation.bonuses) {
            batch.push({ ...common, kind: 'bonus', points: b.points, expiresOn, data: { bonus: b.bonus, ...staff } });
            bonusPoints += b.points;
          }
          const written = ctx.ledger.append(state, batch);
          state = written.state;
          entries = written.entries.map((e) => e.seq);
          // DOMAIN.md 5: the crossing sale earned at the old tier; the new tier applies from the next sale.
          const t = tierAfterSale(rs, {
            tier: state.tier,
            rollingSpendAfter: rollingSpend(state, today),
            saleQualifying: computation.qualifyingSpend,
          });
          if (t.changed && t.reason) {
            tierChange = { from: state.tier, to: t.tier };
            const w = ctx.ledger.append(state, [
              { ...common, kind: 'tier', points: 0, data: { fromTier: state.tier, toTier: t.tier, reason: t.reason } },
            ]);
            state = w.state;
            entries.push(...w.entries.map((e) => e.seq));
          }
        } else {
          computation = earn(rs, req, null, 0, at);
        }

        const finalView = state ? memberView(ctx, rs, state, today, lockedAfter(rs, today)) : null;
        const result: SaleResult = {
          saleId: req.saleId,
          memberNo: member?.memberNo ?? null,
          ruleVersion: rs.version,
          total: computation.total,
          pointsEarned: member ? computation.points : 0,
          bonusPoints,
          pointsRedeemed: redeem,
          redemptionValue: computation.redemptionValue,
          balance: finalView?.balance ?? null,
          tier: finalView?.tier ?? null,
          tierChanged: tierChange !== null,
          previousTier: tierChange?.from ?? null,
          withheldByCaps: member ? computation.withheldByCaps : 0,
          breakdown: computation.breakdown,
          breakdownText: computation.breakdownText,
          entries,
          receiptId: req.saleId,
          occurredAt: at,
        };
        ctx.sales.putSale(
          {
            saleId: req.saleId,
            memberNo: member?.memberNo ?? null,
            requestHash: hash,
            request: req,
            result,
            computation: {
              lines: computation.lines,
              earned: result.pointsEarned,
              pointsRedeemed: redeem,
              stampEarned: computation.stampEarned,
            },
            ruleVersion: rs.version,
            total: computation.total,
            occurredAt: at,
          },
          recordedAt,
          req.staffId ?? null,
        );
        ctx.outbox.add('sale', req.saleId, recordedAt);
        return { result, replayed: false };
      })
      .immediate(),
  );
  if (!out.replayed && out.result.pointsRedeemed > 0) ctx.redemptions.noted();
  if (!out.replayed) {
    ctx.log.log('info', 'sale_recorded', {
      saleId: req.saleId,
      memberNo: out.result.memberNo,
      points: out.result.pointsEarned,
    });
    ctx.events.publish({
      type: 'sale',
      saleId: req.saleId,
      memberNo: out.result.memberNo,
      pointsEarned: out.result.pointsEarned,
    });
    // After the commit, never inside it: queue the member's receipt (main/receipts).
    ctx.receipts?.saleCommitted(req.saleId, out.result.memberNo);
  }
  return out;
}
