/**
 * Numbered PostgreSQL migrations (headoffice/store/pg-migrations/NNN_name.sql), with the rules
 * of migrate.ts: all pending files in ONE transaction, a database written by a newer program
 * refused (DatabaseFromFutureError), never guessed at.
 *
 *   1. BEGIN; SELECT pg_advisory_xact_lock(MIGRATION_LOCK): two head-office processes starting
 *      at once queue here, and the second finds the work done (advisory locks are per database).
 *   2. CREATE TABLE IF NOT EXISTS schema_version (version): one row, the number of the last
 *      migration applied (SQLite keeps it in user_version). No row = 0.
 *   3. version > known: ROLLBACK and throw. version = known: COMMIT, nothing else.
 *   4. Otherwise run each pending file (simple query protocol: a file may hold many
 *      statements), set the version, COMMIT. Any error rolls everything back.
 *
 * distributeOnCitus() then runs headoffice/store/pg-citus.sql where the citus extension is
 * installed and does nothing elsewhere (docs/citus.md).
 */
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { DatabaseFromFutureError, type Migration } from './migrate.js';

/** The advisory lock key migrations hold (`hq\0\1` as an int4: any constant nobody else uses). */
export const MIGRATION_LOCK = 0x68710001;

/** A pool (a client is taken for the transaction) or one connected client (pg.Client, a pool's client). */
type Queryable = pg.Pool | pg.ClientBase;

async function withClient<T>(db: Queryable, fn: (c: pg.ClientBase) => Promise<T>): Promise<T> {
  if (!('totalCount' in db)) return fn(db);
  const client = await (db as pg.Pool).connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

/** Applies what is pending; returns the schema version the database is at afterwards. */
export async function migratePg(db: Queryable, migrations: Migration[]): Promise<number> {
  const latest = migrations.length;
  return withClient(db, async (c) => {
    await c.query('BEGIN');
    try {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      const r = await c.query<{ version: number }>('SELECT version FROM schema_version');
      const current = Number(r.rows[0]?.version ?? 0);
      if (current > latest) throw new DatabaseFromFutureError(current, latest);
      if (current < latest) {
        for (const m of migrations.slice(current)) {
          try {
            await c.query(m.sql);
          } catch (e) {
            if (e instanceof Error) e.message = `${m.name}: ${e.message}`;
            throw e;
          }
        }
        if (r.rows.length) await c.query('UPDATE schema_version SET version = $1', [latest]);
        else await c.query('INSERT INTO schema_version (version) VALUES ($1)', [latest]);
      }
      await c.query('COMMIT');
      return Math.max(current, latest);
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  });
}

/** The schema version recorded in the database (0 when never migrated). */
export async function pgSchemaVersion(db: Queryable): Promise<number> {
  const t = await db.query<{ t: string | null }>("SELECT to_regclass('schema_version')::text AS t");
  if (!t.rows[0]?.t) return 0;
  const r = await db.query<{ version: number }>('SELECT version FROM schema_version');
  return Number(r.rows[0]?.version ?? 0);
}

/** headoffice/store/pg-citus.sql: the distribution of head office's tables (docs/citus.md). */
export const CITUS_SQL_PATH = new URL('../headoffice/store/pg-citus.sql', import.meta.url);

/**
 * Runs the Citus distribution script when the citus extension is installed in this database;
 * returns whether it ran. The script is idempotent (each call guarded by pg_dist_partition),
 * so head office may call this on every start, after migratePg.
 */
export async function distributeOnCitus(db: Queryable, sql = readFileSync(CITUS_SQL_PATH, 'utf8')): Promise<boolean> {
  const r = await db.query("SELECT 1 FROM pg_extension WHERE extname = 'citus'");
  if (r.rows.length === 0) return false;
  await withClient(db, async (c) => {
    await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await c.query(sql);
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  });
  return true;
}
