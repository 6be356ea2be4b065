/**
 * The PostgreSQL HqStore (HQ_DATABASE_URL=postgres://...): any number of head-office
 * processes on one database, each stateless but for caches it can drop. The operations are
 * step-store.ts's; this file says how their transactions run (see the table there).
 *
 * A write, step by step:
 *   1. BEGIN (READ COMMITTED) on a pooled client
 *   2. pg_advisory_xact_lock(WRITER_LOCK): one writer at a time across every process, as
 *      SQLite's single write lock; held until COMMIT or ROLLBACK
 *   3. read writer_token: the token the last writer left. Not the one this process left after
 *      its last write: another process wrote since, so the ingest caches (cache.ts) are dropped
 *   4. run the step; then write a fresh token (this process's id and a counter) and COMMIT
 *   5. on any error: ROLLBACK, drop the caches (they may describe rows never committed),
 *      retry a serialization failure or deadlock up to RETRIES times, else throw
 *
 * A till transaction (accepting uploads into the inbox) takes no writer lock: the step takes
 * an advisory lock per till (inbox.ts lockTills), so uploads of different tills go in
 * parallel and one till's batches are accepted one after the other whichever process takes
 * them. A read runs REPEATABLE READ, READ ONLY: every figure of one answer is of one moment.
 *
 * Unless pg-migrations changes, numbers stay JS numbers: the pool parses int8 and numeric
 * (storage/sql-pg.ts pgTypes); every text column is COLLATE "C", so ORDER BY matches SQLite.
 */
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { loadMigrations } from '../../storage/migrate.js';
import { isPgRetryable, isPgStorageFull } from '../../storage/pg-errors.js';
import { distributeOnCitus, migratePg } from '../../storage/pg-migrate.js';
import { openPool, runPg } from '../../storage/sql-pg.js';
import { refreshStaleStatistics } from '../../storage/pg-statistics.js';
import { get, run, textFor, type Sql } from '../../storage/sql.js';
import type { HqKeys } from '../crypto.js';
import type { Logger } from '../log.js';
import { distrustIngestCaches, dropIngestCaches } from './cache.js';
import { StepHqStore, type Step } from './step-store.js';

export const PG_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'pg-migrations');

/** The advisory lock every writing transaction holds (`hq\0\2`); migrations hold `hq\0\1`. */
export const WRITER_LOCK = 0x68710002;
const RETRIES = 3;

/** The database at HQ_DATABASE_URL could not be reached or migrated; the message never holds the password. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'database_unavailable';
  constructor(url: string, cause: unknown) {
    super(
      `cannot open the PostgreSQL database ${redactedUrl(url)}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * A read replica (a hot standby, where the reports and BI tools read: README, "Replicas for
 * reports") takes reads only, and head office writes from its first statement: said as that,
 * not as the first write's "read-only transaction".
 */
async function refuseStandby(pool: pg.Pool): Promise<void> {
  const r = await pool.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
  if (r.rows[0]?.standby) {
    throw new Error('it is a read-only standby (a replica); point HQ_DATABASE_URL at the primary');
  }
}

/** The URL without its password, fit for a log line. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(malformed HQ_DATABASE_URL)';
  }
}

const WRITES = /^\s*(INSERT|UPDATE|DELETE)\b/i;

/** Passes `step`'s operations through, noting whether any of them writes. */
function* watchWrites<T>(step: Sql<T>, seen: { wrote: boolean }): Sql<T> {
  let next = step.next();
  while (!next.done) {
    const op = next.value;
    if (op.kind === 'insertMany' || ('sql' in op && WRITES.test(textFor(op.sql, 'pg')))) seen.wrote = true;
    let result: unknown;
    try {
      result = yield op;
    } catch (e) {
      next = step.throw(e);
      continue;
    }
    next = step.next(result);
  }
  return next.value;
}

export class PgHqStore extends StepHqStore {
  readonly kind = 'postgres' as const;
  private readonly processId = randomUUID();
  private writes = 0;
  /** the token this process left at its last committed write */
  private lastToken: string | null = null;
  private analyzing: Promise<void> | null = null;

  constructor(
    readonly pool: pg.Pool,
    keys: HqKeys,
    log: Logger,
  ) {
    super({ dialect: 'pg' }, keys, log);
  }

