/**
 * Sales and returns as tills upload them, each sale checked against head office's own
 * recomputation (domain/recompute.ts). Records are keyed by (till, id): a POS receipt number
 * is unique per till, not across the chain. A resent record is ignored.
 */
import type { AggSale } from '../../core/aggregates.js';
import { parseQuantity } from '../../core/engine/basket.js';
import { lowestTier } from '../../core/engine/tiers.js';
import { bonusReturnOf } from '../../core/engine/bonus-return.js';
import { lotIdOf, type EntryData } from '../../core/ledger/entry.js';
import { SaleComputation, type OriginalSale, type SaleRecord } from '../../core/sync/protocol.js';
import type { HqCipher } from '../crypto.js';
import { checkSale, type SaleCheck } from '../domain/recompute.js';
import type { HqEntry } from '../domain/order.js';
import type { IngestCaches } from './cache.js';
import { memberBirthday } from './members.js';
import type { RuleSetCache } from './rulesets.js';
import { all, get, insertMany, run, withJsonList, type Sql, type SqlValue } from '../../storage/sql.js';
import type { Tx as Db } from './tx.js';
import { rowToEntry, type LedgerRow } from './rows.js';
import { prefetchGaps, tillViewAfter, tillViewBefore, type BatchChain } from './tillview.js';
import type { MemberState } from '../../core/ledger/state.js';
import type { OriginalSaleOutcome, SaleNarrowing } from './types.js';

/** The member's merged state as the balance change at or before `cursor` confirmed it to tills. */
function* confirmedAt(
  memberNo: string,
  cursor: number,
): Sql<{ state: MemberState; includes: Record<string, number> } | null> {
  const r = (yield* get(
    `SELECT payload FROM changes INDEXED BY changes_ref WHERE ref = ? AND cursor <= ? AND type = 'balance'
     ORDER BY cursor DESC LIMIT 1`,
    memberNo,
    cursor,
  )) as { payload: string } | undefined;
  if (!r) return null;
  const p = JSON.parse(r.payload) as { state?: MemberState; includes: Record<string, number> };
  return p.state ? { state: p.state, includes: p.includes } : null;
}

export interface SalesDeps {
  db: Db;
  cipher: HqCipher;
  rules: RuleSetCache;
}

/**
 * What one batch's sale checks share: the chain it extends (for the till's view), its new
 * entries by sale, the entries of its sales head office held before it (one read for the
 * batch), and birthdays read once per member.
 */
export interface SaleBatch {
  caches: IngestCaches;
  chain: BatchChain;
  bySale: ReadonlyMap<string, readonly HqEntry[]>;
  held: ReadonlyMap<string, readonly HqEntry[]>;
  birthdays: Map<string, string | null | undefined>;
  /** members' encrypted birthdays read for the batch at once (absent: no member record), decrypted when used */
  birthdayRows: Map<string, Buffer | null | undefined>;
}

function groupBySale(entries: Iterable<HqEntry>): Map<string, HqEntry[]> {
  const out = new Map<string, HqEntry[]>();
  for (const e of entries) {
    if (e.saleId === null) continue;
    const list = out.get(e.saleId);
    if (list) list.push(e);
    else out.set(e.saleId, [e]);
  }
  return out;
}

