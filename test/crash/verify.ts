/**
 * Reads a till database directly (after the till is gone) and lists every way it breaks the
 * durability promises: acknowledged work missing or doubled, a gap or a broken link in the
 * ledger chain, a cached balance that is not the ledger's sum, a sale earning twice.
 * Returns problems as text rather than throwing on the first, so one failure shows them all.
 */
import Database from 'better-sqlite3';
import { isDeepStrictEqual } from 'node:util';
import { lowestTier } from '../../core/engine/tiers.js';
import { signedPoints, type LedgerEntry } from '../../core/ledger/entry.js';
import { verifyChain } from '../../core/ledger/hash.js';
import { foldEntries, type MemberState } from '../../core/ledger/state.js';
import { DEFAULT_RULE_SET } from '../../core/ruleset/default.js';
import { rowToEntry } from '../../main/db/ledger.js';

type LedgerRow = Parameters<typeof rowToEntry>[0];

export interface Expectations {
  /** saleIds the till answered 2xx */
  sales: ReadonlySet<string>;
  /** returnIds the till answered 2xx */
  returns: ReadonlySet<string>;
  /** memberNo -> the balance in the last answer the POS received about that member */
  balances: ReadonlyMap<string, number>;
  /** when true, the tables must hold exactly the acknowledged ids (every request was retried to an answer) */
  exact: boolean;
}

export interface VerifyReport {
  problems: string[];
  counts: { sales: number; returns: number; members: number; ledger: number };
}

const MAX_LISTED = 10;

function listed(xs: readonly string[]): string {
  return xs.length > MAX_LISTED ? `${xs.slice(0, MAX_LISTED).join(', ')} ... (${xs.length})` : xs.join(', ');
}

export function verifyTillDatabase(file: string, expect: Expectations): VerifyReport {
  const db = new Database(file, { fileMustExist: true });
  try {
    return check(db, expect);
  } finally {
    db.close();
  }
}

