/**
 * Many rows in one statement (storage/sql.ts insertMany, updateRows). On PostgreSQL the rows
 * travel as one JSON parameter, so every kind of value head office writes must come back as it
 * went in; and inserts are sent ahead of the step (sql-pg.ts runPg).
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import {
  all,
  get,
  insertMany,
  run,
  savepoint,
  updateRows,
  type RunResult,
  type Sql,
  type SqlValue,
} from '../../storage/sql.js';
import { runSqlite } from '../../storage/sql-sqlite.js';
import { pgSqlState } from '../../storage/pg-errors.js';
import { rowsJson, runPg } from '../../storage/sql-pg.js';
import { pgSkipReason, useScratchDatabase } from './cluster.js';

describe('rowsJson', () => {
  it('carries bigints as digits and bytes as hex', () => {
    expect(rowsJson([[1n << 60n, Buffer.from([0, 255]), new Uint8Array([1, 2]), null, 'a', 1.5]])).toBe(
      '[["1152921504606846976","00ff","0102",null,"a",1.5]]',
    );
  });

  it('writes a lone surrogate as U+FFFD, and leaves pairs and escaped backslashes alone', () => {
    const rows = [['x\ud800y', '\ud83d\ude00', '\\ud800', '\\\ud800', 'z\udc00']];
    expect(JSON.parse(rowsJson(rows))).toEqual([['x\ufffdy', '\ud83d\ude00', '\\ud800', '\\\ufffd', 'z\ufffd']]);
  });
});

describe.skipIf(pgSkipReason())('insertMany on PostgreSQL', () => {
  const client = useScratchDatabase(`CREATE TABLE t (
    id integer PRIMARY KEY, big bigint, txt text COLLATE "C", body bytea, doc jsonb, ratio double precision)`);

  it('writes every kind of value back as it went in, and keeps ON CONFLICT', async () => {
    const text = 'quote " backslash \\ newline \n tab \t 会员 😀 \\u0041 [1,{"a":2}]';
    const rows: SqlValue[][] = [
      [1, 9_007_199_254_740_991, text, Buffer.from([0, 1, 254, 255]), '{"k":[1,"两"]}', 0.1 + 0.2],
      [2, 12345678901234567n, 'lone \ud800 surrogate', new Uint8Array([7]), null, -0.5],
      [3, null, null, null, null, null],
    ];
    await runPg(client(), insertMany('t', ['id', 'big', 'txt', 'body', 'doc', 'ratio'], rows));
    await runPg(client(), insertMany('t', ['id', 'txt'], [[1, 'not written']], 'ON CONFLICT (id) DO NOTHING'));
    const got = await client().query(
      'SELECT id, big::text AS big, txt, body, doc::text AS doc, ratio FROM t ORDER BY id',
    );
    expect(got.rows).toEqual([
      {
        id: 1,
        big: '9007199254740991',
        txt: text,
        body: Buffer.from([0, 1, 254, 255]),
        doc: '{"k": [1, "两"]}',
        ratio: 0.30000000000000004,
      },
      { id: 2, big: '12345678901234567', txt: 'lone \ufffd surrogate', body: Buffer.from([7]), doc: null, ratio: -0.5 },
      { id: 3, big: null, txt: null, body: null, doc: null, ratio: null },
    ]);
  });

  it('writes more rows than one statement carries', async () => {
    const rows: SqlValue[][] = Array.from({ length: 12_001 }, (_, i) => [100 + i, i, `row ${i}`]);
    await runPg(client(), insertMany('t', ['id', 'big', 'txt'], rows));
    const got = await client().query('SELECT count(*)::int AS n, sum(big)::text AS s FROM t WHERE id >= 100');
    expect(got.rows[0]).toEqual({ n: 12_001, s: String((12_000 * 12_001) / 2) });
  });
});

describe.skipIf(pgSkipReason())('inserts sent ahead (storage/sql-pg.ts runPg)', () => {
  const client = useScratchDatabase('CREATE TABLE w (id integer PRIMARY KEY, v text)');

  async function inTransaction<T>(step: Sql<T>): Promise<T> {
    await client().query('BEGIN');
    try {
      const out = await runPg(client(), step);
      await client().query('COMMIT');
      return out;
    } catch (e) {
      await client().query('ROLLBACK');
      throw e;
    }
  }

  it('a read after an insert sees its rows, the first time a table is written and after', async () => {
    const counts = await inTransaction(
      (function* () {
        const out: number[] = [];
        for (let round = 0; round < 3; round++) {
          yield* insertMany(
            'w',
            ['id', 'v'],
            [
              [round * 2 + 1, 'a'],
              [round * 2 + 2, 'b'],
            ],
          );
          out.push(((yield* get('SELECT count(*)::int AS n FROM w')) as { n: number }).n);
        }
        return out;
      })(),
    );
    expect(counts).toEqual([2, 4, 6]);
  });

  it('writes the rows as the step yielded them, whatever it does to its arrays afterwards', async () => {
    const got = await inTransaction(
      (function* () {
        const body = Buffer.from('ab');
        const rows: SqlValue[][] = [[50, 'first']];
        // Queued behind this one, the second insert is sent only after the step has moved on.
        yield* insertMany(
          'w',
          ['id', 'v'],
          Array.from({ length: 3 }, (_, i) => [60 + i, 'x']),
        );
        yield* insertMany('w', ['id', 'v'], rows);
        (rows[0] as SqlValue[])[1] = 'changed';
        rows.push([51, 'added']);
        body.write('zz');
        return (yield* all('SELECT id, v FROM w WHERE id IN (50, 51) ORDER BY id')) as unknown[];
      })(),
    );
    expect(got).toEqual([{ id: 50, v: 'first' }]);
  });

  it('refuses a column the table lacks at the insert itself', async () => {
    const seen = await inTransaction(
      (function* () {
        yield* insertMany('w', ['id'], [[70]]);
        try {
          yield* insertMany('w', ['id', 'nope'], [[71, 'x']]);
        } catch (e) {
          return (e as Error).message;
        }
        return 'no error';
      })(),
    );
    expect(seen).toBe('insertMany: w has no column nope');
  });

  it("a failed insert is thrown into the step at its next operation as the insert's own error", async () => {
    const seen = await inTransaction(
      (function* () {
        yield* insertMany('w', ['id', 'v'], [[100, 'kept']]);
        try {
          yield* savepoint(
            (function* () {
              yield* insertMany('w', ['id', 'v'], [[101, 'undone']]);
              yield* insertMany('w', ['id', 'v'], [[1, 'duplicate']]);
            })(),
          );
        } catch (e) {
          return pgSqlState(e);
        }
        return 'no error';
      })(),
    );
    expect(seen).toBe('23505');
    const rows = await client().query('SELECT id, v FROM w WHERE id >= 100 ORDER BY id');
    expect(rows.rows).toEqual([{ id: 100, v: 'kept' }]);
  });

  it('a failed insert fails the step when it was the last thing the step did', async () => {
    await expect(
      inTransaction(
        (function* () {
          yield* insertMany('w', ['id', 'v'], [[200, 'x']]);
          yield* insertMany('w', ['id', 'v'], [[2, 'duplicate']]);
        })(),
      ),
    ).rejects.toMatchObject({ code: '23505' });
    expect((await client().query('SELECT count(*)::int AS n FROM w WHERE id = 200')).rows[0]).toEqual({ n: 0 });
  });

  it('a failed insert followed by a read throws the insert error, not "transaction is aborted"', async () => {
    const seen = await inTransaction(
      (function* () {
        yield* insertMany('w', ['id', 'v'], [[3, 'duplicate']]);
        try {
          yield* run('UPDATE w SET v = v WHERE id = 1');
        } catch (e) {
          return pgSqlState(e);
        }
        return 'no error';
      })(),
    ).catch((e: unknown) => `commit failed: ${pgSqlState(e)}`);
    // The step caught it; COMMIT of an aborted transaction rolls back (pg reports no error).
    expect(seen).toBe('23505');
  });

  it('sends no queued write after the step fails: the rollback leaves nothing of them', async () => {
    await expect(
      inTransaction(
        (function* () {
          // Queued one behind the other (the first insert into a table waits for its column
          // types): sent after the caller's ROLLBACK, they would run outside any transaction.
          yield* insertMany('w', ['id', 'v'], [[300, 'x']]);
          yield* insertMany('w', ['id', 'v'], [[301, 'x']]);
          yield* insertMany('w', ['id', 'v'], [[302, 'x']]);
          throw new Error('the step failed');
        })(),
      ),
    ).rejects.toThrow('the step failed');
    expect((await client().query('SELECT count(*)::int AS n FROM w WHERE id >= 300')).rows[0]).toEqual({ n: 0 });
  });
});

/** Tills' rows updated at once, only where the new time is later: the feed-read bookkeeping's use. */
function* updateSeen(rows: { till_id: string; seen: string | null }[]): Sql<RunResult> {
  return yield* updateRows('tl', { till_id: 'text', seen: 'text' }, rows, 't.seen IS NULL OR t.seen < v.seen');
}