export function* saleBatch(
  caches: IngestCaches,
  chain: BatchChain,
  tail: readonly HqEntry[],
  records: readonly SaleRecord[],
): Sql<SaleBatch> {
  const bySale = groupBySale(tail);
  // Every sale this batch may check: its records, and pending ones its entries complete.
  const ids = new Set([...records.map((r) => r.saleId), ...bySale.keys()]);
  // The batch's own entries (seq > ackBefore) are left out here, not in the SQL: with `seq <= ?`
  // a PostgreSQL planner short of statistics read the till's whole history by the primary key.
  const held =
    ids.size === 0 || chain.ackBefore === 0
      ? new Map<string, HqEntry[]>()
      : groupBySale(
          (
            (yield* all(
              withJsonList(
                (isIn) => `SELECT * FROM ledger INDEXED BY ledger_till_sale
                 WHERE till_id = ? AND ${isIn('sale_id')} ORDER BY seq`,
                'text',
              ),
              chain.tillId,
              JSON.stringify([...ids]),
            )) as LedgerRow[]
          )
            .filter((r) => r.seq <= chain.ackBefore)
            .map(rowToEntry),
        );
  yield* prefetchGaps(
    caches,
    chain,
    records.flatMap((r) => (r.memberNo === null ? [] : [r.memberNo])),
  );
  return { caches, chain, bySale, held, birthdays: new Map(), birthdayRows: new Map() };
}

function* birthdayOf(d: SalesDeps, batch: SaleBatch, memberNo: string): Sql<string | null | undefined> {
  // Member records do not change while a batch's sales are checked (they are upserted first).
  if (batch.birthdays.has(memberNo)) return batch.birthdays.get(memberNo);
  let b: string | null | undefined;
  if (batch.birthdayRows.has(memberNo)) {
    const enc = batch.birthdayRows.get(memberNo);
    b = enc === undefined ? undefined : enc === null ? null : d.cipher.decrypt(enc);
  } else b = yield* memberBirthday(d.cipher, memberNo);
  batch.birthdays.set(memberNo, b);
  return b;
}

/** The till's entries written by the sale for the member (not by its returns), in seq order. */
function saleEntries(batch: SaleBatch, saleId: string, memberNo: string): HqEntry[] {
  const out: HqEntry[] = [];
  // Held entries all have lower seqs than the batch's.
  for (const list of [batch.held.get(saleId), batch.bySale.get(saleId)]) {
    for (const e of list ?? []) if (e.memberNo === memberNo && e.returnId === null) out.push(e);
  }
  return out;
}

/** Reads the birthday records of `memberNos` for the batch in one statement (birthdayOf). */
function* readBirthdays(batch: SaleBatch, memberNos: Iterable<string>): Sql<void> {
  const nos = [...new Set(memberNos)].filter((no) => !batch.birthdays.has(no) && !batch.birthdayRows.has(no));
  if (nos.length === 0) return;
  const rows = (yield* all(
    withJsonList((isIn) => `SELECT member_no, birthday_enc FROM members WHERE ${isIn('member_no')}`, 'text'),
    JSON.stringify(nos),
  )) as { member_no: string; birthday_enc: Buffer | null }[];
  for (const no of nos) batch.birthdayRows.set(no, undefined);
  for (const r of rows) batch.birthdayRows.set(r.member_no, r.birthday_enc);
}

/**
 * What the till decided a sale or return on, just before its entry `seq`: the confirmed state
 * its basis names (DOMAIN.md 12), plus its own chain for the member after that; without one, its
 * own chain alone (from a view starting at `firstTier`).
 */
export function* tillViewAt(
  batch: SaleBatch,
  memberNo: string,
  basis: { cursor: number } | null | undefined,
  firstTier: string,
  seq: number,
): Sql<MemberState> {
  const snap = basis && basis.cursor > 0 ? yield* confirmedAt(memberNo, basis.cursor) : null;
  return snap
    ? yield* tillViewAfter(batch.chain, memberNo, snap.state, snap.includes[batch.chain.tillId] ?? 0, seq)
    : yield* tillViewBefore(batch.caches, batch.chain, memberNo, firstTier, seq);
}

function* check(d: SalesDeps, batch: SaleBatch, sale: SaleRecord, receivedAt: string): Sql<SaleCheck> {
  const rs = yield* d.rules.version(sale.ruleVersion);
  const entries = sale.memberNo === null ? [] : saleEntries(batch, sale.saleId, sale.memberNo);
  const first = entries[0];
  let tillView = null;
  if (sale.memberNo !== null && first && rs) {
    tillView = yield* tillViewAt(batch, sale.memberNo, sale.basis, lowestTier(rs).code, first.seq);
  }
  const birthday = sale.memberNo === null ? null : yield* birthdayOf(d, batch, sale.memberNo);
  return checkSale({ sale, ruleSet: rs, saleEntries: entries, tillView, birthday, receivedAt });
}

