/**
 * Returns against an earlier sale (DOMAIN.md 6), at the sale's own till or at any other
 * (DOMAIN.md 12). The keep-floor arithmetic is the engine's; this file decides which entries
 * carry it and commits them with the return record.
 */
import { bonusesTakenBack, keptEligible, stampTakenBack, type CampaignBonus } from '../../core/engine/bonus-return.js';
import { ratioTier, refundDeduction } from '../../core/engine/redeem.js';
import { computeReturn, lessShort, pointsShortOf } from '../../core/engine/returns.js';
import type { ReturnResult as ReturnFigures } from '../../core/engine/returns.js';
import { lotIdOf } from '../../core/ledger/entry.js';
import { expiryDate } from '../../core/ledger/expiry.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import type { OriginalSale, SaleComputation } from '../../core/sync/protocol.js';
import { localDate } from '../../core/time.js';
import { foreignSales } from '../db/foreign-sales.js';
import type { NewEntry } from '../db/ledger.js';
import type { StoredSale } from '../db/sales.js';
import type { ReturnRequest, ReturnResponse } from '../api/schemas.js';
import type { TillContext } from './context.js';
import { TillError } from './errors.js';
import { basisOf, refuseFutureInstant, refuseTooLate, requestHash } from './sales.js';
import { settleMember } from './settle.js';
import { lockedAfter } from './members.js';
import { originalFromHq } from './returns-elsewhere.js';
import { advanceView, memberView } from './view.js';

export type ReturnResult = ReturnResponse;

/** The sale a return takes back, wherever it was rung up. */
interface ReturnTarget {
  saleId: string;
  memberNo: string | null;
  ruleVersion: number;
  occurredAt: string;
  comp: SaleComputation;
  /** the till that rang it up; null = this till */
  tillId: string | null;
  /** the ledger id of the sale's earn entry: the lot the reversal takes first */
  earnLotId: string | null;
  /** thousandths per sku taken back by earlier returns, at this till and every other one known */
  previouslyReturned: Record<string, number>;
  /** an earlier return took the sale's stamp back */
  stampTaken: boolean;
  /** the sale's campaign bonuses (docs/campaigns.md "Returns") */
  bonuses: SaleBonuses;
}

interface SaleBonuses {
  list: readonly CampaignBonus[];
  /** the ledger id (`till:seq`) of each bonus entry, by campaign: the lot its reversal names */
  entryIds: Readonly<Record<string, string>>;
  /** campaigns whose bonus an earlier return took back, at this till or any other known */
  taken: ReadonlySet<string>;
}

/** A campaign bonus this return takes back, with the points actually taken (less under deductFromRefund). */
interface BonusBack extends CampaignBonus {
  lotId: string | undefined;
}

interface MemberOutcome {
  entries: number[];
  balance: number | null;
  tier: string | null;
  reversed: number;
  /** campaign bonus points taken back */
  bonusReversed: number;
  pointsShort: number;
  /** fen the refund keeps for pointsShort */
  refundDeduction: number;
  /** the confirmed state the member's figures were decided on (DOMAIN.md 12); null without a member */
  basis: { cursor: number; confirmedThrough: number } | null;
}

/**
 * The POS's return: asks head office first when the sale may be another till's (or other
 * tills may have taken returns of it), then records the return in one transaction.
 */
export async function takeReturn(
  ctx: TillContext,
  req: ReturnRequest,
): Promise<{ result: ReturnResult; replayed: boolean }> {
  const hq = await originalFromHq(ctx, req);
  return recordReturn(ctx, req, hq);
}

/**
 * Records a return in one transaction. `hq`: head office's copy of the original sale (with
 * every till's returns of it), fetched before; null = the till knows only its own records.
 */
