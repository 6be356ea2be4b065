/**
 * Quote and record sales (CONTRACTS.md /v1/baskets/quote, /v1/sales). Both run the same
 * computation; a quote writes nothing, a sale commits the ledger entries, the cache and the
 * idempotency record in one synchronous transaction before it answers.
 */
import { computeEarn } from '../../core/engine/earn.js';
import {
  checkOfflineRedemption,
  checkRedemption,
  offlineAllowance,
  redemptionLimits,
} from '../../core/engine/redeem.js';
import { memberContextFor, reviewSteps } from '../../core/engine/decide.js';
import { memberDiscountFor, NO_MEMBER_DISCOUNT, tierDiscountPercent } from '../../core/engine/discount.js';
import { lowestTier, tierAfterSale, tierIndex } from '../../core/engine/tiers.js';
import { keptComputation } from '../../core/engine/bonus-return.js';
import { RuleViolation, bonusEntryData, type EarnResult, type MemberContext } from '../../core/engine/types.js';
import { expiryDate } from '../../core/ledger/expiry.js';
import { canonicalJson } from '../../core/ledger/hash.js';
import type { EntryData } from '../../core/ledger/entry.js';
import { emptyState, rollingSpend, type MemberState } from '../../core/ledger/state.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import { daysBetween, localDate } from '../../core/time.js';
import { createHash } from 'node:crypto';
import type { NewEntry } from '../db/ledger.js';
import type { MemberBrief } from '../db/members.js';
import type { QuoteRequest, QuoteResponse, SaleRequest, SaleResponse } from '../api/schemas.js';
import type { TillContext } from './context.js';
import { TillError } from './errors.js';
import { QUOTE_EVENT_LINES } from './events.js';
import { balanceAsOf, lockedAfter, memberByCode } from './members.js';
import { settleMember } from './settle.js';
import { advanceView, memberView, type MemberView } from './view.js';
import { getMeta } from './identity.js';
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

function memberContext(
  rs: RuleSet,
  m: MemberBrief,
  view: MemberView,
  saleDay: string,
  recordedOn: string,
): MemberContext {
  return memberContextFor(rs, view.state, { birthday: m.birthday, saleDay, recordedOn });
}

/**
 * The due reviews that gave the tier a sale was decided at, when they lowered the stored one
 * (head office's not arrived yet): the upgrade carries them so head office's fold can tell it
 * from one decided on a smaller view (core/ledger/state.ts).
 */
function reviewedInMemory(
  rs: RuleSet,
  state: MemberState,
  saleDay: string,
  decidedAt: string,
): NonNullable<EntryData['reviewedInMemory']> | null {
  if (decidedAt === state.tier) return null;
  const steps = reviewSteps(rs, state, saleDay);
  if (steps[steps.length - 1]?.to !== decidedAt) return null;
  return steps.map((x) => ({ before: x.review, from: x.from, to: x.to, threshold: x.threshold }));
}

function pointsTendered(tenders: SaleRequest['tenders']): number {
  return tenders.reduce((a, t) => (t.type === 'points' ? a + t.points : a), 0);
}

/**
 * Issue 14, docs/pos-api.md "Tenders": once the POS sends a money tender, its tenders are the
 * whole payment and must pay exactly the amount due (money plus the points' redemption value),
 * so a sale cannot be recorded with a payment nobody took. No tenders, or points alone, is a POS
 * that reports only the loyalty part of the payment: not summed. `partialTenders` marks money
 * tenders that are only part of the payment (the rest is taken outside the API): they may fall
 * short of the amount due, never exceed it.
 */
export function checkTenders(req: SaleRequest, computation: Pick<EarnResult, 'total' | 'redemptionValue'>): void {
  if (req.tenders.every((t) => t.type === 'points')) return;
  const money = req.tenders.reduce((a, t) => (t.type === 'points' ? a : a + t.amount), 0);
  const paid = money + computation.redemptionValue;
  const due = computation.total;
  if (paid === due || (req.partialTenders === true && paid < due)) return;
  const yuan = (fen: number): string => `¥${(fen / 100).toFixed(2)}`;
  throw new TillError(
    'tenders_do_not_add_up',
    `the tenders pay ${yuan(paid)} (points count at their value, ${yuan(computation.redemptionValue)}) but the amount due is ${yuan(due)}` +
      (req.partialTenders === true
        ? '; partial tenders may not pay more than is due'
        : '; send every tender, or partialTenders: true when part is paid outside this API'),
    'tenders',
  );
}

/**
 * A sale without a member earns nothing, so its answer says that (and what a member would have
 * earned, the invitation to join) instead of a breakdown that adds up to points nobody got.
 */