export function* recordSales(
  d: SalesDeps,
  batch: SaleBatch,
  till: { tillId: string; storeId: string },
  sales: readonly SaleRecord[],
  now: Date,
): Sql<{ inserted: number; mismatches: string[]; settled: Set<string>; recorded: AggSale[] }> {
  const out = { inserted: 0, mismatches: [] as string[], settled: new Set<string>(), recorded: [] as AggSale[] };
  if (sales.length === 0) return out;
  const at = now.toISOString();
  // Sales head office holds already (a resent record is ignored), read for the whole batch at once.
  const known = new Set(
    (
      (yield* all(
        withJsonList((isIn) => `SELECT sale_id FROM sales WHERE till_id = ? AND ${isIn('sale_id')}`, 'text'),
        till.tillId,
        JSON.stringify(sales.map((s) => s.saleId)),
      )) as { sale_id: string }[]
    ).map((r) => r.sale_id),
  );
  yield* readBirthdays(
    batch,
    sales.flatMap((s) => (known.has(s.saleId) || s.memberNo === null ? [] : [s.memberNo])),
  );
  // Written after the loop in one multi-row statement: nothing in it reads `sales`.
  const rows: SqlValue[][] = [];
  for (const s of sales) {
    if (known.has(s.saleId)) continue;
    const c = yield* check(d, batch, s, at);
    rows.push([
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
      at,
      s.recordedAt ?? null,
      s.basis ? JSON.stringify(s.basis) : null,
      s.computation ? JSON.stringify(s.computation) : null,
      staffIdOf(s.request),
    ]);
    known.add(s.saleId);
    out.inserted += 1;
    out.recorded.push({
      occurredAt: s.occurredAt,
      total: s.total,
      member: s.memberNo !== null,
      staffId: staffIdOf(s.request),
    });
    if (c.note !== 'pending') out.settled.add(s.saleId);
    if (c.mismatch) out.mismatches.push(s.saleId);
  }
  yield* insertMany('sales', SALE_COLUMNS, rows);
  return out;
}

const SALE_COLUMNS = [
  'till_id',
  'sale_id',
  'store_id',
  'member_no',
  'rule_version',
  'request',
  'points_earned',
  'bonus_points',
  'points_redeemed',
  'total',
  'occurred_at',
  'recomputed_points',
  'recomputed_bonus',
  'mismatch',
  'check_note',
  'received_at',
  'recorded_at',
  'basis',
  'computation',
  'staff_id',
] as const;

