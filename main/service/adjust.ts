/**
 * Manual points adjustments at the till (DOMAIN.md 4 anti-fraud, 10 attribution).
 *
 * 1. The API edge (main/api/adjust-routes.ts) has already established who approves: a
 *    supervisor's or admin's own session, or a cashier with a supervisor's PIN. This module
 *    trusts `approvedBy` and never sees a PIN.
 * 2. In one synchronous IMMEDIATE transaction: settle the member, read the merged view
 *    (DOMAIN.md 12), refuse a debit above the member's spendable points on that view
 *    (`insufficient_points`: an adjustment never takes a balance below zero, DOMAIN.md 4),
 *    append one `adjust_credit` / `adjust_debit` entry with the approver (`staffId`) and the
 *    cashier who keyed it (`cashierId`, when someone else), and keep the reason sealed beside
 *    it (main/db/adjustment-notes.ts), keyed by the entry's seq. The reason is free text a
 *    cashier may have put a name or phone number in: in the hash-chained entry, which is
 *    append-only here and at head office, erasure could not remove it (DOMAIN.md 10).
 *    Entries written before keep theirs in `data.note`.
 * 3. The entry travels to head office with the till's chain like every entry, and the reason
 *    with the same batch (UploadBatch.adjustmentNotes): no outbox row.
 * 4. After the commit, log `adjustment_recorded` with ids and numbers only, never the reason.
 */
import { expiryDate } from '../../core/ledger/expiry.js';
import { localDate } from '../../core/time.js';
import { adjustmentNote, putAdjustmentNote } from '../db/adjustment-notes.js';
import type { TillContext } from './context.js';
import { TillError } from './errors.js';
import { activeMemberView, advanceView } from './view.js';

export interface AdjustmentInput {
  memberNo: string;
  points: number;
  direction: 'credit' | 'debit';
  reason: string;
  /** the supervisor or admin whose PIN or session approved it */
  approvedBy: string;
  /** the signed-in staff member who keyed it */
  keyedBy: string;
}

export interface AdjustmentResult {
  memberNo: string;
  direction: 'credit' | 'debit';
  points: number;
  balance: number;
  spendable: number;
  entry: number;
  /** the reason, as kept sealed beside the entry */
  reason: string;
  staffId: string;
  cashierId: string | null;
  occurredAt: string;
}

export function adjustPoints(ctx: TillContext, req: AdjustmentInput): AdjustmentResult {
  const now = ctx.now().toISOString();
  const rs = ctx.rules.at(now);
  const today = localDate(now, rs.timeZone).date;
  const cashierId = req.keyedBy !== req.approvedBy ? req.keyedBy : null;
  const out = ctx.db
    .transaction(() => {
      const { member, own, view, locked } = activeMemberView(ctx, rs, req.memberNo, {
        occurredAt: now,
        localDate: today,
      });
      // Points earned at every store count (DOMAIN.md 12); a debit never makes a debt.
      if (req.direction === 'debit' && req.points > view.spendable) {
        throw new TillError(
          'insufficient_points',
          `the member has ${Math.max(0, view.spendable)} spendable points; a debit cannot take more`,
          'points',
        );
      }
      const w = ctx.ledger.append(own, [
        {
          memberNo: member.memberNo,
          kind: req.direction === 'credit' ? 'adjust_credit' : 'adjust_debit',
          points: req.points,
          occurredAt: now,
          localDate: today,
          // Credited points expire like any points earned today (docs/decisions.md).
          ...(req.direction === 'credit' ? { expiresOn: expiryDate(rs, today) } : {}),
          // The reason is not in the chain: it is kept sealed beside the entry.
          data: { staffId: req.approvedBy, ...(cashierId ? { cashierId } : {}) },
        },
      ]);
      const seq = w.entries[0]?.seq ?? 0;
      putAdjustmentNote(ctx.db, ctx.cipher, seq, member.memberNo, req.reason);
      const after = advanceView(ctx, rs, view, w.state, w.entries, today, locked);
      return {
        balance: after.balance,
        spendable: after.spendable,
        entry: seq,
        reason: adjustmentNote(ctx.db, ctx.cipher, seq) ?? req.reason,
      };
    })
    .immediate();
  ctx.log.log('info', 'adjustment_recorded', {
    memberNo: req.memberNo,
    direction: req.direction,
    points: req.points,
    seq: out.entry,
    staffId: req.approvedBy,
    cashier: cashierId,
  });
  return {
    memberNo: req.memberNo,
    direction: req.direction,
    points: req.points,
    ...out,
    staffId: req.approvedBy,
    cashierId,
    occurredAt: now,
  };
}
