/**
 * report_year_1m (issue 13 item 7): head office's report over a year of a 1M-member chain, read
 * from the read model (headoffice/store/aggregates.ts), against a plain `SELECT count(*)` over
 * the ledger in the same run.
 *
 * The data is generated in bulk with SQL on a SQLite head-office file (a recursive CTE, no
 * per-row JavaScript): BENCH_REPORT_SALES sales (default 4M, one earn entry each) by 1M member
 * numbers over 365 days at 50 stores (2 tills, 5 staff members each), and 1M enrolments. The
 * read model is filled the way a rebuild groups it (each store's day, and each staff member's), in
 * SQL too: the path that keeps it as batches apply is measured by the ingest benchmarks and
 * proven equal to a rebuild by headoffice/aggregates.property.test.ts.
 *
 * Timed (median of 5, after one warm-up): GET /v1/reports/daily's store step for the whole year
 * and chain (the overview's period summary: its totals are summed from the answer), and
 * `SELECT count(*) FROM ledger` on the same file.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { totals } from '../core/analytics.js';
import { DEFAULT_RULE_SET } from '../core/ruleset/default.js';
import { loadOrCreateKeys } from '../headoffice/crypto.js';
import { createLogger } from '../headoffice/log.js';
import { DB_FILE, openSqliteStore } from '../headoffice/store/sqlite.js';
import { openDb } from '../headoffice/store/sqlite-db.js';
import { median, nowMs, type Benchmark } from './lib.js';

const MEMBERS = 1_000_000;
const STORES = 50;
const TILLS = 100;
const STAFF = 5;
const FROM = '2025-01-01';
const TO = '2025-12-31';

function generate(file: string, sales: number): void {
  openDb(file).close(); // the schema, by head office's own migrations
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF');
  db.pragma('cache_size = -400000');
  db.transaction(() => {
    const at = `${FROM}T00:00:00.000Z`;
    for (let s = 0; s < STORES; s++)
      db.prepare('INSERT INTO stores (store_id, created_at) VALUES (?, ?)').run(`S${s}`, at);
    for (let t = 0; t < TILLS; t++) {
      db.prepare(
        "INSERT INTO tills (till_id, store_id, secret_enc, head_hash, created_at) VALUES (?, ?, x'00', '', ?)",
      ).run(`T${t}`, `S${t % STORES}`, at);
    }
    // Sale i: till i % 100, its seq i / 100 + 1; dates rise with i across the year, 10:00 local.
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
       INSERT INTO ledger (till_id, seq, member_no, kind, points, spend, occurred_at, local_date, expires_on,
         sale_id, return_id, data, prev_hash, hash, sort_ms, received_at)
       SELECT 'T' || (i % ${TILLS}), i / ${TILLS} + 1, 'M' || ((i * 7919) % ${MEMBERS}), 'earn', 10 + i % 90,
         (10 + i % 90) * 100, d || 'T10:00:00+08:00', d, NULL, 'S' || i, NULL, '{}', '', '', 0, d || 'T02:00:00.000Z'
       FROM (SELECT i, date('${FROM}', '+' || (i * 365 / ?) || ' days') AS d FROM n) AS g`,
    ).run(sales, sales);
    // The read model as a rebuild groups it (core/aggregates.ts): each store's whole day (staff
    // '') with its entries and sales, and each staff member's own sales.
    const member = (v: string): string => `sum(CASE WHEN l.seq % 3 = 0 THEN 0 ELSE ${v} END)`;
    db.exec(
      `INSERT INTO agg_daily (staff_id, local_date, store_id, points_earn, entries_earn, sales, sales_total,
         member_sales, member_sales_total)
       SELECT '', l.local_date, t.store_id, sum(l.points), count(*), count(*), sum(l.spend), ${member('1')},
         ${member('l.spend')}
       FROM ledger l JOIN tills t ON t.till_id = l.till_id GROUP BY l.local_date, t.store_id`,
    );
    db.exec(
      `INSERT INTO agg_daily (staff_id, local_date, store_id, sales, sales_total, member_sales, member_sales_total)
       SELECT 'c' || (l.seq % ${STAFF}), l.local_date, t.store_id, count(*), sum(l.spend), ${member('1')},
         ${member('l.spend')}
       FROM ledger l JOIN tills t ON t.till_id = l.till_id GROUP BY 1, 2, 3`,
    );
    // One enrolment per member over the year, each at a store and by a staff member; 1 in 10 referred.
    for (const staff of ["''", `'c' || (i % ${STAFF})`]) {
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${MEMBERS} - 1)
         INSERT INTO agg_daily (staff_id, local_date, store_id, enrolments, referred)
         SELECT ${staff}, date('${FROM}', '+' || (i * 365 / ${MEMBERS}) || ' days'), 'S' || (i % ${STORES}),
           count(*), sum(CASE WHEN i % 10 = 0 THEN 1 ELSE 0 END)
         FROM n WHERE 1 GROUP BY 1, 2, 3
         ON CONFLICT (staff_id, local_date, store_id) DO UPDATE SET enrolments = excluded.enrolments,
           referred = excluded.referred`,
      ).run();
    }
    // Filled here: the open must not rebuild it from a ledger without its sale records.
    db.prepare("DELETE FROM meta WHERE key = 'aggregates_stale'").run();
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

export async function benchReportYear(dir: string): Promise<string> {
  const sales = Number(process.env.BENCH_REPORT_SALES ?? 4_000_000);
  const file = join(dir, DB_FILE);
  const g0 = nowMs();
  generate(file, sales);
  const genS = (nowMs() - g0) / 1000;

  const store = openSqliteStore(
    dir,
    loadOrCreateKeys(join(dir, 'keys.json')),
    createLogger({ file: null, stderr: false }),
  );
  const raw = new Database(file, { readonly: true });
  try {
    await store.publishRuleSet(DEFAULT_RULE_SET, new Date());
    const aggRows = (raw.prepare('SELECT count(*) AS n FROM agg_daily').get() as { n: number }).n;
    const report = async (): Promise<number> => {
      const r = await store.daily({ from: FROM, to: TO, stores: null });
      return totals(r.days).sales;
    };
    const count = (): number => (raw.prepare('SELECT count(*) AS n FROM ledger').get() as { n: number }).n;
    const summed = await report();
    const counted = count();
    if (summed !== sales || counted !== sales)
      throw new Error(`expected ${sales} sales, report ${summed}, count ${counted}`);
    const reportMs: number[] = [];
    const countMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = nowMs();
      await report();
      reportMs.push(nowMs() - t0);
    }
    for (let i = 0; i < 5; i++) {
      const t0 = nowMs();
      count();
      countMs.push(nowMs() - t0);
    }
    const r = median(reportMs);
    const c = median(countMs);
    return (
      `report_year_1m: ${MEMBERS.toLocaleString('en')} members, ${counted.toLocaleString('en')} ledger rows (sales) ` +
      `over 365 days at ${STORES} stores, generated in ${genS.toFixed(0)} s; year report from the read model ` +
      `(${aggRows.toLocaleString('en')} rows of sums) p50 ${r.toFixed(1)} ms vs SELECT count(*) FROM ledger ` +
      `p50 ${c.toFixed(1)} ms (${(c / r).toFixed(1)}x)`
    );
  } finally {
    raw.close();
    await store.close();
  }
}

export const reportYear: Benchmark = { name: 'report_year_1m', run: ({ dir }) => benchReportYear(dir) };