/** The staff member who rang the sale up, as the till's sale request names them (null when it does not). */
export function staffIdOf(request: Readonly<Record<string, unknown>>): string | null {
  const v = request.staffId;
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** A `sales` row as the till recorded the sale (without head office's check columns). */
export interface RecordedSaleRow {
  till_id: string;
  sale_id: string;
  store_id: string;
  member_no: string | null;
  rule_version: number;
  request: string;
  points_earned: number;
  bonus_points: number;
  points_redeemed: number;
  total: number;
  occurred_at: string;
  recorded_at: string | null;
  basis: string | null;
}

type PendingRow = Omit<RecordedSaleRow, 'till_id' | 'store_id'> & { received_at: string };

/**
 * Sales that arrived before their entries are checked once the entries are in. `settled`:
 * sales this batch recorded with a final check already (not pending), so not looked up again.
 */
export function* recheckPending(
  d: SalesDeps,
  batch: SaleBatch,
  tillId: string,
  saleIds: ReadonlySet<string>,
  settled: ReadonlySet<string>,
): Sql<string[]> {
  const mismatches: string[] = [];
  const ids = [...saleIds].filter((id) => !settled.has(id));
  if (ids.length === 0) return mismatches;
  // Read at once; checking one sale writes only its own row.
  const pending = new Map(
    (
      (yield* all(
        withJsonList(
          (isIn) => `SELECT * FROM sales WHERE till_id = ? AND ${isIn('sale_id')} AND check_note = 'pending'`,
          'text',
        ),
        tillId,
        JSON.stringify(ids),
      )) as PendingRow[]
    ).map((r) => [r.sale_id, r]),
  );
  for (const saleId of ids) {
    const r = pending.get(saleId);
    if (!r) continue;
    const c = yield* check(
      d,
      batch,
      {
        saleId: r.sale_id,
        memberNo: r.member_no,
        ruleVersion: r.rule_version,
        request: JSON.parse(r.request) as Record<string, unknown>,
        pointsEarned: r.points_earned,
        bonusPoints: r.bonus_points,
        pointsRedeemed: r.points_redeemed,
        total: r.total,
        occurredAt: r.occurred_at,
        ...(r.recorded_at ? { recordedAt: r.recorded_at } : {}),
        basis: r.basis === null ? null : (JSON.parse(r.basis) as SaleRecord['basis']),
      },
      r.received_at,
    );
    yield* run(
      `UPDATE sales SET recomputed_points = ?, recomputed_bonus = ?, mismatch = ?, check_note = ?
       WHERE till_id = ? AND sale_id = ?`,
      c.recomputedPoints,
      c.recomputedBonus,
      c.mismatch ? 1 : 0,
      c.note,
      tillId,
      saleId,
    );
    if (c.mismatch) mismatches.push(saleId);
  }
  return mismatches;
}

interface OriginalSaleRow {
  till_id: string;
  store_id: string;
  sale_id: string;
  member_no: string | null;
  rule_version: number;
  request: string;
  computation: string | null;
  points_earned: number;
  points_redeemed: number;
  occurred_at: string;
}

/**
 * Quantities (thousandths per sku) a return's request took back. The till validated the lines;
 * a line that does not read as one (a damaged or hostile record) counts nothing rather than
 * making the sale impossible to look up.
 */
export function returnedBy(request: Readonly<Record<string, unknown>>): Record<string, number> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  const lines = request.lines;
  if (!Array.isArray(lines)) return out;
  lines.forEach((l: { sku?: unknown; quantity?: unknown }, i) => {
    if (typeof l?.sku !== 'string') return;
    try {
      out[l.sku] = (out[l.sku] ?? 0) + parseQuantity(l.quantity, `lines[${i}]`);
    } catch {
      // counted as nothing (see above)
    }
  });
  return out;
}

/**
 * Every till's returns of one till's sale, and what of the sale's once-only extras they took
 * back: its stamp (a `stamp_return` entry), its campaign bonuses (a bonus reversal, `reverse`
 * with `data.bonusReturn`).
 */
function* returnsOfSale(
  tillId: string,
  saleId: string,
): Sql<Pick<OriginalSale, 'returned' | 'returns' | 'stampReturned' | 'bonusesReturned'>> {
  const rows = (yield* all(
    `SELECT till_id, return_id, request FROM returns INDEXED BY returns_original
     WHERE original_till_id = ? AND original_sale_id = ? ORDER BY till_id, return_id`,
    tillId,
    saleId,
  )) as { till_id: string; return_id: string; request: string }[];
  const returned: Record<string, number> = Object.create(null) as Record<string, number>;
  let stampReturned = false;
  const bonusesReturned = new Set<string>();
  const returns = [];
  for (const r of rows) {
    const q1 = returnedBy(JSON.parse(r.request) as Record<string, unknown>);
    for (const [sku, milli] of Object.entries(q1)) returned[sku] = (returned[sku] ?? 0) + milli;
    const taken = (yield* all(
      `SELECT kind, data FROM ledger INDEXED BY ledger_till_sale
       WHERE till_id = ? AND sale_id = ? AND return_id = ? AND kind IN ('stamp_return', 'reverse')`,
      r.till_id,
      saleId,
      r.return_id,
    )) as { kind: string; data: string }[];
    for (const e of taken) {
      if (e.kind === 'stamp_return') stampReturned = true;
      const campaignId = bonusReturnOf({ kind: e.kind, data: JSON.parse(e.data) as EntryData });
      if (campaignId !== null) bonusesReturned.add(campaignId);
    }
    returns.push({ tillId: r.till_id, returnId: r.return_id, returned: q1 });
  }
  return { returned, returns, stampReturned, bonusesReturned: [...bonusesReturned].sort() };
}

/** The ledger ids of the sale's campaign bonus entries, by campaign: what a bonus reversal names. */
function* bonusEntryIds(tillId: string, saleId: string): Sql<Record<string, string>> {
  const rows = (yield* all(
    `SELECT seq, data FROM ledger INDEXED BY ledger_till_sale
     WHERE till_id = ? AND sale_id = ? AND kind = 'bonus' AND return_id IS NULL ORDER BY seq`,
    tillId,
    saleId,
  )) as { seq: number; data: string }[];
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const r of rows) {
    const d = JSON.parse(r.data) as EntryData;
    if (d.bonus === 'campaign' && d.campaignId !== undefined) out[d.campaignId] = lotIdOf({ tillId, seq: r.seq });
  }
  return out;
}