export function anonymousBreakdown(wouldEarn: number): {
  items: { kind: 'noMember'; memberWouldEarn: number }[];
  text: { zh: string; en: string };
} {
  return {
    items: [{ kind: 'noMember', memberWouldEarn: wouldEarn }],
    text:
      wouldEarn > 0
        ? {
            zh: `非会员消费，不积分（会员可得 ${wouldEarn} 积分）`,
            en: `no member on this sale: no points (a member would have earned ${wouldEarn})`,
          }
        : { zh: '非会员消费，不积分', en: 'no member on this sale: no points' },
  };
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
  // A quote refuses what the sale would: it must never promise points the sale then refuses.
  refuseFutureInstant(ctx, at);
  const rs = ctx.rules.at(at);
  const today = localDate(at, rs.timeZone).date;
  const recordedOn = localDate(ctx.now(), rs.timeZone).date;
  refuseTooLate(rs, today, recordedOn);
  const member = resolveMember(ctx, rs, req);
  const redeem = (req.redeemPoints ?? 0) + pointsTendered(req.tenders);
  if (redeem > 0 && !member) throw new TillError('member_required', 'redeeming points needs a member', 'redeemPoints');
  // A quote changes nothing: it reads the view as the sale will (expiry judged by date, due
  // reviews applied in memory) without recording anything.
  const own = member ? ctx.ledger.state(member.memberNo, lowestTier(rs).code) : emptyState('', lowestTier(rs).code);
  const view = member ? memberView(ctx, rs, own, today, lockedAfter(rs, today)) : null;
  const mctx = member && view ? memberContext(rs, member, view, today, recordedOn) : null;
  // Price the basket once without redemption to learn the basket total the share applies to.
  const base = earn(rs, req, mctx, 0, at);
  const tier = view?.tier ?? lowestTier(rs).code;
  const offline = view ? offlineLimits(ctx, rs, view, today) : null;
  const available = view ? Math.min(view.spendable, offline?.allowance ?? Infinity) : 0;
  const limits = redemptionLimits(rs, { tier, basketTotal: base.total, available });
  let problem: QuoteResult['redemptionProblem'] = null;
  let result = base;
  if (redeem > 0) {
    try {
      checkRedemption(rs, { tier, basketTotal: base.total, available: view?.spendable ?? 0, points: redeem });
      if (offline) checkOffline(rs, offline, redeem);
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
    balance: view ? view.balance : null,
    withheldByCaps: result.withheldByCaps,
    breakdown: result.breakdown,
    breakdownText: result.breakdownText,
    redemptionProblem: problem,
    // DOMAIN.md 5: offered on the basket as sent, before points; the POS applies it.
    memberDiscount: view ? memberDiscountFor(rs, view.tier, base.total) : NO_MEMBER_DISCOUNT,
  };
}

/** What an offline till may still redeem for a member, and why (DOMAIN.md 4); null when online or standalone. */
interface OfflineLimits {
  confirmedBalance: number;
  spentSinceConfirmed: number;
  redeemedTodayOffline: number;
  allowance: number;
}

export function offlineLimits(ctx: TillContext, rs: RuleSet, view: MemberView, today: string): OfflineLimits | null {
  if (!ctx.connected || ctx.isOnline()) return null;
  let spent = 0;
  for (const e of view.unconfirmed()) {
    if (e.kind === 'redeem' || e.kind === 'reward') spent += e.points;
  }
  const args = {
    confirmedBalance: view.confirmed?.available ?? 0,
    spentSinceConfirmed: spent,
    redeemedTodayOffline: ctx.ledger.offlineRedeemedOn(view.state.memberNo, today),
  };
  return { ...args, allowance: offlineAllowance(rs, args) };
}

/**
 * DOMAIN.md 4, offline: a connected till that has not heard from head office lately redeems at
 * most the balance head office last confirmed minus what it spent since, and at most
 * offlineRedemptionDailyMax points a day per member.
 */
export function checkOffline(rs: RuleSet, limits: OfflineLimits | null, points: number): void {
  if (!limits) return;
  try {
    checkOfflineRedemption(rs, { points, ...limits });
  } catch (e) {
    if (e instanceof RuleViolation) throw new TillError('offline_redemption_limit', e.message, 'tenders');
    throw e;
  }
}

/**
 * Refuses a sale dated more than lateSaleMaxDays before the day it is recorded (DOMAIN.md 12):
 * backdating must not reach days whose caps and expiry are long settled.
 */
export function refuseTooLate(rs: RuleSet, saleDay: string, recordedOn: string): void {
  const late = daysBetween(saleDay, recordedOn);
  if (late > rs.lateSaleMaxDays) {
    throw new TillError(
      'occurred_too_long_ago',
      `occurredAt is ${late} days before today; at most ${rs.lateSaleMaxDays} days late are accepted`,
      'occurredAt',
    );
  }
}

/** The confirmed state a decision was made against (DOMAIN.md 12), recorded with the sale. */
export function basisOf(ctx: TillContext, view: MemberView | null): { cursor: number; confirmedThrough: number } {
  if (view?.confirmed) return { cursor: view.confirmed.cursor, confirmedThrough: view.confirmed.includedSeq };
  return { cursor: Number(getMeta(ctx.db, 'hq_change_cursor') ?? 0), confirmedThrough: 0 };
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
        const recordedOn = localDate(recordedAt, rs.timeZone).date;
        refuseTooLate(rs, today, recordedOn);
        const member = resolveMember(ctx, rs, req);
        const redeem = pointsTendered(req.tenders);
        if (redeem > 0 && !member) throw new TillError('member_required', 'redeeming points needs a member', 'tenders');

        let entries: number[] = [];
        let computation: EarnResult;
        let view: MemberView | null = null;
        let tierChange: { from: string; to: string } | null = null;
        let bonusPoints = 0;
        let basis = basisOf(ctx, null);
        if (member) {
          const locked = lockedAfter(rs, today);
          let own = settleMember(ctx, rs, member.memberNo, { occurredAt: at, localDate: today });
          view = memberView(ctx, rs, own, today, locked);
          basis = basisOf(ctx, view);
          const mctx = memberContext(rs, member, view, today, recordedOn);
          const offline = redeem > 0 ? offlineLimits(ctx, rs, view, today) : null;
          if (redeem > 0) {
            const base = earn(rs, req, mctx, 0, at);
            checkRedemption(rs, {
              tier: view.tier,
              basketTotal: base.total,
              available: view.spendable,
              points: redeem,
            });
            checkOffline(rs, offline, redeem);
            ctx.redemptions.admit(rs);
          }
          computation = earn(rs, req, mctx, redeem, at);
          checkTenders(req, computation);
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
            data: {
              stamp: computation.stampEarned,
              ruleVersion: rs.version,
              ...(recordedOn > today ? { recordedOn } : {}),
              ...staff,
            },
          });
          for (const b of computation.bonuses) {
            batch.push({
              ...common,
              kind: 'bonus',
              points: b.points,
              expiresOn,
              data: { ...bonusEntryData(b), ...staff },
            });
            bonusPoints += b.points;
          }
          const written = ctx.ledger.append(own, batch);
          own = written.state;
          entries = written.entries.map((e) => e.seq);
          view = advanceView(ctx, rs, view, own, written.entries, today, locked);
          // DOMAIN.md 5: the crossing sale earned at the old tier; the new tier applies from the next
          // sale. Judged on the merged view: spend at every store counts (DOMAIN.md 12). A late
          // sale is judged on the day it is recorded too: spend on the days since its own date
          // counts toward the member's rolling spend now.
          const t = tierAfterSale(rs, {
            tier: mctx.tier,
            rollingSpendAfter: Math.max(rollingSpend(view.state, today), rollingSpend(view.state, recordedOn)),
            saleQualifying: computation.qualifyingSpend,
          });
          if (t.changed && t.reason) {
            tierChange = { from: mctx.tier, to: t.tier };
            const reviewed = reviewedInMemory(rs, view.state, today, mctx.tier);
            const w = ctx.ledger.append(own, [
              {
                ...common,
                kind: 'tier',
                points: 0,
                data: {
                  fromTier: mctx.tier,
                  toTier: t.tier,
                  reason: t.reason,
                  rank: tierIndex(rs, t.tier),
                  ...(reviewed ? { reviewedInMemory: reviewed } : {}),
                },
              },
            ]);
            own = w.state;
            view = advanceView(ctx, rs, view, own, w.entries, today, locked);
            entries.push(...w.entries.map((e) => e.seq));
          }
        } else {
          computation = earn(rs, req, null, 0, at);
          checkTenders(req, computation);
        }
        const anonymous = member ? null : anonymousBreakdown(computation.points);

        const finalView = view;
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
          // Whether the till was sure of that balance when it sold: the receipt says so however
          // late it prints (a queued receipt printed after the till is back online).
          balanceAsOf: member ? balanceAsOf(ctx) : null,
          tier: finalView?.tier ?? null,
          tierChanged: tierChange !== null,
          previousTier: tierChange?.from ?? null,
          withheldByCaps: member ? computation.withheldByCaps : 0,
          breakdown: anonymous?.items ?? computation.breakdown,
          breakdownText: anonymous?.text ?? computation.breakdownText,
          entries,
          receiptId: req.saleId,
          occurredAt: at,
          // The tier the sale was priced at (before any upgrade it caused) offered the discount.
          memberDiscountPercent: member ? tierDiscountPercent(rs, tierChange?.from ?? finalView?.tier ?? '') : 0,
        };
        ctx.sales.putSale(
          {
            saleId: req.saleId,
            memberNo: member?.memberNo ?? null,
            requestHash: hash,
            request: req,
            result,
            computation: keptComputation(computation, result.pointsEarned, redeem),
            ruleVersion: rs.version,
            total: computation.total,
            occurredAt: at,
          },
          recordedAt,
          req.staffId ?? null,
          basis,
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
