/**
 * Reads of committed rows beside the writes sent ahead (storage/sql.ts allCommitted,
 * storage/sql-pg.ts runPg's SideConnection). The step decides which reads may go aside; these tests check only what the runner
 * does with them: on the side connection they see what was committed and never the
 * transaction's own rows, without one they run in the transaction, and a failure there is
 * the read's own, thrown into the step, leaving the transaction usable.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pgSqlState } from '../../storage/pg-errors.js';
import { all, allCommitted, insertMany, run, type Sql } from '../../storage/sql.js';
import { runPg, type SideConnection } from '../../storage/sql-pg.js';
import { runSqlite } from '../../storage/sql-sqlite.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from './cluster.js';

/** Ids in `w`, as the step's connection or the side one sees them. */
function* ids(read: typeof all): Sql<number[]> {
  return ((yield* read('SELECT id FROM w ORDER BY id')) as { id: number }[]).map((r) => r.id);
}

/** A step that writes 2 and 3, then reads aside and in the transaction. */
function* writeThenRead(): Sql<{ aside: number[]; inside: number[] }> {
  yield* insertMany('w', ['id'], [[2], [3]]);
  const aside = yield* ids(allCommitted);
  const inside = yield* ids(all);
  return { aside, inside };
}

describe('allCommitted on SQLite', () => {
  it('reads in the transaction, as all', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE w (id INTEGER PRIMARY KEY)');
    db.exec('INSERT INTO w VALUES (1)');
    expect(db.transaction(() => runSqlite(db, writeThenRead()))()).toEqual({ aside: [1, 2, 3], inside: [1, 2, 3] });
  });
});

describe.skipIf(pgSkipReason())('allCommitted on PostgreSQL', () => {
  let db: TestDatabase;
  let main: pg.Client;
  let other: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    main = new pg.Client({ connectionString: db.url });
    other = new pg.Client({ connectionString: db.url });
    await Promise.all([main.connect(), other.connect()]);
  });

  afterAll(async () => {
    await Promise.all([main.end(), other.end()]);
    await db.drop();
  });

  beforeEach(async () => {
    await main.query('DROP TABLE IF EXISTS w; CREATE TABLE w (id integer PRIMARY KEY); INSERT INTO w VALUES (1)');
  });

  /** The side connection as a write transaction lends it; `taken` counts the times the step asked. */
  function side(client: pg.ClientBase | null): SideConnection & { taken: number } {
    return {
      taken: 0,
      client() {
        this.taken++;
        return Promise.resolve(client);
      },
    };
  }

  async function inTransaction<T>(step: Sql<T>, aside?: SideConnection): Promise<T> {
    await main.query('BEGIN');
    try {
      const out = await runPg(main, step, aside);
      await main.query('COMMIT');
      return out;
    } catch (e) {
      await main.query('ROLLBACK');
      throw e;
    }
  }

  async function committed(): Promise<number[]> {
    return (await other.query<{ id: number }>('SELECT id FROM w ORDER BY id')).rows.map((r) => r.id);
  }

  it("reads committed rows on the side connection, never the transaction's own", async () => {
    const s = side(other);
    expect(await inTransaction(writeThenRead(), s)).toEqual({ aside: [1], inside: [1, 2, 3] });
    expect(s.taken).toBe(1);
    expect(await committed()).toEqual([1, 2, 3]);
  });

  it('reads in the transaction, after its writes, when no side connection can be had', async () => {
    const s = side(null);
    expect(await inTransaction(writeThenRead(), s)).toEqual({ aside: [1, 2, 3], inside: [1, 2, 3] });
    expect(s.taken).toBe(1);
  });

  it('reads in the transaction when the runner is given no side connection at all', async () => {
    expect(await inTransaction(writeThenRead())).toEqual({ aside: [1, 2, 3], inside: [1, 2, 3] });
  });

  it('throws a failed side read into the step as its own error, and the transaction goes on', async () => {
    const seen = await inTransaction(
      (function* () {
        yield* insertMany('w', ['id'], [[5]]);
        let error: string | null = null;
        try {
          yield* allCommitted('SELECT id FROM no_such_table');
        } catch (e) {
          error = pgSqlState(e) ?? String(e);
        }
        yield* run('INSERT INTO w VALUES (6)');
        return { error, inside: yield* ids(all) };
      })(),
      side(other),
    );
    // undefined_table from the side connection; the transaction's writes all committed.
    expect(seen).toEqual({ error: '42P01', inside: [1, 5, 6] });
    expect(await committed()).toEqual([1, 5, 6]);
  });
});