function* earnEntryId(tillId: string, saleId: string): Sql<string | null> {
  const r = (yield* get(
    `SELECT seq FROM ledger INDEXED BY ledger_till_sale
     WHERE till_id = ? AND sale_id = ? AND kind = 'earn' AND return_id IS NULL ORDER BY seq LIMIT 1`,
    tillId,
    saleId,
  )) as { seq: number } | undefined;
  return r ? lotIdOf({ tillId, seq: r.seq }) : null;
}

/**
 * One sale by its POS receipt number, for a return at another store (DOMAIN.md 12). A receipt
 * number is unique per till only: several tills' sales of that number are `ambiguous` unless
 * `narrow` picks one.
 */
export function* originalSale(saleId: string, narrow: SaleNarrowing): Sql<OriginalSaleOutcome> {
  const rows = (yield* all(
    `SELECT till_id, store_id, sale_id, member_no, rule_version, request, computation, points_earned,
       points_redeemed, occurred_at
     FROM sales INDEXED BY sales_sale WHERE sale_id = ? ORDER BY till_id`,
    saleId,
  )) as OriginalSaleRow[];
  const found = rows.filter(
    (r) =>
      (narrow.tillId === undefined || r.till_id === narrow.tillId) &&
      (narrow.storeId === undefined || r.store_id === narrow.storeId),
  );
  const r = found[0];
  if (!r) return { kind: 'unknown' };
  if (found.length > 1) return { kind: 'ambiguous', tills: found.map((x) => x.till_id) };
  const comp = r.computation === null ? null : SaleComputation.safeParse(JSON.parse(r.computation));
  if (!comp?.success) return { kind: 'no_computation', tillId: r.till_id };
  return {
    kind: 'found',
    sale: {
      tillId: r.till_id,
      storeId: r.store_id,
      saleId: r.sale_id,
      memberNo: r.member_no,
      ruleVersion: r.rule_version,
      occurredAt: r.occurred_at,
      request: JSON.parse(r.request) as Record<string, unknown>,
      computation: comp.data,
      pointsEarned: r.points_earned,
      pointsRedeemed: r.points_redeemed,
      earnEntryId: yield* earnEntryId(r.till_id, r.sale_id),
      bonusEntryIds: comp.data.campaignBonuses ? yield* bonusEntryIds(r.till_id, r.sale_id) : {},
      ...(yield* returnsOfSale(r.till_id, r.sale_id)),
    },
  };
}