  /** Connects, migrates (one process at a time), distributes on Citus where it is installed. */
  static async open(url: string, keys: HqKeys, log: Logger, poolSize = 10): Promise<PgHqStore> {
    const pool = openPool(url, poolSize, (e) => log.log('warn', 'pg_connection_lost', { error: e.message }));
    // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
    pool.on('error', (e) => log.log('warn', 'pg_idle_client_error', { error: e.message }));
    try {
      await refuseStandby(pool);
      await migratePg(pool, loadMigrations(PG_MIGRATIONS_DIR));
      if (await distributeOnCitus(pool)) log.log('info', 'citus_distributed', {});
    } catch (e) {
      await pool.end();
      // A database from the future says so itself; anything else is "cannot open".
      if (e instanceof Error && 'code' in e && e.code === 'database_from_future') throw e;
      throw new DatabaseUnavailableError(url, e);
    }
    const store = new PgHqStore(pool, keys, log);
    // Under the writer lock: processes opening together take turns, and the later find nothing to seal.
    await store.sealMemberFields();
    await store.rebuildStaleAggregates();
    store.startApplying();
    return store;
  }

  private async transaction<T>(begin: string, body: (c: pg.PoolClient) => Promise<T>, writer: boolean): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query(begin);
        const out = await body(client);
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (writer) dropIngestCaches(this.tx);
        if (attempt < RETRIES && isPgRetryable(e)) continue;
        throw e;
      } finally {
        client.release();
      }
    }
  }

  protected async read<T>(step: Step<T>): Promise<T> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', (c) => runPg(c, step()), false);
  }

  protected async bookkeeping<T>(step: Step<T>): Promise<T> {
    return this.transaction(
      'BEGIN',
      (c) =>
        runPg(
          c,
          (function* () {
            yield* run(`SELECT pg_advisory_xact_lock(${WRITER_LOCK})`);
            return yield* step();
          })(),
        ),
      false,
    );
  }

  /** One statement needs no transaction of its own: one round trip instead of three. */
  protected async peek<T>(step: Step<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await runPg(client, step());
    } finally {
      client.release();
    }
  }

  protected async write<T>(step: Step<T>): Promise<T> {
    // The token is read and set while the writer lock is held, not around the transaction: a
    // second write of this process waiting for the lock must compare with the token the first
    // one left, or it would drop the caches after every pass. A write that then fails to commit
    // leaves meta with the older token, so the next write sees the difference and drops them.
    return this.transaction(
      'BEGIN',
      async (c) => {
        const tx = this.tx;
        const processId = this.processId;
        const n = ++this.writes;
        const setToken = (t: string): void => {
          this.lastToken = t;
        };
        const lastToken = (): string => this.lastToken ?? '';
        return runPg(
          c,
          (function* () {
            yield* run(`SELECT pg_advisory_xact_lock(${WRITER_LOCK})`);
            const r = (yield* get('SELECT token FROM writer_token WHERE id = 1')) as { token: string } | undefined;
            const found = r?.token ?? '';
            if (found !== lastToken()) distrustIngestCaches(tx);
            setToken(found);
            const seen = { wrote: false };
            const result = yield* watchWrites(step(), seen);
            // A pass that found nothing to do commits without a write: no WAL flush, and the
            // caches (now as of `found`) stay valid for this process and every other.
            if (!seen.wrote) return result;
            const token = `${processId}:${n}`;
            yield* run(
              'INSERT INTO writer_token (id, token) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET token = excluded.token',
              token,
            );
            setToken(token);
            return result;
          })(),
        );
      },
      true,
    );
  }

  protected async tillTransaction<T>(step: Step<T>): Promise<T> {
    return this.transaction('BEGIN', (c) => runPg(c, step()), false);
  }

  protected isStorageFull(e: unknown): boolean {
    return isPgStorageFull(e);
  }

  /** Statistics of tables that outgrew them (storage/pg-statistics.ts), one refresh at a time, beside the next pass. */
  protected afterApplying(): void {
    if (this.analyzing) return;
    this.analyzing = refreshStaleStatistics(this.pool)
      .then((tables) => {
        if (tables.length > 0) this.log.log('info', 'statistics_refreshed', { tables });
      })
      .catch((e: unknown) =>
        this.log.log('warn', 'statistics_refresh_failed', { error: e instanceof Error ? e.message : String(e) }),
      )
      .finally(() => {
        this.analyzing = null;
      });
  }

  protected async closeDatabase(): Promise<void> {
    await this.analyzing;
    await this.pool.end();
  }
}