export function recordReturn(
  ctx: TillContext,
  req: ReturnRequest,
  hq: OriginalSale | null = null,
): { result: ReturnResult; replayed: boolean } {
  const hash = requestHash(req);
  const recordedAt = ctx.now().toISOString();
  const at = req.occurredAt ?? recordedAt;
  const out = ctx.db
    .transaction(() => {
      const replay = replayOf(ctx, req, hash);
      if (replay) return { result: replay, replayed: true };
      refuseFutureInstant(ctx, at);
      // A return dated back is held to a late sale's limit (DOMAIN.md 12): days long settled stay so.
      const tz = ctx.rules.at(at).timeZone;
      refuseTooLate(ctx.rules.at(at), localDate(at, tz).date, localDate(recordedAt, tz).date);
      return { result: writeReturn(ctx, req, hq, { hash, at, recordedAt }), replayed: false };
    })
    .immediate();
  if (!out.replayed) {
    ctx.log.log('info', 'return_recorded', {
      returnId: req.returnId,
      saleId: req.originalSaleId,
      originalTillId: foreignSales(ctx.db).originOf(req.returnId),
      reversed: out.result.pointsReversed,
      bonusReversed: out.result.bonusReversed,
    });
    ctx.events.publish({ type: 'return', returnId: req.returnId, saleId: req.originalSaleId });
  }
  return out;
}

/** A new return: its entries, its record (marked with the sale's till) and its outbox row. */
function writeReturn(
  ctx: TillContext,
  req: ReturnRequest,
  hq: OriginalSale | null,
  w: { hash: string; at: string; recordedAt: string },
): ReturnResult {
  const target = returnTarget(ctx, req.originalSaleId, hq);
  if (Date.parse(w.at) < Date.parse(target.occurredAt)) {
    throw new TillError(
      'return_before_sale',
      `the return is dated ${w.at}, before the sale it returns (${target.occurredAt})`,
      'occurredAt',
    );
  }
  const r = computeReturn({
    lines: target.comp.lines,
    earned: target.comp.earned,
    pointsRedeemed: target.comp.pointsRedeemed,
    previouslyReturned: target.previouslyReturned,
    returning: req.lines,
  });
  const rs = ctx.rules.at(w.at);
  const m = target.memberNo ? memberEntries(ctx, req, target, r, rs, w.at) : noMember(r);
  const result = returnResult(req, target, r, m, w.at);
  const stored = { returnId: req.returnId, originalSaleId: target.saleId, requestHash: w.hash, request: req };
  ctx.sales.putReturn({ ...stored, result, occurredAt: w.at, basis: m.basis }, w.recordedAt);
  if (target.tillId !== null && hq) {
    foreignSales(ctx.db).markReturn(req.returnId, target.tillId);
    foreignSales(ctx.db).put(hq, w.recordedAt);
  }
  ctx.outbox.add('return', req.returnId, w.recordedAt);
  return result;
}

/** The first answer for a returnId already recorded; a different body under it is a conflict. */
function replayOf(ctx: TillContext, req: ReturnRequest, hash: string): ReturnResult | null {
  const existing = ctx.sales.returnById(req.returnId);
  if (!existing) return null;
  if (existing.requestHash !== hash) {
    throw new TillError(
      'idempotency_conflict',
      `return ${req.returnId} was already recorded with a different body`,
      'returnId',
    );
  }
  // A return recorded before bonus reversals existed took no bonus back.
  const first = existing.result as Omit<ReturnResult, 'bonusReversed'> & { bonusReversed?: number };
  return { ...first, bonusReversed: first.bonusReversed ?? 0 };
}

/** This till's sale of that number first (receipt numbers are per till), else head office's copy. */
function returnTarget(ctx: TillContext, saleId: string, hq: OriginalSale | null): ReturnTarget {
  const own = ctx.sales.sale(saleId);
  if (own) return ownTarget(ctx, own, hq?.tillId === ctx.identity.tillId ? hq : null);
  if (hq && hq.saleId === saleId) return foreignTarget(ctx, hq);
  throw new TillError('unknown_sale', `no sale ${saleId} on this till`, 'originalSaleId');
}

function ownTarget(ctx: TillContext, sale: StoredSale, hq: OriginalSale | null): ReturnTarget {
  const mine = foreignSales(ctx.db).returnsOf(sale.saleId, null);
  const earnSeq = ctx.ledger.saleEntry(sale.saleId, 'earn')?.seq;
  const comp = sale.computation as SaleComputation;
  const taken = takenBefore(ctx, sale.saleId, mine, hq);
  return {
    saleId: sale.saleId,
    memberNo: sale.memberNo,
    ruleVersion: sale.ruleVersion,
    occurredAt: sale.occurredAt,
    comp,
    tillId: null,
    earnLotId: earnSeq ? lotIdOf({ tillId: ctx.identity.tillId, seq: earnSeq }) : null,
    previouslyReturned: sumReturned(ctx, mine, hq),
    stampTaken: taken.stamp,
    bonuses: {
      list: comp.campaignBonuses ?? [],
      entryIds: comp.campaignBonuses ? ctx.ledger.campaignBonusIds(sale.saleId) : {},
      taken: taken.bonuses,
    },
  };
}

