/**
 * Returns as tills upload them, each checked against head office's own recomputation
 * (domain/return-check.ts). Keyed by (till, returnId); a resent record is ignored. What a batch's
 * returns need is read once for the batch: the original sales, the returns of those sales held
 * before, and the till's earlier ledger entries for them; a batch's own entries come from memory.
 */
import { SaleComputation, type ReturnRecord } from '../../core/sync/protocol.js';
import { bonusReturnOf } from '../../core/engine/bonus-return.js';
import type { EntryData } from '../../core/ledger/entry.js';
import { checkReturn, type Quantities, type ReturnCheckInput, type ReturnEntry } from '../domain/return-check.js';
import { reviewedTier } from '../../core/engine/decide.js';
import { ratioTier, refundDeduction } from '../../core/engine/redeem.js';
import { all, insertMany, withJsonList, type Sql, type SqlValue } from '../../storage/sql.js';
import { rowToEntry, type LedgerRow } from './rows.js';
import { returnedBy, tillViewAt, type SaleBatch, type SalesDeps } from './sales.js';
import { lowestTier } from '../../core/engine/tiers.js';
import { visibleBalance } from '../../core/ledger/state.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import { localDate } from '../../core/time.js';

interface HeldReturn {
  tillId: string;
  returned: Quantities;
  receivedMs: number;
  /** campaigns whose bonus it took back */
  bonusesTaken: readonly string[];
  /** it took back the sale's stamp */
  stampTaken: boolean;
}

interface OriginalRow {
  till_id: string;
  sale_id: string;
  member_no: string | null;
  computation: string | null;
  rule_version: number;
}

type Original = { memberNo: string | null; computation: SaleComputation | null; ruleVersion: number };

const keyOf = (tillId: string, saleId: string): string => `${tillId}\n${saleId}`;

/** The uploading till's (or the sale's) till id of a return's original sale. */
const originTill = (tillId: string, r: ReturnRecord): string => r.originalTillId ?? tillId;

/** Sale ids of `returns` grouped by the till that rang each sale up. */
function salesByTill(tillId: string, returns: readonly ReturnRecord[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of returns) {
    const t = originTill(tillId, r);
    const list = out.get(t) ?? [];
    if (!list.includes(r.originalSaleId)) list.push(r.originalSaleId);
    out.set(t, list);
  }
  return out;
}

function* knownReturns(tillId: string, returns: readonly ReturnRecord[]): Sql<Set<string>> {
  const rows = (yield* all(
    withJsonList((isIn) => `SELECT return_id FROM returns WHERE till_id = ? AND ${isIn('return_id')}`, 'text'),
    tillId,
    JSON.stringify(returns.map((r) => r.returnId)),
  )) as { return_id: string }[];
  return new Set(rows.map((r) => r.return_id));
}

function* originals(byTill: ReadonlyMap<string, string[]>): Sql<Map<string, Original>> {
  const out = new Map<string, Original>();
  for (const [tillId, saleIds] of byTill) {
    const rows = (yield* all(
      withJsonList(
        (isIn) =>
          `SELECT till_id, sale_id, member_no, computation, rule_version FROM sales WHERE till_id = ? AND ${isIn('sale_id')}`,
        'text',
      ),
      tillId,
      JSON.stringify(saleIds),
    )) as OriginalRow[];
    for (const r of rows) {
      const comp = r.computation === null ? null : SaleComputation.safeParse(JSON.parse(r.computation));
      out.set(keyOf(r.till_id, r.sale_id), {
        memberNo: r.member_no,
        computation: comp?.success ? comp.data : null,
        ruleVersion: Number(r.rule_version),
      });
    }
  }
  return out;
}

type HeldRow = { till_id: string; return_id: string; original_sale_id: string; request: string; received_at: string };

