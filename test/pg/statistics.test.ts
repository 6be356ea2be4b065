/**
 * Planner statistics kept up with fast-growing tables (storage/pg-statistics.ts): a table is
 * stale once more rows changed since its last analysis than it held then (and at least
 * STALE_MIN_ROWS), and refreshing analyzes exactly the stale ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { UploadBatch } from '../../core/sync/protocol.js';
import { addTill } from '../../headoffice/provision.js';
import { createHeadOffice } from '../../headoffice/server.js';
import { TillSim } from '../../loadgen/till-sim.js';
import { STALE_MIN_ROWS, refreshStaleStatistics, staleTables } from '../../storage/pg-statistics.js';
import { createTestDatabase, pgSkipReason, useScratchDatabase } from './cluster.js';

describe.skipIf(pgSkipReason())('refreshStaleStatistics', () => {
  // Only this test analyzes: autovacuum would make the counts below a race.
  const scratch =
    useScratchDatabase(`CREATE TABLE grows (id integer PRIMARY KEY, v text) WITH (autovacuum_enabled = false);
    CREATE TABLE "small ""quiet""" (id integer PRIMARY KEY) WITH (autovacuum_enabled = false)`);

  /** Inserts rows ids [from, to) and makes this backend's counts visible to every other at once. */
  async function insert(table: string, from: number, to: number): Promise<void> {
    await scratch().query(`INSERT INTO ${table} SELECT i, 'x' || i FROM generate_series($1::int, $2::int) i`, [
      from,
      to - 1,
    ]);
    await scratch().query('SELECT pg_stat_force_next_flush()');
  }

  async function reltuples(table: string): Promise<number> {
    const r = await scratch().query<{ n: number }>('SELECT reltuples AS n FROM pg_class WHERE relname = $1', [table]);
    return Number(r.rows[0]?.n);
  }

  it('leaves a table alone below STALE_MIN_ROWS changed rows', async () => {
    await insert('grows', 0, STALE_MIN_ROWS);
    await scratch().query(`INSERT INTO "small ""quiet""" SELECT generate_series(1, 10)`);
    await scratch().query('SELECT pg_stat_force_next_flush()');
    expect(await staleTables(scratch())).toEqual([]);
    expect(await refreshStaleStatistics(scratch())).toEqual([]);
    expect(await reltuples('grows')).toBe(-1); // never analyzed
  });

  it('analyzes a never-analyzed table past STALE_MIN_ROWS, then again only once it has doubled', async () => {
    await insert('grows', STALE_MIN_ROWS, 1_500);
    expect(await refreshStaleStatistics(scratch())).toEqual(['grows']);
    expect(await reltuples('grows')).toBe(1_500);
    expect(await staleTables(scratch())).toEqual([]);

    await insert('grows', 1_500, 3_000); // 1,500 changed: as many as it held, not more
    expect(await staleTables(scratch())).toEqual([]);
    await insert('grows', 3_000, 3_001);
    expect(await refreshStaleStatistics(scratch())).toEqual(['grows']);
    expect(await reltuples('grows')).toBe(3_001);
  });

  it('quotes a table name that needs it', async () => {
    await scratch().query(`INSERT INTO "small ""quiet""" SELECT generate_series(11, 2000)`);
    await scratch().query('SELECT pg_stat_force_next_flush()');
    expect(await refreshStaleStatistics(scratch())).toEqual(['small "quiet"']);
    expect(await reltuples('small "quiet"')).toBe(2_000);
  });
});

describe.skipIf(pgSkipReason())('head office on PostgreSQL', () => {
  it('analyzes the ledger itself once applying has outgrown its statistics', async () => {
    const db = await createTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'hq-stats-'));
    const hq = await createHeadOffice({
      dataDir,
      databaseUrl: db.url,
      port: 0,
      host: '127.0.0.1',
      operatorToken: 'test',
      logToStderr: false,
    });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // Autovacuum's own analysis (it looks once a minute) would leave head office nothing to do:
      // on a loaded run it has come first, and the check below waited for an ANALYZE in vain.
      await client.query('ALTER TABLE ledger SET (autovacuum_enabled = off)');
      const till = new TillSim('T1', 'S1', (await addTill(hq.store, 'S1', 'T1')).secret);
      for (let m = 0; m < 20; m++) till.enrol(`M${m}`, new Date(Date.UTC(2026, 0, 1, 8, m)).toISOString());
      let minute = 0;
      const sell = async (n: number): Promise<void> => {
        const from = till.headSeq;
        for (let i = 0; i < n; i++, minute++) {
          till.sale(`M${minute % 20}`, 1_000, new Date(Date.UTC(2026, 0, 2, 0, minute)).toISOString());
        }
        for (const b of till.batches(100).filter((x) => x.lastSeq > from)) {
          const r = await hq.store.ingest({ tillId: 'T1', storeId: 'S1' }, UploadBatch.parse(b), new Date());
          expect(r.kind).toBe('ok');
        }
        await hq.store.settle();
      };
      // A manual ANALYZE sets last_analyze; autovacuum's own sets last_autoanalyze.
      const analyzed = async (): Promise<boolean> =>
        (
          await client.query<{ a: Date | null }>(
            "SELECT last_analyze AS a FROM pg_stat_user_tables WHERE relname = 'ledger'",
          )
        ).rows[0]?.a != null;
      await sell(STALE_MIN_ROWS + 200);
      // The apply connection's counts reach the shared statistics within a second or so of a
      // pass; the check runs after each pass that applied something. The first sale below goes
      // through the inbox; the later ones resend part of a batch held (batches(100) starts at
      // seq 1), so they are applied in the upload's own transaction, which checks too.
      // Up to 120 more passes: under a loaded run (CI, both projects' workers on two cores) the
      // counts took longer than the 40 passes this allowed before (a clean-clone run, 14th session).
      for (let i = 0; i < 120 && !(await analyzed()); i++) {
        await new Promise((r) => setTimeout(r, 250));
        await sell(1);
      }
      expect(await analyzed()).toBe(true);
    } finally {
      await client.end();
      await hq.close();
      rmSync(dataDir, { recursive: true, force: true });
      await db.drop();
    }
  }, 120_000);
});