function foreignTarget(ctx: TillContext, hq: OriginalSale): ReturnTarget {
  const mine = foreignSales(ctx.db).returnsOf(hq.saleId, hq.tillId);
  const taken = takenBefore(ctx, hq.saleId, mine, hq);
  return {
    saleId: hq.saleId,
    memberNo: hq.memberNo,
    ruleVersion: hq.ruleVersion,
    occurredAt: hq.occurredAt,
    comp: hq.computation,
    tillId: hq.tillId,
    earnLotId: hq.earnEntryId,
    previouslyReturned: sumReturned(ctx, mine, hq),
    stampTaken: taken.stamp,
    bonuses: { list: hq.computation.campaignBonuses ?? [], entryIds: hq.bonusEntryIds, taken: taken.bonuses },
  };
}

/**
 * A stamp and each campaign bonus are taken back once per sale, by whichever till's return gets
 * there first: this till's returns from its own ledger (head office may not have them yet), every
 * other till's from head office's answer.
 */
function takenBefore(
  ctx: TillContext,
  saleId: string,
  mine: readonly { returnId: string }[],
  hq: OriginalSale | null,
): { stamp: boolean; bonuses: Set<string> } {
  const ids = mine.map((r) => r.returnId);
  const here = foreignSales(ctx.db);
  return {
    stamp: hq?.stampReturned === true || here.stampTaken(saleId, ids),
    bonuses: new Set([...(hq?.bonusesReturned ?? []), ...here.bonusesTaken(saleId, ids)]),
  };
}

/**
 * This till's returns of the sale from its own database (head office may not have them yet),
 * plus every other till's from head office's answer.
 */
function sumReturned(
  ctx: TillContext,
  mine: readonly { result: unknown }[],
  hq: OriginalSale | null,
): Record<string, number> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  const add = (q: Record<string, number>): void => {
    for (const [sku, milli] of Object.entries(q)) out[sku] = (out[sku] ?? 0) + milli;
  };
  for (const r of mine) add((r.result as ReturnResult).returned);
  for (const r of hq?.returns ?? []) if (r.tillId !== ctx.identity.tillId) add(r.returned);
  return out;
}

function noMember(r: ReturnFigures): MemberOutcome {
  return {
    entries: [],
    balance: null,
    tier: null,
    reversed: r.pointsReversed,
    bonusReversed: 0,
    pointsShort: 0,
    refundDeduction: 0,
    basis: null,
  };
}

/** The member's entries for the return, decided on their merged view (DOMAIN.md 12). */
function memberEntries(
  ctx: TillContext,
  req: ReturnRequest,
  target: ReturnTarget,
  r: ReturnFigures,
  rs: RuleSet,
  at: string,
): MemberOutcome {
  const memberNo = target.memberNo as string;
  const today = localDate(at, rs.timeZone).date;
  const locked = lockedAfter(rs, today);
  let state = settleMember(ctx, rs, memberNo, { occurredAt: at, localDate: today });
  // The member's points at every store cover a reversal (DOMAIN.md 12), not this till's alone.
  let view = memberView(ctx, rs, state, today, locked);
  // Uploaded with the return, so head office rebuilds this view to check a shortfall.
  const basis = basisOf(ctx, view);
  const kept = keptEligible(target.comp.lines, target.previouslyReturned, req.lines);
  let bonuses = bonusesBack(target, kept);
  let reversed = r.pointsReversed;
  let pointsShort = 0;
  let deduction = 0;
  if (rs.returns.insufficientBalance === 'deductFromRefund') {
    const due = [reversed, ...bonuses.map((b) => b.points)];
    pointsShort = pointsShortOf(due, view.balance, r.pointsRestored);
    const [sale = 0, ...rest] = lessShort(due, pointsShort);
    reversed = sale;
    bonuses = bonuses.map((b, i) => ({ ...b, points: rest[i] ?? 0 }));
    // Worth what the member would get for them redeeming now: their tier's ratio as this view has it.
    deduction = refundDeduction(rs, ratioTier(rs, view.tier), pointsShort);
  }
  const batch = returnEntries(ctx, req, target, r, { reversed, bonuses, kept }, at, today);
  let entries: number[] = [];
  if (batch.length) {
    const w = ctx.ledger.append(state, batch);
    state = w.state;
    entries = w.entries.map((e) => e.seq);
    view = advanceView(ctx, rs, view, state, w.entries, today, locked);
  }
  return {
    entries,
    balance: view.balance,
    tier: view.tier,
    reversed,
    bonusReversed: sumPoints(bonuses),
    pointsShort,
    refundDeduction: deduction,
    basis,
  };
}

