/**
 * Which of a till's sales and returns head office's recomputation flagged (domain/recompute.ts,
 * domain/return-check.ts), for the operator reviewing a till whose row counts mismatches. Few
 * rows: read through the partial indexes on `mismatch = 1`.
 */
import { all, get, type Sql } from '../../storage/sql.js';
import type { TillMismatch } from './types.js';

export const MISMATCHES_LISTED = 200;

interface Row {
  id: string;
  sale_id: string;
  original_till_id: string | null;
  occurred_at: string;
  received_at: string;
  check_note: string | null;
}

function toMismatch(kind: TillMismatch['kind'], r: Row): TillMismatch {
  return {
    kind,
    id: r.id,
    saleId: r.sale_id,
    originalTillId: r.original_till_id,
    occurredAt: r.occurred_at,
    receivedAt: r.received_at,
    note: r.check_note ?? '',
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Newest received first; at one time, sales before returns ('sale' > 'return'), then by id. */
function newestFirst(a: TillMismatch, b: TillMismatch): number {
  return cmp(b.receivedAt, a.receivedAt) || cmp(b.kind, a.kind) || cmp(a.id, b.id);
}

export function* tillMismatches(tillId: string): Sql<{ mismatches: TillMismatch[]; truncated: boolean } | null> {
  if (!(yield* get('SELECT 1 AS x FROM tills WHERE till_id = ?', tillId))) return null;
  const n = MISMATCHES_LISTED + 1;
  const sales = (yield* all(
    `SELECT sale_id AS id, sale_id, NULL AS original_till_id, occurred_at, received_at, check_note
     FROM sales WHERE till_id = ? AND mismatch = 1 ORDER BY received_at DESC, sale_id LIMIT ?`,
    tillId,
    n,
  )) as Row[];
  const returns = (yield* all(
    `SELECT return_id AS id, original_sale_id AS sale_id, original_till_id, occurred_at, received_at, check_note
     FROM returns WHERE till_id = ? AND mismatch = 1 ORDER BY received_at DESC, return_id LIMIT ?`,
    tillId,
    n,
  )) as Row[];
  const merged = [...sales.map((r) => toMismatch('sale', r)), ...returns.map((r) => toMismatch('return', r))].sort(
    newestFirst,
  );
  return { mismatches: merged.slice(0, MISMATCHES_LISTED), truncated: merged.length > MISMATCHES_LISTED };
}
