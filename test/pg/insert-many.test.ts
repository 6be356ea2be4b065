/**
 * Many rows in one statement on PostgreSQL (storage/sql-pg.ts insertMany): the rows travel as
 * one JSON parameter, so every kind of value head office writes must come back as it went in.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMany, type SqlValue } from '../../storage/sql.js';
import { rowsJson, runPg } from '../../storage/sql-pg.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from './cluster.js';

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
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`CREATE TABLE t (
      id integer PRIMARY KEY, big bigint, txt text COLLATE "C", body bytea, doc jsonb, ratio double precision)`);
  });

  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('writes every kind of value back as it went in, and keeps ON CONFLICT', async () => {
    const text = 'quote " backslash \\ newline \n tab \t 会员 😀 \\u0041 [1,{"a":2}]';
    const rows: SqlValue[][] = [
      [1, 9_007_199_254_740_991, text, Buffer.from([0, 1, 254, 255]), '{"k":[1,"两"]}', 0.1 + 0.2],
      [2, 12345678901234567n, 'lone \ud800 surrogate', new Uint8Array([7]), null, -0.5],
      [3, null, null, null, null, null],
    ];
    await runPg(client, insertMany('t', ['id', 'big', 'txt', 'body', 'doc', 'ratio'], rows));
    await runPg(client, insertMany('t', ['id', 'txt'], [[1, 'not written']], 'ON CONFLICT (id) DO NOTHING'));
    const got = await client.query(
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
    await runPg(client, insertMany('t', ['id', 'big', 'txt'], rows));
    const got = await client.query('SELECT count(*)::int AS n, sum(big)::text AS s FROM t WHERE id >= 100');
    expect(got.rows[0]).toEqual({ n: 12_001, s: String((12_000 * 12_001) / 2) });
  });
});