/** The campaign bonuses this return takes back (core/engine/bonus-return.ts), with the lots they name. */
function bonusesBack(target: ReturnTarget, kept: number): BonusBack[] {
  const { list, entryIds, taken } = target.bonuses;
  return bonusesTakenBack(list, kept, taken).map((b) => ({ ...b, lotId: entryIds[b.campaignId] }));
}

function sumPoints(list: readonly { points: number }[]): number {
  return list.reduce((a, b) => a + b.points, 0);
}

/** Restore, reverse, campaign-bonus reverse and stamp-return entries, in that order. */
function returnEntries(
  ctx: TillContext,
  req: ReturnRequest,
  target: ReturnTarget,
  r: ReturnFigures,
  back: { reversed: number; bonuses: readonly BonusBack[]; kept: number },
  at: string,
  today: string,
): NewEntry[] {
  const { reversed } = back;
  // The rule set of the original sale governs its reversal; today's governs dates.
  const saleRs = ctx.rules.version(target.ruleVersion) ?? ctx.rules.at(target.occurredAt);
  const saleDay = localDate(target.occurredAt, saleRs.timeZone).date;
  const common = {
    memberNo: target.memberNo as string,
    occurredAt: at,
    localDate: today,
    saleId: target.saleId,
    returnId: req.returnId,
  };
  const staff = req.staffId ? { staffId: req.staffId } : {};
  const batch: NewEntry[] = [];
  // Restore first, so points given back can cover a reversal on a low balance.
  if (r.pointsRestored > 0) {
    // Decision: given-back points expire as if earned on the original sale's date.
    batch.push({
      ...common,
      kind: 'restore',
      points: r.pointsRestored,
      expiresOn: expiryDate(saleRs, saleDay),
      data: { ...staff },
    });
  }
  if (reversed > 0 || r.returnedQualifying > 0) {
    batch.push({
      ...common,
      kind: 'reverse',
      points: reversed,
      spend: -r.returnedQualifying,
      // The spend leaves the window of the sale's own day (DOMAIN.md 12).
      data: { ...(target.earnLotId ? { lotId: target.earnLotId } : {}), spendOn: saleDay, ...staff },
    });
  }
  for (const b of back.bonuses) {
    batch.push({
      ...common,
      kind: 'reverse',
      // Written even at 0 points (all short under deductFromRefund): it marks the bonus taken back.
      points: b.points,
      // spendOn with no spend: the points leave the sale's day's lot, where the bonus went.
      data: {
        ...(b.lotId ? { lotId: b.lotId } : {}),
        campaignId: b.campaignId,
        bonusReturn: true,
        spendOn: saleDay,
        ...staff,
      },
    });
  }
  if (stampTakenBack(target.comp.stampEarned, saleRs.stampCard?.threshold, back.kept, target.stampTaken)) {
    batch.push({ ...common, kind: 'stamp_return', points: 0, data: { stamp: 1, ...staff } });
  }
  return batch;
}

function returnResult(
  req: ReturnRequest,
  target: ReturnTarget,
  r: ReturnFigures,
  m: MemberOutcome,
  at: string,
): ReturnResult {
  return {
    returnId: req.returnId,
    originalSaleId: target.saleId,
    memberNo: target.memberNo,
    pointsReversed: m.reversed,
    bonusReversed: m.bonusReversed,
    pointsRestored: r.pointsRestored,
    pointsShort: m.pointsShort,
    refundDeduction: m.refundDeduction,
    returnedAmount: r.returnedAmount,
    balance: m.balance,
    tier: m.tier,
    returned: r.returned,
    previouslyReturned: target.previouslyReturned,
    fullyReturned: r.fullyReturned,
    entries: m.entries,
    occurredAt: at,
  };
}