const SEEN_ROWS = [
  { till_id: 'A', seen: '2026-01-02' },
  { till_id: 'B', seen: '2026-01-01' },
  { till_id: 'C', seen: '2026-01-05' },
  { till_id: 'nobody', seen: '2026-01-09' },
];
const SEEN_AFTER = [
  { till_id: 'A', seen: '2026-01-02', n: 1 },
  { till_id: 'B', seen: '2026-01-03', n: 2 },
  { till_id: 'C', seen: '2026-01-05', n: 3 },
];

/** The same table and rows on both databases. */
const TL_SQL = `CREATE TABLE tl (till_id TEXT PRIMARY KEY, seen TEXT, n INTEGER);
  INSERT INTO tl VALUES ('A', NULL, 1), ('B', '2026-01-03', 2), ('C', '2026-01-04', 3)`;

describe('updateRows', () => {
  it('updates each row by its key on SQLite, only where the condition holds', () => {
    const db = new Database(':memory:');
    db.exec(TL_SQL);
    expect(runSqlite(db, updateSeen(SEEN_ROWS)).changes).toBe(2);
    expect(db.prepare('SELECT * FROM tl ORDER BY till_id').all()).toEqual(SEEN_AFTER);
    db.close();
  });

  describe.skipIf(pgSkipReason())('on PostgreSQL', () => {
    const client = useScratchDatabase(TL_SQL);

    it('does the same', async () => {
      expect((await runPg(client(), updateSeen(SEEN_ROWS))).changes).toBe(2);
      expect((await client().query('SELECT * FROM tl ORDER BY till_id')).rows).toEqual(SEEN_AFTER);
    });
  });
});
