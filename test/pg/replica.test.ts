/**
 * Reports and BI tools on a streaming replica (headoffice/README.md, "Replicas for reports"),
 * with real parts: a throwaway primary, a hot standby of it made by pg_basebackup, a head
 * office writing to the primary. On the replica the ledger is there to query as it is on the
 * primary, and a member's name and phone are not there in clear; head office pointed at the
 * replica by mistake refuses to start in one line that says what to do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangesResponse } from '../../core/sync/protocol.js';
import { addTill } from '../../headoffice/provision.js';
import { createHeadOffice, type HeadOffice } from '../../headoffice/server.js';
import { TillSim } from '../../loadgen/till-sim.js';
import { at, changes, OPERATOR_TOKEN, uploadAll } from '../../headoffice/test-helpers.js';
import {
  adminQuery,
  databaseText,
  databaseUrl,
  findPgBin,
  startThrowawayCluster,
  type RunningServer,
} from './cluster.js';

const NAME = '欧阳晓岚';
const PHONE = '13712340987';

const bin = findPgBin();
const skip = bin
  ? null
  : 'skip: no PostgreSQL binaries under /usr/lib/postgresql/<n>/bin to make a primary and a replica';

async function one<T>(url: string, text: string, ...params: unknown[]): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows[0] as T;
  } finally {
    await c.end();
  }
}

describe.skipIf(skip !== null)(skip ?? 'head office with a streaming replica for reports', () => {
  let primary: RunningServer;
  let replica: RunningServer;
  let dir: string;
  let hq: HeadOffice | null = null;
  let started = true;

  beforeAll(async () => {
    const p = await startThrowawayCluster(bin as string);
    if ('skip' in p) {
      started = false;
      return;
    }
    primary = p;
    await adminQuery(primary.url, 'CREATE DATABASE hq');
    const r = await startThrowawayCluster(bin as string, { standbyOf: primary.url });
    if ('skip' in r) throw new Error(r.skip);
    replica = r;
    dir = mkdtempSync(join(tmpdir(), 'hq-replica-'));
  }, 60_000);

  afterAll(async () => {
    await hq?.close();
    await replica?.stop();
    await primary?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves BI reads with personal data encrypted, and is refused as head office database', async () => {
    expect(started, 'a primary as root needs the postgres user').toBe(true);
    const onPrimary = databaseUrl(primary.url, 'hq');
    const onReplica = databaseUrl(replica.url, 'hq');
    hq = await createHeadOffice({
      dataDir: join(dir, 'data'),
      databaseUrl: onPrimary,
      port: 0,
      host: '127.0.0.1',
      operatorToken: OPERATOR_TOKEN,
      logToStderr: false,
    });
    const issued = await addTill(hq.store, 'S1', 'T1');
    const till = new TillSim('T1', 'S1', issued.secret);
    till.enrol('M1', at(0), { name: NAME, phone: PHONE });
    for (let i = 1; i <= 20; i++) till.sale('M1', 1_000 * i, at(i));
    await uploadAll({ hq }, till, 50);
    await hq.store.settle();
    const t = { hq };
    const head = ChangesResponse.parse((await changes(t, till, 0)).body).cursor;

    // The replica replays the primary's WAL: wait until it holds what head office applied.
    const count = 'SELECT count(*)::int AS n, coalesce(sum(points), 0)::int AS points FROM ledger';
    const want = await one<{ n: number; points: number }>(onPrimary, count);
    expect(want.n).toBe(21);
    await expect.poll(() => one(onReplica, count), { timeout: 20_000 }).toEqual(want);
    expect(await one(onReplica, 'SELECT pg_is_in_recovery() AS standby')).toEqual({ standby: true });
    expect(await one(onReplica, 'SELECT max(cursor)::int AS head FROM changes')).toEqual({ head });

    // A report as a BI tool would write it: points by store and day.
    const byStore = await one<{ store_id: string; points: number }>(
      onReplica,
      `SELECT t.store_id, sum(l.points)::int AS points FROM ledger l JOIN tills t USING (till_id)
       WHERE l.member_no = $1 GROUP BY t.store_id`,
      'M1',
    );
    expect(byStore).toEqual({ store_id: 'S1', points: want.points });

    const text = await databaseText(onReplica);
    expect(text).toContain('M1');
    expect(text).not.toContain(NAME);
    expect(text).not.toContain(PHONE);

    await expect(
      createHeadOffice({
        dataDir: join(dir, 'wrong'),
        databaseUrl: onReplica,
        port: 0,
        host: '127.0.0.1',
        operatorToken: OPERATOR_TOKEN,
        logToStderr: false,
      }),
    ).rejects.toThrow(
      /cannot open the PostgreSQL database .*: it is a read-only standby \(a replica\); point HQ_DATABASE_URL at the primary/,
    );
  }, 90_000);
});