function check(db: Database.Database, expect: Expectations): VerifyReport {
  const problems: string[] = [];
  const integrity = db.pragma('integrity_check', { simple: true }) as string;
  if (integrity !== 'ok') problems.push(`integrity_check: ${integrity}`);

  // Acknowledged sales and returns: present exactly once.
  const saleCount = db.prepare('SELECT count(*) AS n FROM sales WHERE sale_id = ?');
  const returnCount = db.prepare('SELECT count(*) AS n FROM returns WHERE return_id = ?');
  const missingSales = [...expect.sales].filter((id) => (saleCount.get(id) as { n: number }).n !== 1);
  const missingReturns = [...expect.returns].filter((id) => (returnCount.get(id) as { n: number }).n !== 1);
  if (missingSales.length) problems.push(`acknowledged sales not present exactly once: ${listed(missingSales)}`);
  if (missingReturns.length) problems.push(`acknowledged returns not present exactly once: ${listed(missingReturns)}`);

  const saleRows = db.prepare('SELECT sale_id, member_no, result FROM sales').all() as {
    sale_id: string;
    member_no: string | null;
    result: string;
  }[];
  const returnRows = db.prepare('SELECT return_id, original_sale_id, result FROM returns').all() as {
    return_id: string;
    original_sale_id: string;
    result: string;
  }[];
  if (expect.exact) {
    const extraSales = saleRows.map((r) => r.sale_id).filter((id) => !expect.sales.has(id));
    const extraReturns = returnRows.map((r) => r.return_id).filter((id) => !expect.returns.has(id));
    if (extraSales.length) problems.push(`sales recorded but never acknowledged: ${listed(extraSales)}`);
    if (extraReturns.length) problems.push(`returns recorded but never acknowledged: ${listed(extraReturns)}`);
  }

  // The ledger: seq 1..N without gaps, and an intact hash chain.
  const entries: LedgerEntry[] = (db.prepare('SELECT * FROM ledger ORDER BY seq').all() as LedgerRow[]).map(rowToEntry);
  const gaps: string[] = [];
  entries.forEach((e, i) => {
    if (e.seq !== i + 1) gaps.push(`position ${i + 1} holds seq ${e.seq}`);
  });
  if (gaps.length) problems.push(`ledger seq is not 1..${entries.length}: ${listed(gaps)}`);
  const chain = verifyChain(entries);
  if (!chain.ok) problems.push(`hash chain broken at seq ${chain.seq}: ${chain.reason}`);
  const tillIds = new Set(entries.map((e) => e.tillId));
  if (tillIds.size > 1) problems.push(`ledger written under several till ids: ${[...tillIds].join(', ')}`);

  // Every sale earns at most once; a member sale exactly once; entries belong to their sale.
  const earnsBySale = new Map<string, number>();
  for (const e of entries) {
    if (e.kind === 'earn' && e.saleId !== null) earnsBySale.set(e.saleId, (earnsBySale.get(e.saleId) ?? 0) + 1);
  }
  const doubleEarn = [...earnsBySale.entries()].filter(([, n]) => n > 1).map(([id, n]) => `${id} (${n})`);
  if (doubleEarn.length) problems.push(`sales with more than one earn entry: ${listed(doubleEarn)}`);
  const earnWithoutSale = entries.filter((e) => e.kind === 'earn' && e.saleId === null).map((e) => String(e.seq));
  if (earnWithoutSale.length) problems.push(`earn entries without a sale: seq ${listed(earnWithoutSale)}`);

  const saleIds = new Set(saleRows.map((r) => r.sale_id));
  const returnIds = new Set(returnRows.map((r) => r.return_id));
  const orphans = entries
    .filter((e) => (e.saleId !== null && !saleIds.has(e.saleId)) || (e.returnId !== null && !returnIds.has(e.returnId)))
    .map((e) => `seq ${e.seq} (${e.kind} sale ${e.saleId ?? '-'} return ${e.returnId ?? '-'})`);
  if (orphans.length) problems.push(`ledger entries of sales/returns that were not recorded: ${listed(orphans)}`);

  const saleEntrySeqs = new Map<string, number[]>();
  const returnEntrySeqs = new Map<string, number[]>();
  for (const e of entries) {
    if (e.returnId !== null) returnEntrySeqs.set(e.returnId, [...(returnEntrySeqs.get(e.returnId) ?? []), e.seq]);
    else if (e.saleId !== null) saleEntrySeqs.set(e.saleId, [...(saleEntrySeqs.get(e.saleId) ?? []), e.seq]);
  }
  const badSales: string[] = [];
  for (const s of saleRows) {
    const result = JSON.parse(s.result) as { entries: number[] };
    const written = saleEntrySeqs.get(s.sale_id) ?? [];
    if (!isDeepStrictEqual(result.entries, written)) {
      badSales.push(`${s.sale_id}: answer lists ${JSON.stringify(result.entries)}, ledger ${JSON.stringify(written)}`);
    }
    if (s.member_no !== null && earnsBySale.get(s.sale_id) !== 1) badSales.push(`${s.sale_id}: member sale, no earn`);
    if (s.member_no === null && written.length) badSales.push(`${s.sale_id}: anonymous sale wrote ledger entries`);
  }
  if (badSales.length) problems.push(`sales whose ledger entries disagree with the sale: ${listed(badSales)}`);
  const badReturns: string[] = [];
  for (const r of returnRows) {
    const result = JSON.parse(r.result) as { entries: number[] };
    const written = returnEntrySeqs.get(r.return_id) ?? [];
    if (!isDeepStrictEqual(result.entries, written)) {
      badReturns.push(
        `${r.return_id}: answer lists ${JSON.stringify(result.entries)}, ledger ${JSON.stringify(written)}`,
      );
    }
    if (!saleIds.has(r.original_sale_id))
      badReturns.push(`${r.return_id}: original sale ${r.original_sale_id} missing`);
  }
  if (badReturns.length) problems.push(`returns whose ledger entries disagree with the return: ${listed(badReturns)}`);

  // The cache: each member's balance is the signed sum of its entries, and the whole cached
  // state is what folding the ledger gives.
  const byMember = new Map<string, LedgerEntry[]>();
  for (const e of entries) byMember.set(e.memberNo, [...(byMember.get(e.memberNo) ?? []), e]);
  const stateRows = db.prepare('SELECT member_no, balance, tier, state FROM member_state').all() as {
    member_no: string;
    balance: number;
    tier: string;
    state: string;
  }[];
  const memberNos = (db.prepare('SELECT member_no FROM members').all() as { member_no: string }[]).map(
    (r) => r.member_no,
  );
  const stateOf = new Map(stateRows.map((r) => [r.member_no, r]));
  const firstTier = lowestTier(DEFAULT_RULE_SET).code;
  const lotsOf = db.prepare('SELECT lot_id, remaining FROM lots WHERE member_no = ?');
  const badBalances: string[] = [];
  const badStates: string[] = [];
  for (const m of new Set([...memberNos, ...byMember.keys(), ...stateOf.keys()])) {
    const own = byMember.get(m) ?? [];
    const sum = own.reduce((a, e) => a + signedPoints(e), 0);
    const row = stateOf.get(m);
    if (!row) {
      badBalances.push(`${m}: no member_state row (ledger sum ${sum})`);
      continue;
    }
    if (row.balance !== sum) badBalances.push(`${m}: member_state ${row.balance}, ledger sum ${sum}`);
    const cached = JSON.parse(row.state) as MemberState;
    if (cached.balance !== row.balance || cached.tier !== row.tier) {
      badStates.push(`${m}: state column disagrees with balance/tier columns`);
    }
    const folded = foldEntries(m, firstTier, own);
    // The document holds everything but the lots, which live in their own table (main/db/ledger.ts).
    if (!isDeepStrictEqual({ ...folded, lots: [] }, { ...cached, lots: [] })) {
      badStates.push(`${m}: cached state differs from the ledger fold`);
    }
    const lots = (lotsOf.all(m) as { lot_id: string; remaining: number }[]).map((l) => `${l.lot_id}=${l.remaining}`);
    const expectedLots = folded.lots.map((l) => `${l.id}=${l.remaining}`);
    if (!isDeepStrictEqual(lots.sort(), expectedLots.sort())) badStates.push(`${m}: lots table differs from the state`);
  }
  if (badBalances.length) problems.push(`balances that are not the ledger's sum: ${listed(badBalances)}`);
  if (badStates.length) problems.push(`cached member state that a rebuild does not reproduce: ${listed(badStates)}`);

  // The sync outbox (when the schema has one) is written in the same transaction as the
  // records: each recorded sale, return and member is named exactly once, nothing else is.
  const hasOutbox = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'").get();
  if (hasOutbox) {
    const rows = db.prepare('SELECT id, kind, ref, ledger_seq FROM outbox ORDER BY id').all() as {
      id: number;
      kind: string;
      ref: string;
      ledger_seq: number;
    }[];
    const seen = new Map<string, number>();
    for (const o of rows) seen.set(`${o.kind}:${o.ref}`, (seen.get(`${o.kind}:${o.ref}`) ?? 0) + 1);
    const want = [
      ...saleRows.map((s) => `sale:${s.sale_id}`),
      ...returnRows.map((r) => `return:${r.return_id}`),
      ...memberNos.map((m) => `member:${m}`),
    ];
    const notOnce = want.filter((k) => seen.get(k) !== 1).map((k) => `${k} (${seen.get(k) ?? 0})`);
    if (notOnce.length) problems.push(`records not in the sync outbox exactly once: ${listed(notOnce)}`);
    const wanted = new Set(want);
    const stray = [...seen.keys()].filter((k) => !wanted.has(k) && !k.startsWith('card:'));
    if (stray.length) problems.push(`outbox rows naming records that do not exist: ${listed(stray)}`);
    const head = entries.length;
    const badSeq = rows
      .filter((o, i) => o.ledger_seq > head || (i > 0 && o.ledger_seq < (rows[i - 1]?.ledger_seq ?? 0)))
      .map((o) => `id ${o.id} ledger_seq ${o.ledger_seq}`);
    if (badSeq.length) problems.push(`outbox ledger_seq beyond the ledger head or going back: ${listed(badSeq)}`);
  }

  // What the POS was last told about each member is what the till still holds.
  const members = new Set(memberNos);
  const told: string[] = [];
  for (const [m, balance] of expect.balances) {
    if (!members.has(m)) told.push(`${m}: acknowledged member missing`);
    else if (stateOf.get(m)?.balance !== balance) {
      told.push(`${m}: last answer said ${balance}, database holds ${stateOf.get(m)?.balance}`);
    }
  }
  if (told.length) problems.push(`balances the POS was told that the till no longer holds: ${listed(told)}`);

  return {
    problems,
    counts: { sales: saleRows.length, returns: returnRows.length, members: memberNos.length, ledger: entries.length },
  };
}
