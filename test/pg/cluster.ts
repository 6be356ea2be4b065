/**
 * A PostgreSQL server for the tests, started once per vitest run (global-setup.ts), and a
 * fresh database per test file or test (createTestDatabase).
 *
 *   1. HQ_TEST_DATABASE_URL set: that server (the tests create and drop databases on it, so
 *      the role needs CREATEDB).
 *   2. Else /usr/lib/postgresql/<n>/bin/initdb exists: a throwaway cluster in a temporary
 *      folder: initdb (trust, C locale, no fsync) as the `postgres` user (through runuser when
 *      we are root, as ourselves otherwise), pg_ctl start on a free port of 127.0.0.1 with the
 *      socket in the same folder and durability off (tests only), stopped and removed at the end.
 *   3. Else the PostgreSQL suites skip, saying why (`pgSkipReason()`).
 *
 * Either way the run then builds one template database with head office's PostgreSQL
 * migrations applied; CREATE DATABASE ... TEMPLATE copies it in tens of milliseconds, so every
 * test file (or test) gets its own migrated database without running the migrations again.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { loadMigrations } from '../../storage/migrate.js';
import { migratePg } from '../../storage/pg-migrate.js';

export const PG_MIGRATIONS_DIR = new URL('../../headoffice/store/pg-migrations/', import.meta.url).pathname;

/** What global-setup.ts hands the test files (through provide/inject). */
export interface PgTestServer {
  /** Base URL of the server (its `postgres` database); null when skipped. */
  url: string | null;
  /** A database with every PostgreSQL migration applied, to copy; null when skipped. */
  template: string | null;
  /** Why the PostgreSQL suites skip; null when they run. */
  skip: string | null;
  /** PostgreSQL 15+: copy databases by file (faster for a small template than WAL_LOG). */
  fileCopy?: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    hqPg: PgTestServer;
  }
}

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
  /** the cluster's data folder, when this process started it (postmaster.pid is there) */
  dataDir?: string;
}

/** The newest /usr/lib/postgresql/<n>/bin that holds initdb, or null. */
export function findPgBin(root = '/usr/lib/postgresql'): string | null {
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function postgresIds(): { uid: number; gid: number } | null {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) return null;
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/**
 * Starts a throwaway cluster, or returns a reason it cannot. Takes about a second and a half
 * (initdb is most of it).
 */
export async function startThrowawayCluster(
  bin: string,
  /**
   * durable: PostgreSQL's own defaults (fsync, synchronous commit), as the benchmarks need;
   * standbyOf: a streaming replica (hot standby) of the throwaway cluster at that URL, copied
   * from it by pg_basebackup instead of made by initdb
   */
  cluster: { durable?: boolean; standbyOf?: string } = {},
): Promise<RunningServer | { skip: string }> {
  const root = process.getuid?.() === 0;
  const ids = root ? postgresIds() : null;
  if (root && !ids) return { skip: 'skip: running as root and there is no postgres user to run initdb as' };
  const dir = mkdtempSync(join(tmpdir(), 'hq-pg-'));
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const data = join(dir, 'data');
  const run = (cmd: string, args: string[]): void => {
    const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: 'utf8' });
    if (r.status !== 0) {
      const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8') : '';
      throw new Error(`${cmd} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}\n${log}`.trim());
    }
  };
  const stopSync = (): void => {
    try {
      run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-s']);
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (cluster.standbyOf) {
      const primary = new URL(cluster.standbyOf);
      // -R: standby.signal and primary_conninfo written, so it starts as a replica following the primary.
      run('pg_basebackup', [
        '-h',
        primary.hostname,
        '-p',
        primary.port,
        '-U',
        'postgres',
        '-D',
        data,
        '-R',
        '-N',
        '-c',
        'fast',
      ]);
    } else {
      run('initdb', [
        '-D',
        data,
        '-A',
        'trust',
        '-U',
        'postgres',
        '--no-sync',
        '--no-locale',
        '-E',
        'UTF8',
        '--no-instructions',
      ]);
    }
    const port = await freePort();
    const opts = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      ...(cluster.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
      '-c max_connections=200',
    ].join(' ');
    run('pg_ctl', ['start', '-w', '-t', '30', '-s', '-D', data, '-l', join(dir, 'log'), '-o', opts]);
    // Ctrl-C or a crash of the vitest process must not leave a postmaster behind.
    process.once('exit', stopSync);
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      dataDir: data,
      async stop() {
        process.removeListener('exit', stopSync);
        stopSync();
      },
    };
  } catch (e) {
    stopSync();
    throw e;
  }
}

