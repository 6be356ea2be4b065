/**
 * Head office's database stops taking writes while head office runs: on PostgreSQL a failover
 * left HQ_DATABASE_URL leading to a read-only server (here the database's
 * default_transaction_read_only, and head office's connections cut, as a failover cuts them);
 * on SQLite a read-only file (here `query_only`). An upload is answered 503 database_read_only
 * and logged as that, nothing is half-written, and once writes come back the till's resend
 * lands once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { LOG_FILE } from './open.js';
import type { SqliteHqStore } from './store/sqlite.js';
import { at, rowCounts, useOneTillHq, testStore, upload, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let A: TillSim;

useOneTillHq('A', (x) => {
  ({ t, till: A } = x);
});

/** As an administrator of the server would, on a connection of its own. */
async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: t.env.HQ_DATABASE_URL });
  await c.connect();
  try {
    // The administrator's own session writes whatever the database's default says.
    await c.query('SET default_transaction_read_only = off');
    const db = (await c.query<{ db: string }>('SELECT current_database() AS db')).rows[0]?.db as string;
    await c.query(sql.replaceAll('$db', `"${db}"`));
  } finally {
    await c.end();
  }
}

const CUT =
  'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()';

async function readOnly(on: boolean): Promise<void> {
  if (testStore() === 'postgres') {
    await admin(
      `ALTER DATABASE $db ${on ? 'SET default_transaction_read_only = on' : 'RESET default_transaction_read_only'}`,
    );
    await admin(CUT);
  } else {
    (t.hq.store as SqliteHqStore).db.pragma(`query_only = ${on ? 'ON' : 'OFF'}`);
  }
}

describe(`head office's database turned read-only (${testStore()})`, () => {
  it('answers 503 database_read_only, records nothing, and takes the resend once writable again', async () => {
    A.enrol('M1', at(0));
    for (let i = 1; i <= 40; i++) A.sale('M1', 1_000 * i, at(i));
    const [first, second, ...rest] = A.batches(20);
    expect((await upload(t, A, first)).status).toBe(200);
    await t.hq.store.settle();
    const before = await rowCounts(t);

    await readOnly(true);
    // The first request after the cut may meet a connection the pool has not yet dropped: ask until one answers.
    let r = await upload(t, A, second);
    for (let i = 0; i < 3 && r.status === 500; i++) r = await upload(t, A, second);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('database_read_only');
    expect(readFileSync(join(t.dataDir, LOG_FILE), 'utf8')).toMatch(/"event":"database_read_only"/);

    await readOnly(false);
    expect(await rowCounts(t)).toEqual(before);
    let again = await upload(t, A, second);
    for (let i = 0; i < 3 && again.status === 500; i++) again = await upload(t, A, second);
    expect(again.status).toBe(200);
    for (const b of rest) expect((await upload(t, A, b)).status).toBe(200);
    await t.hq.store.settle();
    expect((await rowCounts(t)).ledger).toBe(A.headSeq);
  });
});
