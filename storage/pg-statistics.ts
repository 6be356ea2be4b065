/**
 * Planner statistics kept up with fast-growing tables. PostgreSQL's autovacuum analyzes a table
 * once a tenth of it has changed, but looks only once a minute (autovacuum_naptime): a new
 * chain's head office, a database restored from a dump or the benchmarks' fresh database write
 * thousands of ledger rows a second with no statistics at all. The planner then takes a till's
 * or a member's rows for a handful, and picks plans that read a till's whole history for each
 * batch (a sale's earlier entries by the primary key's seq range instead of ledger_till_sale;
 * "has this till served the member" as a hash of every entry of the till). Those plans get
 * slower with every entry, which statistics would have prevented.
 *
 * DECISION: after an apply pass, head office analyzes each of its tables changed by more rows
 * than it held at its last analysis (and at least STALE_MIN_ROWS): a table growing from empty
 * is analyzed at about 1k, 2k, 4k, ... rows, a few times in all; a large table never meets the
 * rule and is left to autovacuum. SKIP_LOCKED: a table autovacuum (or another head-office
 * process) is analyzing now is skipped, not waited for.
 */
import type pg from 'pg';

export const STALE_MIN_ROWS = 1_000;

/** Names of the current schema's tables whose statistics describe less than half of their rows. */
export async function staleTables(db: pg.Pool | pg.ClientBase): Promise<string[]> {
  const r = await db.query<{ relname: string }>(
    `SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
     WHERE s.schemaname = current_schema() AND s.n_mod_since_analyze > greatest($1::float8, c.reltuples)
     ORDER BY s.relname`,
    [STALE_MIN_ROWS],
  );
  return r.rows.map((row) => row.relname);
}

/** Analyzes the stale tables; returns their names. */
export async function refreshStaleStatistics(db: pg.Pool | pg.ClientBase): Promise<string[]> {
  const tables = await staleTables(db);
  if (tables.length > 0) {
    const names = tables.map((t) => `"${t.replace(/"/g, '""')}"`).join(', ');
    await db.query(`ANALYZE (SKIP_LOCKED) ${names}`);
  }
  return tables;
}
