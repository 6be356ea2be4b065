/**
 * PostgreSQL only: head office's connections cut by the server (a restart, a failover, an
 * operator's pg_terminate_backend) do not end the process. The pool's clients listen for
 * 'error' (storage/sql-pg.ts openPool), so a lost connection is logged and replaced, and the
 * next request is answered as usual. On SQLite there is no connection to lose.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { at, ledgerSum, operator, provision, startHq, testStore, upload, type TestHq } from './test-helpers.js';

describe.skipIf(testStore() !== 'postgres')(
  'connections the PostgreSQL server cuts (PostgreSQL only: SQLite has no connection to lose)',
  () => {
    let t: TestHq;
    afterEach(async () => {
      await t.close();
    });

    it('are replaced: head office goes on answering and accepting, nothing lost', async () => {
      t = await startHq();
      const A = await provision(t, 'S1', 'A');
      A.enrol('M1', at(0));
      A.sale('M1', 10_000, at(1));
      expect((await upload(t, A, A.batch(1))).status).toBe(200);
      expect((await operator(t, 'GET', '/v1/members/M1')).status).toBe(200);
      // Every connection of head office's pool (idle ones and any in use), cut by the server.
      const cut = await t.sql<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      expect(Number(cut[0]?.n)).toBeGreaterThan(0);
      A.sale('M1', 20_000, at(2));
      // The first request may meet a dead connection and fail; the process lives and the next answers.
      let status = 0;
      for (let i = 0; i < 5 && status !== 200; i++) status = (await upload(t, A, A.batch(A.headSeq))).status;
      expect(status).toBe(200);
      const r = await operator(t, 'GET', '/v1/members/M1');
      expect(r.status).toBe(200);
      expect(r.body.ledger).toHaveLength(A.entries.filter((e) => e.memberNo === 'M1').length);
      expect(r.body.balance).toBe(ledgerSum([A], 'M1'));
    });
  },
);
