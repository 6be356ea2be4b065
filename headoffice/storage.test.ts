/**
 * A full disk at head office: the upload that cannot be written is refused with 507
 * storage_full and leaves nothing behind, what was acknowledged before stays, and once there
 * is room again the till's resends bring everything in exactly once. On SQLite the file stops
 * growing (max_page_count); on PostgreSQL every table but meta refuses writes with SQLSTATE
 * 53100 disk_full (a statement trigger), as the server does when its disk is full.
 */
import { describe, expect, it } from 'vitest';
import type { SqliteHqStore } from './store/sqlite.js';
import {
  at,
  ledgerSum,
  operator,
  rowCounts,
  useOneTillHq,
  testStore,
  upload,
  type TestHq,
  type TillSim,
} from './test-helpers.js';

let t: TestHq;
let A: TillSim;

useOneTillHq('A', (x) => {
  ({ t, till: A } = x);
});

/** The database stops taking writes, as on a full disk; `free` makes room again. */
async function fillDisk(t: TestHq): Promise<{ free(): Promise<void> }> {
  if (testStore() === 'postgres') {
    await t.exec(
      `CREATE FUNCTION hq_test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $f$
       BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100'; END $f$`,
    );
    await t.exec(
      `DO $d$ DECLARE r record; BEGIN
         FOR r IN SELECT table_name FROM information_schema.tables
                  WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
                    AND table_name NOT IN ('meta', 'writer_token') LOOP
           EXECUTE format('CREATE TRIGGER hq_test_disk_full BEFORE INSERT OR UPDATE ON %I
                           FOR EACH STATEMENT EXECUTE FUNCTION hq_test_disk_full()', r.table_name);
         END LOOP; END $d$`,
    );
    return { free: () => t.exec('DROP FUNCTION hq_test_disk_full() CASCADE').then(() => undefined) };
  }
  const db = (t.hq.store as SqliteHqStore).db;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  return {
    async free() {
      db.pragma('max_page_count = 1073741823');
    },
  };
}

describe('a full disk at head office', () => {
  it('answers 507, keeps what it acknowledged, and takes the resends once there is room', async () => {
    for (let m = 0; m < 20; m++) A.enrol(`M${m}`, at(m));
    for (let i = 0; i < 400; i++) A.sale(`M${i % 20}`, 1_000 + i, at(30 + i));
    const batches = A.batches(25);
    expect((await upload(t, A, batches[0])).status).toBe(200);
    await t.hq.store.settle();

    const disk = await fillDisk(t);
    let acked = 1;
    let refused: { status: number; body: { error: { code: string } } } | null = null;
    for (let i = 1; i < batches.length && !refused; i++) {
      const r = await upload(t, A, batches[i]);
      if (r.status === 200) acked = i + 1;
      else refused = r;
      // Applying what was accepted needs room too; a read makes it try now.
      const read = await operator(t, 'GET', '/v1/tills');
      if (read.status !== 200 && !refused) refused = read;
    }
    expect(refused?.status).toBe(507);
    expect(refused?.body.error.code).toBe('storage_full');
    // Accepted batches that could not be applied for want of room are waiting, and health says so.
    const health = (await (await fetch(`${t.hq.url}/v1/health`)).json()) as {
      inbox: { batches: number; failing: boolean };
    };
    if (health.inbox.batches > 0) expect(health.inbox.failing).toBe(true);

    await disk.free();
    // The till resends from what head office says it holds; everything lands once.
    for (const b of batches) expect((await upload(t, A, b)).status).toBe(200);
    await t.hq.store.settle();
    expect(acked).toBeGreaterThanOrEqual(1);
    expect((await rowCounts(t)).ledger).toBe(A.headSeq);
    for (let m = 0; m < 20; m++) {
      const v = await operator(t, 'GET', `/v1/members/M${m}`);
      expect(v.body.ledgerBalance).toBe(ledgerSum([A], `M${m}`));
      expect(v.body.ledger).toHaveLength(A.entries.filter((e) => e.memberNo === `M${m}`).length);
    }
    expect((await (await fetch(`${t.hq.url}/v1/health`)).json()).inbox).toMatchObject({ batches: 0, failing: false });
  });
});
