/**
 * The SQLite HqStore: head office's embedded database (HQ_DATA_DIR/headoffice.sqlite), for
 * one head-office process. better-sqlite3 is synchronous, so each transaction runs its step
 * to the end inside db.transaction and the async interface only wraps the result: nothing
 * can interleave inside an operation. The operations themselves are step-store.ts's.
 */
import { join } from 'node:path';
import { isStorageFull } from '../../storage/sqlite-errors.js';
import { runSqlite } from '../../storage/sql-sqlite.js';
import type { HqKeys } from '../crypto.js';
import type { Logger } from '../log.js';
import { dropIngestCaches } from './cache.js';
import { openDb, type Db } from './sqlite-db.js';
import { StepHqStore, type Step } from './step-store.js';

export { APPLY_CHUNK_ENTRIES, APPLY_DELAY_MS, APPLY_MAX_WAIT_MS } from './step-store.js';

export const DB_FILE = 'headoffice.sqlite';

export class SqliteHqStore extends StepHqStore {
  readonly kind = 'sqlite' as const;

  constructor(
    readonly db: Db,
    keys: HqKeys,
    log: Logger,
  ) {
    super({ dialect: 'sqlite' }, keys, log);
    // Synchronous on SQLite: both done before the constructor returns.
    this.sealMemberFields().catch((e: unknown) =>
      log.log('error', 'member_fields_seal_failed', { error: e instanceof Error ? e.message : String(e) }),
    );
    this.rebuildStaleAggregates().catch((e: unknown) =>
      log.log('error', 'aggregates_rebuild_failed', { error: e instanceof Error ? e.message : String(e) }),
    );
    this.startApplying();
  }

  protected async read<T>(step: Step<T>): Promise<T> {
    return this.db.transaction(() => runSqlite(this.db, step()))();
  }

  /**
   * IMMEDIATE: take the write lock up front. A deferred transaction that reads, then writes after
   * another process (an operator CLI) committed, fails at once with SQLITE_BUSY instead of waiting.
   */
  protected async write<T>(step: Step<T>): Promise<T> {
    if (!this.db.open) throw new Error('head office database is closed');
    try {
      return this.db.transaction(() => runSqlite(this.db, step())).immediate();
    } catch (e) {
      // The transaction rolled back: what the caches learnt inside it may not exist.
      dropIngestCaches(this.tx);
      throw e;
    }
  }

  protected async tillTransaction<T>(step: Step<T>): Promise<T> {
    return this.write(step);
  }

  protected isStorageFull(e: unknown): boolean {
    return isStorageFull(e);
  }

  /**
   * Until a checkpoint the main file still holds the pages as they were before the write that
   * removed personal data, and the WAL keeps the earlier frames that carried it: secure_delete
   * (sqlite-db.ts) zeroes freed space in the pages written, not those copies. TRUNCATE copies
   * every frame back into the main file and cuts the WAL to nothing, so an erased member's old
   * values stay in no file. Outside the transaction, best effort: a reader holding an old
   * snapshot (the backup command) makes it give up; the next erasure tries again, and closing the
   * database checkpoints and removes the WAL all the same.
   */
  protected afterPersonalDataRemoved(): void {
    try {
      const [r] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
      if (r && r.busy !== 0) this.log.log('warn', 'wal_checkpoint_busy', { log: r.log, checkpointed: r.checkpointed });
    } catch (e) {
      this.log.log('warn', 'wal_checkpoint_failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  protected async closeDatabase(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

export function openSqliteStore(dataDir: string, keys: HqKeys, log: Logger): SqliteHqStore {
  return new SqliteHqStore(openDb(join(dataDir, DB_FILE)), keys, log);
}
