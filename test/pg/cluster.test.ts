/**
 * The PostgreSQL foundation: the tests' throwaway server, head office's PostgreSQL migrations
 * run by storage/pg-migrate.ts, the Citus shape of the schema, and storage/pg-errors.ts.
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseFromFutureError, loadMigrations, migrate } from '../../storage/migrate.js';
import { CITUS_SQL_PATH, distributeOnCitus, migratePg, pgSchemaVersion } from '../../storage/pg-migrate.js';
import { isPgRetryable, isPgStorageFull, isPgUniqueViolation, pgSqlState } from '../../storage/pg-errors.js';
import { createTestDatabase, PG_MIGRATIONS_DIR, pgSkipReason, startTestServer, type TestDatabase } from './cluster.js';

const skip = pgSkipReason();
if (skip) console.log(`PostgreSQL suites: ${skip}`);

const migrations = loadMigrations(PG_MIGRATIONS_DIR);
const SQLITE_MIGRATIONS_DIR = new URL('../../headoffice/store/migrations/', import.meta.url).pathname;
/** SQLite's declared type -> information_schema's data_type (bigint and integer both 'integer'). */
const SQLITE_TO_PG: Record<string, string> = { INTEGER: 'integer', TEXT: 'text', BLOB: 'bytea' };

async function withPool<T>(url: string, fn: (p: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

describe("the tests' PostgreSQL server (test/pg/cluster.ts)", () => {
  it('skips, saying why, without binaries and without HQ_TEST_DATABASE_URL', async () => {
    expect(await startTestServer({ pgRoot: '/nonexistent' })).toEqual({
      skip: 'skip: no PostgreSQL binaries and no HQ_TEST_DATABASE_URL',
    });
  });

  it('uses HQ_TEST_DATABASE_URL as given, and leaves that server running', async () => {
    const s = await startTestServer({ databaseUrl: 'postgres://ci@db.example:5432/postgres', pgRoot: '/nonexistent' });
    expect('url' in s && s.url).toBe('postgres://ci@db.example:5432/postgres');
  });
});

describe.skipIf(skip)('PostgreSQL migrations (storage/pg-migrate.ts)', () => {
  const dbs: TestDatabase[] = [];
  async function fresh(): Promise<TestDatabase> {
    const db = await createTestDatabase({ migrated: false });
    dbs.push(db);
    return db;
  }
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.drop()));
  });

  it('applies every migration to an empty database and records the version', async () => {
    const db = await fresh();
    await withPool(db.url, async (pool) => {
      expect(await pgSchemaVersion(pool)).toBe(0);
      expect(await migratePg(pool, migrations)).toBe(migrations.length);
      expect(await pgSchemaVersion(pool)).toBe(migrations.length);
      const hq = await pool.query("SELECT store_id, secret_enc FROM tills WHERE till_id = 'hq'");
      expect(hq.rows).toEqual([{ store_id: 'hq', secret_enc: Buffer.alloc(0) }]);
    });
  });

  it('running again is a no-op', async () => {
    const db = await fresh();
    await withPool(db.url, async (pool) => {
      await migratePg(pool, migrations);
      await pool.query("INSERT INTO meta (key, value) VALUES ('marker', 'kept')");
      expect(await migratePg(pool, migrations)).toBe(migrations.length);
      expect((await pool.query('SELECT version FROM schema_version')).rows).toEqual([{ version: migrations.length }]);
      expect((await pool.query("SELECT value FROM meta WHERE key = 'marker'")).rows).toEqual([{ value: 'kept' }]);
      expect((await pool.query("SELECT count(*)::int AS n FROM tills WHERE till_id = 'hq'")).rows[0].n).toBe(1);
    });
  });

  it('refuses a database from the future and leaves it as it was', async () => {
    const db = await fresh();
    await withPool(db.url, async (pool) => {
      await migratePg(pool, migrations);
      await pool.query('UPDATE schema_version SET version = $1', [migrations.length + 1]);
      await expect(migratePg(pool, migrations)).rejects.toBeInstanceOf(DatabaseFromFutureError);
      expect(await pgSchemaVersion(pool)).toBe(migrations.length + 1);
    });
  });

  it('a failing migration rolls back every file of the run', async () => {
    const db = await fresh();
    const broken = [...migrations, { version: migrations.length + 1, name: '999_broken.sql', sql: 'SELECT nope;' }];
    await withPool(db.url, async (pool) => {
      await expect(migratePg(pool, broken)).rejects.toThrow(/999_broken\.sql/);
      expect(await pgSchemaVersion(pool)).toBe(0);
      expect((await pool.query("SELECT to_regclass('ledger')::text AS t")).rows[0].t).toBeNull();
    });
  });

  it('two processes migrating a fresh database at once both succeed and apply it once', async () => {
    const db = await fresh();
    const versions = await Promise.all([0, 1].map(() => withPool(db.url, (pool) => migratePg(pool, migrations))));
    expect(versions).toEqual([migrations.length, migrations.length]);
    await withPool(db.url, async (pool) => {
      expect((await pool.query('SELECT version FROM schema_version')).rows).toEqual([{ version: migrations.length }]);
      expect((await pool.query('SELECT count(*)::int AS n FROM stores')).rows[0].n).toBe(1);
    });
  });

  it('skips pg-citus.sql where the citus extension is not installed', async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    await withPool(db.url, async (pool) => {
      expect(await distributeOnCitus(pool)).toBe(false);
      // Nothing ran: the script would have failed on pg_dist_partition.
      expect((await pool.query("SELECT to_regclass('pg_dist_partition')::text AS t")).rows[0].t).toBeNull();
    });
  });
});