/** Every till's returns of the sales, as held before this batch. */
function* heldReturns(byTill: ReadonlyMap<string, string[]>): Sql<Map<string, HeldReturn[]>> {
  const out = new Map<string, HeldReturn[]>();
  for (const [tillId, saleIds] of byTill) {
    const rows = (yield* all(
      withJsonList(
        (
          isIn,
        ) => `SELECT till_id, return_id, original_sale_id, request, received_at FROM returns INDEXED BY returns_original
         WHERE original_till_id = ? AND ${isIn('original_sale_id')} ORDER BY till_id, return_id`,
        'text',
      ),
      tillId,
      JSON.stringify(saleIds),
    )) as HeldRow[];
    const taken = yield* takenBackBy(rows);
    for (const r of rows) {
      const key = keyOf(tillId, r.original_sale_id);
      const list = out.get(key) ?? [];
      list.push({
        tillId: r.till_id,
        returned: returnedBy(JSON.parse(r.request) as Record<string, unknown>),
        receivedMs: Date.parse(r.received_at),
        bonusesTaken: taken.bonuses.get(keyOf(r.till_id, r.return_id)) ?? [],
        stampTaken: taken.stamps.has(keyOf(r.till_id, r.return_id)),
      });
      out.set(key, list);
    }
  }
  return out;
}

/**
 * What each held return took back besides the sale's points, keyed by (its till, returnId): the
 * campaign bonuses (its bonus reversals) and the stamp (a `stamp_return`).
 */
function* takenBackBy(held: readonly HeldRow[]): Sql<{ bonuses: Map<string, string[]>; stamps: Set<string> }> {
  const bonuses = new Map<string, string[]>();
  const stamps = new Set<string>();
  const salesOf = new Map<string, Set<string>>();
  for (const h of held) salesOf.set(h.till_id, (salesOf.get(h.till_id) ?? new Set()).add(h.original_sale_id));
  for (const [tillId, saleIds] of salesOf) {
    const rows = (yield* all(
      withJsonList(
        (isIn) => `SELECT return_id, kind, data FROM ledger INDEXED BY ledger_till_sale
         WHERE till_id = ? AND ${isIn('sale_id')} AND kind IN ('reverse', 'stamp_return') AND return_id IS NOT NULL`,
        'text',
      ),
      tillId,
      JSON.stringify([...saleIds]),
    )) as { return_id: string; kind: string; data: string }[];
    for (const r of rows) {
      const key = keyOf(tillId, r.return_id);
      if (r.kind === 'stamp_return') {
        stamps.add(key);
        continue;
      }
      const campaignId = bonusReturnOf({ kind: r.kind, data: JSON.parse(r.data) as EntryData });
      if (campaignId !== null) bonuses.set(key, [...(bonuses.get(key) ?? []), campaignId]);
    }
  }
  return { bonuses, stamps };
}

type EntrySums = ReturnEntry & { seq: number };

/** The till's ledger entries for each return: earlier batches' from the ledger, this one's from memory. */
function* entriesOfReturns(
  batch: SaleBatch,
  tillId: string,
  returns: readonly ReturnRecord[],
): Sql<Map<string, EntrySums[]>> {
  const out = new Map<string, EntrySums[]>();
  const add = (returnId: string | null, e: EntrySums): void => {
    if (returnId === null) return;
    const list = out.get(returnId) ?? [];
    list.push(e);
    out.set(returnId, list);
  };
  const saleIds = [...new Set(returns.map((r) => r.originalSaleId))];
  if (batch.chain.ackBefore > 0) {
    const rows = (yield* all(
      withJsonList(
        (isIn) => `SELECT * FROM ledger INDEXED BY ledger_till_sale
         WHERE till_id = ? AND ${isIn('sale_id')} AND return_id IS NOT NULL ORDER BY seq`,
        'text',
      ),
      tillId,
      JSON.stringify(saleIds),
    )) as LedgerRow[];
    // The batch's own rows may be written already; they are taken from memory below.
    for (const e of rows.filter((r) => r.seq <= batch.chain.ackBefore).map(rowToEntry)) add(e.returnId, e);
  }
  for (const id of saleIds) for (const e of batch.bySale.get(id) ?? []) add(e.returnId, e);
  return out;
}

function sumOf(list: readonly HeldReturn[], keep: (h: HeldReturn) => boolean): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const h of list) {
    if (!keep(h)) continue;
    for (const [sku, milli] of Object.entries(h.returned)) out[sku] = (out[sku] ?? 0) + milli;
  }
  return out;
}

const RETURN_COLUMNS = [
  'till_id',
  'return_id',
  'original_sale_id',
  'original_till_id',
  'request',
  'points_reversed',
  'points_restored',
  'occurred_at',
  'received_at',
  'recomputed_reversed',
  'recomputed_restored',
  'mismatch',
  'check_note',
] as const;