/** Where the tests' server comes from: HQ_TEST_DATABASE_URL, a throwaway cluster, or a skip. */
export async function startTestServer(
  opts: { databaseUrl?: string; pgRoot?: string } = { databaseUrl: process.env.HQ_TEST_DATABASE_URL },
): Promise<RunningServer | { skip: string }> {
  const given = opts.databaseUrl;
  if (given) return { url: given, async stop() {} };
  const bin = findPgBin(opts.pgRoot);
  if (!bin) return { skip: 'skip: no PostgreSQL binaries and no HQ_TEST_DATABASE_URL' };
  return startThrowawayCluster(bin);
}

/** The URL of database `name` on the server at `base`. */
export function databaseUrl(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

export function randomDatabaseName(prefix = 'hq_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Runs `sql` on the server's maintenance database (one short connection). */
export async function adminQuery(base: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Creates the template database with every PostgreSQL migration applied; returns its name. */
export async function createTemplate(base: string): Promise<string> {
  const name = randomDatabaseName('hq_template');
  await adminQuery(base, `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'`);
  const c = new pg.Client({ connectionString: databaseUrl(base, name) });
  await c.connect();
  try {
    await migratePg(c, loadMigrations(PG_MIGRATIONS_DIR));
  } finally {
    await c.end();
  }
  return name;
}

/** Whether the server is PostgreSQL 15 or later (CREATE DATABASE ... STRATEGY). */
export async function serverHasStrategy(base: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    const r = await c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    return Number(r.rows[0]?.v) >= 150000;
  } finally {
    await c.end();
  }
}

/** Drops a database, disconnecting whoever is still in it (PostgreSQL 13+). */
export async function dropDatabase(base: string, name: string): Promise<void> {
  await adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** The server global-setup.ts started (or the reason there is none). */
export function pgTestServer(): PgTestServer {
  return inject('hqPg') ?? { url: null, template: null, skip: 'skip: vitest ran without test/pg/global-setup.ts' };
}

/** Why the PostgreSQL suites skip in this run, or null: `describe.skipIf(pgSkipReason())`. */
export function pgSkipReason(): string | null {
  return pgTestServer().skip;
}

export interface TestDatabase {
  /** postgres://... of the new database. */
  url: string;
  name: string;
  /** Drops the database (closing any connection left in it). */
  drop(): Promise<void>;
}

/**
 * A new database of its own for a test file or test: `migrated` (the default) copies the
 * template, which has every migration of headoffice/store/pg-migrations applied; `migrated:
 * false` gives an empty one (template0). Throws when the run has no server: guard the suite
 * with `describe.skipIf(pgSkipReason())`.
 */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const server = pgTestServer();
  if (!server.url || !server.template) throw new Error(server.skip ?? 'no PostgreSQL test server');
  const base = server.url;
  const name = randomDatabaseName();
  const template = opts.migrated === false ? 'template0' : server.template;
  const strategy = server.fileCopy ? ' STRATEGY FILE_COPY' : '';
  await adminQuery(base, `CREATE DATABASE ${name} TEMPLATE ${template}${strategy}`);
  return { url: databaseUrl(base, name), name, drop: () => dropDatabase(base, name) };
}

/**
 * In a describe block: a client on an empty database of the block's own (no migrations),
 * `ddl` run on it first; the database is dropped after the block.
 */
export function useScratchDatabase(ddl: string): () => pg.Client {
  let db: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(ddl);
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });
  return () => client;
}

/**
 * Every row of every table of the database at `url` as text (one line a row, `table: (…)`,
 * bytea as hex): what a search of its files, a dump or a replica of it would find.
 */
export async function databaseText(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = await c.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    );
    const lines: string[] = [];
    for (const { name } of tables.rows) {
      const r = await c.query<{ row: string }>(`SELECT x::text AS row FROM "${name}" x`);
      for (const { row } of r.rows) lines.push(`${name}: ${row}`);
    }
    return lines.join('\n');
  } finally {
    await c.end();
  }
}