describe.skipIf(skip)('the PostgreSQL schema', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('test databases come migrated from the template', async () => {
    expect(await pgSchemaVersion(pool)).toBe(migrations.length);
  });

  /** Tables only several processes on one database need: the writer's cache token (store/pg.ts). */
  const PG_ONLY_TABLES = ['writer_token'];

  it('has the SQLite end state: the same tables, columns, types and NOT NULLs', async () => {
    const sqlite = new Database(':memory:');
    migrate(sqlite, loadMigrations(SQLITE_MIGRATIONS_DIR));
    const want: Record<string, string[]> = {};
    const tables = sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { name: string }[];
    for (const { name } of tables) {
      const cols = sqlite.prepare(`PRAGMA table_info(${name})`).all() as {
        name: string;
        type: string;
        notnull: number;
        pk: number;
      }[];
      // A lone INTEGER PRIMARY KEY is SQLite's rowid: NOT NULL though undeclared.
      const rowid = cols.filter((c) => c.pk > 0).length === 1;
      want[name] = cols
        .map(
          (c) =>
            `${c.name} ${SQLITE_TO_PG[c.type]} ${c.notnull || (c.pk > 0 && (rowid || c.type !== 'INTEGER')) ? 'not null' : 'null'}`,
        )
        .sort();
    }
    sqlite.close();
    const r = await pool.query<{ t: string; c: string; type: string; nullable: string }>(
      `SELECT table_name AS t, column_name AS c, data_type AS type, is_nullable AS nullable
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> ALL($1)`,
      [['schema_version', ...PG_ONLY_TABLES]],
    );
    const got: Record<string, string[]> = {};
    for (const x of r.rows) {
      const family = x.type === 'bigint' ? 'integer' : x.type;
      (got[x.t] ??= []).push(`${x.c} ${family} ${x.nullable === 'NO' ? 'not null' : 'null'}`);
    }
    for (const cols of Object.values(got)) cols.sort();
    expect(got).toEqual(want);
  });

  it('compares text bytewise, as SQLite does, whatever the database locale', async () => {
    const r = await pool.query(
      "SELECT v FROM (VALUES ('b'::text COLLATE \"C\"), ('B'), ('a'), ('_')) AS t (v) ORDER BY v",
    );
    expect(r.rows.map((x) => x.v)).toEqual(['B', '_', 'a', 'b']);
    const cols = await pool.query(
      `SELECT count(*)::int AS n FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type = 'text' AND collation_name IS DISTINCT FROM 'C'`,
    );
    expect(cols.rows[0].n).toBe(0);
  });

  it('keeps the ledger append-only', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO ledger (till_id, seq, member_no, kind, points, spend, occurred_at, local_date, data, prev_hash,
           hash, sort_ms, received_at) VALUES ('t1', 1, 'm1', 'earn', 5, 100, 'x', 'x', '{}', 'p', 'h', 1, 'x')`,
      );
      await client.query('SAVEPOINT s');
      await expect(client.query("UPDATE ledger SET points = 6 WHERE till_id = 't1'")).rejects.toThrow(/append-only/);
      await client.query('ROLLBACK TO SAVEPOINT s');
      await expect(client.query("DELETE FROM ledger WHERE till_id = 't1'")).rejects.toThrow(/append-only/);
      await client.query('ROLLBACK TO SAVEPOINT s');
      await expect(client.query('TRUNCATE ledger')).rejects.toThrow(/append-only/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('is Citus-ready: every table is placed by pg-citus.sql, unique keys hold the distribution column, foreign keys stay co-located', async () => {
    const placement = parseCitusSql(readFileSync(CITUS_SQL_PATH, 'utf8'));
    const tables = await pool.query<{ t: string }>(
      "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_version'",
    );
    expect(tables.rows.map((r) => r.t).sort()).toEqual([...placement.keys()].sort());

    const uniques = await pool.query<{ t: string; idx: string; cols: string[] }>(
      `SELECT c.relname AS t, i.relname AS idx,
              array(SELECT a.attname::text FROM unnest(x.indkey) k JOIN pg_attribute a
                      ON a.attrelid = x.indrelid AND a.attnum = k) AS cols
         FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND x.indisunique`,
    );
    for (const u of uniques.rows) {
      const p = placement.get(u.t);
      if (p?.kind === 'distributed') expect(u.cols, `${u.t}.${u.idx}`).toContain(p.column);
    }

    const fks = await pool.query<{ t: string; cols: string[]; ref: string; refcols: string[] }>(
      `SELECT c.relname AS t, r.relname AS ref,
              array(SELECT a.attname::text FROM unnest(k.conkey) n JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = n) AS cols,
              array(SELECT a.attname::text FROM unnest(k.confkey) n JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = n) AS refcols
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
        WHERE k.contype = 'f'`,
    );
    expect(fks.rows.length).toBeGreaterThan(0);
    for (const fk of fks.rows) {
      const from = placement.get(fk.t);
      const to = placement.get(fk.ref);
      const what = `${fk.t} (${fk.cols.join(', ')}) -> ${fk.ref}`;
      if (to?.kind === 'reference') continue;
      expect(from?.kind, what).toBe('distributed');
      expect(to?.kind, what).toBe('distributed');
      if (from?.kind !== 'distributed' || to?.kind !== 'distributed') continue;
      expect(from.group, what).toBe(to.group);
      expect(fk.cols.indexOf(from.column), what).toBe(fk.refcols.indexOf(to.column));
      expect(fk.cols.indexOf(from.column), what).toBeGreaterThanOrEqual(0);
    }
  });
});

describe.skipIf(skip)('PostgreSQL errors (storage/pg-errors.ts)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    pool = new pg.Pool({ connectionString: db.url, max: 1 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  async function raised(errcode: string): Promise<unknown> {
    return pool.query(`DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '${errcode}'; END $$`).then(
      () => null,
      (e: unknown) => e,
    );
  }

  it('classifies a full disk as storage full, and only that', async () => {
    expect(isPgStorageFull(await raised('53100'))).toBe(true);
    expect(isPgStorageFull(await raised('58030'))).toBe(true);
    expect(isPgStorageFull(await raised('53200'))).toBe(false);
    expect(isPgStorageFull(new Error('disk full'))).toBe(false);
    expect(isPgStorageFull(Object.assign(new Error('EPIPE'), { code: 'EPIPE' }))).toBe(false);
  });

  it('classifies serialization failures and deadlocks as retryable', async () => {
    expect(isPgRetryable(await raised('40001'))).toBe(true);
    expect(isPgRetryable(await raised('40P01'))).toBe(true);
    expect(isPgRetryable(await raised('23505'))).toBe(false);
    expect(isPgUniqueViolation(await raised('23505'))).toBe(true);
    expect(pgSqlState(await raised('53100'))).toBe('53100');
  });
});

type Placement = { kind: 'reference' } | { kind: 'local' } | { kind: 'distributed'; column: string; group: string };

/** The placement of each table as pg-citus.sql declares it; a group is named by its first table. */
function parseCitusSql(sql: string): Map<string, Placement> {
  const out = new Map<string, Placement>();
  for (const m of sql.matchAll(/^SELECT (\w+)\('(\w+)'(?:, '(\w+)', colocate_with => '(\w+)')?\)/gm)) {
    const [, fn, table = '', column = '', colocate = 'none'] = m;
    if (fn === 'create_reference_table') out.set(table, { kind: 'reference' });
    else if (fn === 'citus_add_local_table_to_metadata') out.set(table, { kind: 'local' });
    else {
      const with_ = colocate === 'none' ? undefined : out.get(colocate);
      const group = with_?.kind === 'distributed' ? with_.group : table;
      out.set(table, { kind: 'distributed', column, group });
    }
  }
  return out;
}