/**
 * The member in the till's view just before the return's first entry, rebuilt from the return's
 * basis as a sale's view is (sales.ts tillViewAt), when a shortfall under `deductFromRefund` is to
 * be checked against it: the visible balance, and what the refund keeps for points short at the
 * tier the till saw (main/service/view.ts). Nothing when it cannot be rebuilt (a till before
 * `basis`, or a return that wrote no entry to anchor it).
 */
function* tillSawOf(
  batch: SaleBatch,
  r: ReturnRecord,
  memberNo: string | null,
  entries: readonly EntrySums[],
  rs: RuleSet,
): Sql<Pick<ReturnCheckInput, 'viewBalance' | 'deductionFor'>> {
  if (rs.returns.insufficientBalance !== 'deductFromRefund' || r.basis === undefined || memberNo === null) {
    return {};
  }
  if (entries.length === 0) return {};
  const first = Math.min(...entries.map((e) => e.seq));
  const view = yield* tillViewAt(batch, memberNo, r.basis, lowestTier(rs).code, first);
  const today = localDate(r.occurredAt, rs.timeZone).date;
  const tier = ratioTier(rs, reviewedTier(rs, view, today));
  return { viewBalance: visibleBalance(view, today), deductionFor: (short) => refundDeduction(rs, tier, short) };
}

export function* recordReturns(
  d: SalesDeps,
  batch: SaleBatch,
  tillId: string,
  returns: readonly ReturnRecord[],
  now: Date,
): Sql<{ inserted: number; mismatches: string[] }> {
  const out = { inserted: 0, mismatches: [] as string[] };
  if (returns.length === 0) return out;
  const known = yield* knownReturns(tillId, returns);
  const fresh = returns.filter((r) => !known.has(r.returnId));
  if (fresh.length === 0) return out;
  const byTill = salesByTill(tillId, fresh);
  const sales = yield* originals(byTill);
  const held = yield* heldReturns(byTill);
  const entries = yield* entriesOfReturns(batch, tillId, fresh);
  const rulesAt = yield* d.rules.inForceAt();
  const at = now.toISOString();
  const rows: SqlValue[][] = [];
  for (const r of fresh) {
    if (known.has(r.returnId)) continue;
    const key = keyOf(originTill(tillId, r), r.originalSaleId);
    const before = held.get(key) ?? [];
    const occurredMs = Date.parse(r.occurredAt);
    const mine = entries.get(r.returnId) ?? [];
    const original = sales.get(key) ?? null;
    // The stamp card of the rule set the sale was rung up under, as the till takes it (main/service/returns.ts).
    const saleRules = original ? yield* d.rules.version(original.ruleVersion) : null;
    const rs = yield* rulesAt(new Date(r.occurredAt));
    const c = checkReturn({
      ret: r,
      original,
      ownEarlier: sumOf(before, (h) => h.tillId === tillId),
      others: sumOf(before, (h) => h.tillId !== tillId),
      othersBefore: sumOf(before, (h) => h.tillId !== tillId && h.receivedMs <= occurredMs),
      bonusesTaken: before.flatMap((h) => h.bonusesTaken),
      ...(saleRules
        ? { stamp: { threshold: saleRules.stampCard?.threshold, takenBefore: before.some((h) => h.stampTaken) } }
        : {}),
      entries: mine,
      policy: rs.returns.insufficientBalance,
      ...(yield* tillSawOf(batch, r, original?.memberNo ?? null, mine, rs)),
    });
    rows.push([
      tillId,
      r.returnId,
      r.originalSaleId,
      originTill(tillId, r),
      JSON.stringify(r.request),
      r.pointsReversed,
      r.pointsRestored,
      r.occurredAt,
      at,
      c.recomputedReversed,
      c.recomputedRestored,
      c.mismatch ? 1 : 0,
      c.note,
    ]);
    // A later return of the same sale in this batch counts this one as earlier.
    held.set(key, [
      ...before,
      {
        tillId,
        returned: returnedBy(r.request),
        receivedMs: now.getTime(),
        bonusesTaken: mine.flatMap((e) => bonusReturnOf(e) ?? []),
        stampTaken: mine.some((e) => e.kind === 'stamp_return'),
      },
    ]);
    known.add(r.returnId);
    out.inserted += 1;
    if (c.mismatch) out.mismatches.push(r.returnId);
  }
  // Nothing above reads `returns` after the batch's reads, so its rows go in as one statement.
  yield* insertMany('returns', RETURN_COLUMNS, rows);
  return out;
}
