/**
 * Returns against an earlier sale (DOMAIN.md 6). The keep-floor arithmetic is the engine's;
 * this file decides which entries carry it and commits them with the return record.
 */
import { computeReturn } from '../../core/engine/returns.js';
import type { LineResult } from '../../core/engine/types.js';
import { lotIdOf } from '../../core/ledger/entry.js';
import { expiryDate } from '../../core/ledger/expiry.js';
import { localDate } from '../../core/time.js';
import type { NewEntry } from '../db/ledger.js';
import type { ReturnRequest, ReturnResponse } from '../api/schemas.js';
import type { TillContext } from './context.js';
import { TillError } from './errors.js';
import { refuseFutureInstant, requestHash } from './sales.js';
import { settleMember } from './settle.js';
import { lockedAfter } from './members.js';
import { advanceView, memberView } from './view.js';

export type ReturnResult = ReturnResponse;

interface SaleComputation {
  lines: LineResult[];
  earned: number;
  pointsRedeemed: number;
  stampEarned: number;
}

export function recordReturn(ctx: TillContext, req: ReturnRequest): { result: ReturnResult; replayed: boolean } {
  const hash = requestHash(req);
  const recordedAt = ctx.now().toISOString();
  const at = req.occurredAt ?? recordedAt;
  const out = ctx.db
    .transaction(() => {
      const existing = ctx.sales.returnById(req.returnId);
      if (existing) {
        if (existing.requestHash !== hash) {
          throw new TillError(
            'idempotency_conflict',
            `return ${req.returnId} was already recorded with a different body`,
            'returnId',
          );
        }
        return { result: existing.result as ReturnResult, replayed: true };
      }
      refuseFutureInstant(ctx, at);
      const sale = ctx.sales.sale(req.originalSaleId);
      if (!sale) throw new TillError('unknown_sale', `no sale ${req.originalSaleId} on this till`, 'originalSaleId');
      const comp = sale.computation as SaleComputation;
      const previouslyReturned: Record<string, number> = Object.create(null) as Record<string, number>;
      for (const r of ctx.sales.returnsOf(sale.saleId)) {
        for (const [sku, q] of Object.entries((r.result as ReturnResult).returned)) {
          previouslyReturned[sku] = (previouslyReturned[sku] ?? 0) + q;
        }
      }
      const r = computeReturn({
        lines: comp.lines,
        earned: comp.earned,
        pointsRedeemed: comp.pointsRedeemed,
        previouslyReturned,
        returning: req.lines,
      });

      // The rule set of the original sale governs its reversal; today's governs dates.
      const saleRs = ctx.rules.version(sale.ruleVersion) ?? ctx.rules.at(sale.occurredAt);
      const rs = ctx.rules.at(at);
      const today = localDate(at, rs.timeZone).date;
      let entries: number[] = [];
      let balance: number | null = null;
      let tier: string | null = null;
      let pointsShort = 0;
      let reversed = r.pointsReversed;
      if (sale.memberNo) {
        const locked = lockedAfter(rs, today);
        let state = settleMember(ctx, rs, sale.memberNo, { occurredAt: at, localDate: today });
        // The member's points at every store cover a reversal (DOMAIN.md 12), not this till's alone.
        let view = memberView(ctx, rs, state, today, locked);
        if (rs.returns.insufficientBalance === 'deductFromRefund') {
          const coverable = Math.max(0, view.balance + r.pointsRestored);
          pointsShort = Math.max(0, reversed - coverable);
          reversed -= pointsShort;
        }
        const earnSeq = ctx.ledger.saleEntry(sale.saleId, 'earn')?.seq;
        const common = {
          memberNo: sale.memberNo,
          occurredAt: at,
          localDate: today,
          saleId: sale.saleId,
          returnId: req.returnId,
        };
        const staff = req.staffId ? { staffId: req.staffId } : {};
        const batch: NewEntry[] = [];
        // Restore first, so points given back can cover a reversal on a low balance.
        if (r.pointsRestored > 0) {
          // Decision: given-back points expire as if earned on the original sale's date.
          const saleDay = localDate(sale.occurredAt, saleRs.timeZone).date;
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
            data: {
              ...(earnSeq ? { lotId: lotIdOf({ tillId: ctx.identity.tillId, seq: earnSeq }) } : {}),
              // The spend leaves the window of the sale's own day (DOMAIN.md 12).
              spendOn: localDate(sale.occurredAt, saleRs.timeZone).date,
              ...staff,
            },
          });
        }
        // A stamp was earned for spend the customer no longer keeps below the threshold: take it back.
        const threshold = saleRs.stampCard?.threshold;
        if (comp.stampEarned > 0 && threshold !== undefined) {
          // The eligible spend the customer keeps after this and every earlier return:
          // floor(Σ eligible_i × remaining_i / qty_i), the engine's keep-share with "earned" = Σ eligible.
          const eligibleBefore = comp.lines.reduce((a, l) => a + l.eligible, 0);
          const remainingEligible = computeReturn({
            lines: comp.lines,
            earned: eligibleBefore,
            pointsRedeemed: 0,
            previouslyReturned,
            returning: req.lines,
          }).pointsKept;
          if (remainingEligible < threshold && !stampAlreadyTaken(ctx, sale.saleId)) {
            batch.push({ ...common, kind: 'stamp_return', points: 0, data: { stamp: 1, ...staff } });
          }
        }
        if (batch.length) {
          const w = ctx.ledger.append(state, batch);
          state = w.state;
          entries = w.entries.map((e) => e.seq);
          view = advanceView(rs, view, state, w.entries, today, locked);
        }
        balance = view.balance;
        tier = view.tier;
      }
      const result: ReturnResult = {
        returnId: req.returnId,
        originalSaleId: sale.saleId,
        memberNo: sale.memberNo,
        pointsReversed: reversed,
        pointsRestored: r.pointsRestored,
        pointsShort,
        refundDeduction: Math.ceil((pointsShort * 100) / rs.redemption.pointsPerCurrencyUnit),
        returnedAmount: r.returnedAmount,
        balance,
        tier,
        returned: r.returned,
        fullyReturned: r.fullyReturned,
        entries,
        occurredAt: at,
      };
      ctx.sales.putReturn(
        {
          returnId: req.returnId,
          originalSaleId: sale.saleId,
          requestHash: hash,
          request: req,
          result,
          occurredAt: at,
        },
        recordedAt,
      );
      ctx.outbox.add('return', req.returnId, recordedAt);
      return { result, replayed: false };
    })
    .immediate();
  if (!out.replayed) {
    ctx.log.log('info', 'return_recorded', {
      returnId: req.returnId,
      saleId: req.originalSaleId,
      reversed: out.result.pointsReversed,
    });
    ctx.events.publish({ type: 'return', returnId: req.returnId, saleId: req.originalSaleId });
  }
  return out;
}

function stampAlreadyTaken(ctx: TillContext, saleId: string): boolean {
  return ctx.ledger.saleEntry(saleId, 'stamp_return') !== null;
}
