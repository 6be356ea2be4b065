/**
 * Sales and returns as tills upload them, each sale checked against head office's own
 * recomputation (domain/recompute.ts). Records are keyed by (till, id): a POS receipt number
 * is unique per till, not across the chain. A resent record is ignored.
 */
import { lowestTier } from '../../core/engine/tiers.js';
import { emptyState } from '../../core/ledger/state.js';
import type { ReturnRecord, SaleRecord } from '../../core/sync/protocol.js';
import type { HqCipher } from '../crypto.js';
import { foldHq } from '../domain/fold.js';
import { checkSale, type SaleCheck } from '../domain/recompute.js';
import { memberBirthday } from './sqlite-members.js';
import type { RuleSetCache } from './sqlite-rulesets.js';
import { q, rowToEntry, type Db, type LedgerRow } from './sqlite-db.js';

export interface SalesDeps {
  db: Db;
  cipher: HqCipher;
  rules: RuleSetCache;
}

function check(d: SalesDeps, tillId: string, sale: SaleRecord): SaleCheck {
  const { db } = d;
  const rs = d.rules.version(sale.ruleVersion);
  const saleEntries =
    sale.memberNo === null
      ? []
      : (
          q(
            db,
            `SELECT * FROM ledger WHERE till_id = ? AND sale_id = ? AND member_no = ? AND return_id IS NULL
             ORDER BY seq`,
          ).all(tillId, sale.saleId, sale.memberNo) as LedgerRow[]
        ).map(rowToEntry);
  const first = saleEntries[0];
  let tillView = null;
  if (sale.memberNo !== null && first && rs) {
    // The till's own chain for this member before the sale: exactly what the till computed with.
    const before = (
      q(db, 'SELECT * FROM ledger WHERE till_id = ? AND member_no = ? AND seq < ? ORDER BY seq').all(
        tillId,
        sale.memberNo,
        first.seq,
      ) as LedgerRow[]
    ).map(rowToEntry);
    tillView = foldHq(emptyState(sale.memberNo, lowestTier(rs).code), before);
  }
  const birthday = sale.memberNo === null ? null : memberBirthday(db, d.cipher, sale.memberNo);
  return checkSale({ sale, ruleSet: rs, saleEntries, tillView, birthday });
}

export function recordSales(
  d: SalesDeps,
  till: { tillId: string; storeId: string },
  sales: readonly SaleRecord[],
  now: Date,
): { inserted: number; mismatches: string[] } {
  const out = { inserted: 0, mismatches: [] as string[] };
  for (const s of sales) {
    if (q(d.db, 'SELECT 1 FROM sales WHERE till_id = ? AND sale_id = ?').get(till.tillId, s.saleId)) continue;
    const c = check(d, till.tillId, s);
    q(
      d.db,
      `INSERT INTO sales (till_id, sale_id, store_id, member_no, rule_version, request, points_earned, bonus_points,
         points_redeemed, total, occurred_at, recomputed_points, recomputed_bonus, mismatch, check_note, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      till.tillId,
      s.saleId,
      till.storeId,
      s.memberNo,
      s.ruleVersion,
      JSON.stringify(s.request),
      s.pointsEarned,
      s.bonusPoints,
      s.pointsRedeemed,
      s.total,
      s.occurredAt,
      c.recomputedPoints,
      c.recomputedBonus,
      c.mismatch ? 1 : 0,
      c.note,
      now.toISOString(),
    );
    out.inserted += 1;
    if (c.mismatch) out.mismatches.push(s.saleId);
  }
  return out;
}

interface PendingRow {
  sale_id: string;
  member_no: string | null;
  rule_version: number;
  request: string;
  points_earned: number;
  bonus_points: number;
  points_redeemed: number;
  total: number;
  occurred_at: string;
}

/** Sales that arrived before their entries are checked once the entries are in. */
export function recheckPending(d: SalesDeps, tillId: string, saleIds: ReadonlySet<string>): string[] {
  const mismatches: string[] = [];
  for (const saleId of saleIds) {
    const r = q(d.db, "SELECT * FROM sales WHERE till_id = ? AND sale_id = ? AND check_note = 'pending'").get(
      tillId,
      saleId,
    ) as PendingRow | undefined;
    if (!r) continue;
    const c = check(d, tillId, {
      saleId: r.sale_id,
      memberNo: r.member_no,
      ruleVersion: r.rule_version,
      request: JSON.parse(r.request) as Record<string, unknown>,
      pointsEarned: r.points_earned,
      bonusPoints: r.bonus_points,
      pointsRedeemed: r.points_redeemed,
      total: r.total,
      occurredAt: r.occurred_at,
    });
    q(
      d.db,
      `UPDATE sales SET recomputed_points = ?, recomputed_bonus = ?, mismatch = ?, check_note = ?
       WHERE till_id = ? AND sale_id = ?`,
    ).run(c.recomputedPoints, c.recomputedBonus, c.mismatch ? 1 : 0, c.note, tillId, saleId);
    if (c.mismatch) mismatches.push(saleId);
  }
  return mismatches;
}

export function recordReturns(d: SalesDeps, tillId: string, returns: readonly ReturnRecord[], now: Date): number {
  let inserted = 0;
  for (const r of returns) {
    const res = q(
      d.db,
      `INSERT OR IGNORE INTO returns (till_id, return_id, original_sale_id, request, points_reversed, points_restored,
         occurred_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      tillId,
      r.returnId,
      r.originalSaleId,
      JSON.stringify(r.request),
      r.pointsReversed,
      r.pointsRestored,
      r.occurredAt,
      now.toISOString(),
    );
    inserted += res.changes;
  }
  return inserted;
}
