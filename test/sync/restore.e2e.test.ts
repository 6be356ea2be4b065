/**
 * Head office restored from a backup, end to end, on the project's store. SQLite: the
 * `backup` command's copy, taken while head office serves, put back in place. PostgreSQL:
 * `pg_dump -Fc`, then `pg_restore` into a new database. Two tills sold, uploaded and read the
 * feed past the backup; head office dies and is restored; the tills then resend what it lost
 * (409 sequence_gap) and read the feed again from before the lost changes (rewound). Nothing is
 * lost, and the other store's till holds head office's balance, not the lost timeline's.
 * Records without a ledger entry of their own (a card block, feedback, a preference change)
 * made after the backup are sent again too: the feed's `ackOutbox` is below the till's own.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Till } from '../../main/service/till.js';
import { insertFeedback } from '../../main/db/feedback.js';
import { changePreferences } from '../../main/service/preferences.js';
import { LOG_FILE } from '../../headoffice/open.js';
import { DB_FILE } from '../../headoffice/store/sqlite.js';
import { hqCli } from '../../headoffice/test-helpers.js';
import { findPgBin } from '../pg/cluster.js';
import { hqEnv, moveHqDatabase, operator, startHq, syncTillsCleanly, tillPost, useHqProcess } from './procs.js';

const TOKEN = 'operator-token-restore';
const onPostgres = process.env.HQ_TEST_STORE === 'postgres';
const pgBin = findPgBin();
const skip = onPostgres && !pgBin ? 'skip: no pg_dump and pg_restore under /usr/lib/postgresql/<n>/bin' : null;

const f = useHqProcess('sync-restore', TOKEN);
const basket = (price: number) => [{ sku: 'goods', category: 'grocery', quantity: 1, unitPrice: price }];

/** Head office's database copied aside while it serves, as its operators would. */
async function backUp(file: string): Promise<void> {
  const env = hqEnv(f.hqDir);
  if (onPostgres) {
    execFileSync(join(pgBin as string, 'pg_dump'), ['-Fc', '-f', file, env.HQ_DATABASE_URL as string]);
  } else {
    expect(await hqCli({ env }, ['backup', '--to', file])).toMatch(/^backed up to .*\(checked\)$/m);
  }
}

/** A member enrolled at till `t` with a card; its member number. */
async function enrol(t: Till, name: string, phone: string, cardCode: string, marketing: boolean): Promise<string> {
  const r = await tillPost(t, '/v1/members', { name, phone, consent: { marketing, text: 'v1' }, cardCode });
  expect(r.status).toBe(201);
  return r.json.memberNo as string;
}

/** Head office killed, its database replaced by the backup, started again. */
async function restore(file: string): Promise<void> {
  await f.hq.kill('SIGKILL');
  if (onPostgres) {
    await moveHqDatabase(f.hqDir, (url) => {
      execFileSync(join(pgBin as string, 'pg_restore'), ['--no-owner', '-d', url, file]);
    });
  } else {
    const db = join(f.hqDir, DB_FILE);
    for (const p of [db, `${db}-wal`, `${db}-shm`]) rmSync(p, { force: true });
    copyFileSync(file, db);
  }
  f.hq = await startHq(f.hqDir, f.hqPort, TOKEN);
}

describe.skipIf(skip !== null)(
  skip ?? `head office restored from a backup (${onPostgres ? 'postgres' : 'sqlite'})`,
  () => {
    it('the tills resend what it lost and read the feed again from before the lost changes', async () => {
      const a = await f.tillAt('store-ra', 'till-ra');
      const b = await f.tillAt('store-rb', 'till-rb');
      const memberNo = await enrol(a, '周晓芸', '13712345670', '04:AA:BB:CC:DD:EE:01', false);
      let earned = 0;
      const sell = async (t: Till, id: string, price: number): Promise<void> => {
        const r = await tillPost(t, '/v1/sales', { saleId: id, memberNo, lines: basket(price) });
        expect(r.status).toBe(201);
        earned += r.json.pointsEarned as number;
      };
      await sell(a, 'RA-1', 12_000);
      await syncTillsCleanly(a, b);
      const earnedAtBackup = earned;
      const backup = join(f.root, onPostgres ? 'hq.dump' : 'hq-backup.sqlite');
      await backUp(backup);

      // Past the backup: each sale uploaded and read on its own, so the lost timeline has more
      // changes than the resends will make again, and the other till's cursor is beyond them.
      for (let i = 2; i <= 5; i++) {
        await sell(a, `RA-${i}`, 10_000 * i);
        await syncTillsCleanly(a, b);
      }
      await sell(b, 'RB-1', 8_800);
      // A member enrolled at B after the backup: head office learns it again from B's resend.
      const lateNo = await enrol(b, '吴志明', '13712345671', '04:AA:BB:CC:DD:EE:02', true);
      const lateSale = await tillPost(b, '/v1/sales', { saleId: 'RB-2', memberNo: lateNo, lines: basket(5_000) });
      await syncTillsCleanly(b, a);
      expect(b.ctx.hqState.get(memberNo)?.balance).toBe(earned);

      await restore(backup);
      const member = async () => (await operator(f.hq.url, TOKEN, `/v1/members/${memberNo}`)).json;
      // The restored head office holds the backup's: the first sale only.
      expect((await member()).balance).toBe(earnedAtBackup);
      expect((await operator(f.hq.url, TOKEN, `/v1/members/${lateNo}`)).status).toBe(404);

      await syncTillsCleanly(a, b);
      await sell(a, 'RA-6', 66_600);
      await syncTillsCleanly(a, b);
      await syncTillsCleanly(b);

      const m = await member();
      expect(m.balance).toBe(earned);
      expect(m.ledgerBalance).toBe(earned);
      expect(b.ctx.hqState.get(memberNo)).toMatchObject({ balance: earned });
      expect(a.ctx.hqState.get(memberNo)).toMatchObject({ balance: earned });
      const lateAtHq = (await operator(f.hq.url, TOKEN, `/v1/members/${lateNo}`)).json;
      expect(lateAtHq).toMatchObject({ balance: lateSale.json.pointsEarned, enrolledStore: 'store-rb' });
      const log = readFileSync(join(f.hqDir, LOG_FILE), 'utf8');
      expect(log).toMatch(/"event":"feed_rewound".*"tillId":"till-rb"/);
      expect(log).toMatch(/"event":"feed_rewound".*"tillId":"till-ra"/);
    }, 90_000);

    it('a card block, feedback and a preference change made after the backup are held again', async () => {
      const c = await f.tillAt('store-rc', 'till-rc');
      const d = await f.tillAt('store-rc', 'till-rd');
      const memberNo = await enrol(c, '郑海燕', '13712345672', '04:AA:BB:CC:DD:EE:03', false);
      const sale = await tillPost(c, '/v1/sales', { saleId: 'RC-1', memberNo, lines: basket(9_900) });
      expect(sale.status).toBe(201);
      await syncTillsCleanly(c, d);
      const backup = join(f.root, onPostgres ? 'hq-records.dump' : 'hq-records-backup.sqlite');
      await backUp(backup);

      // After the backup, at till C: records only, no ledger entry of their own.
      const nfc = c.ctx.members.cardsOf(memberNo).find((x) => x.kind === 'nfc');
      if (!nfc) throw new Error('the enrolment linked the NFC card');
      const feedback = (feedbackId: string): void => {
        const at = c.ctx.now().toISOString();
        c.ctx.db
          .transaction(() => {
            insertFeedback(c.ctx.db, c.ctx.cipher, {
              ...{ feedbackId, kind: 'complaint', category: 'service', text: '卡丢了', memberNo },
              ...{ followUp: true, staffId: '0002', recordedAt: at },
            });
            c.ctx.outbox.add('feedback', feedbackId, at);
          })
          .immediate();
      };
      // What the staff routes do: a lost card blocked (supervisor 0002), the member's complaint,
      // and the member's consent to marketing.
      const at = c.ctx.now().toISOString();
      c.ctx.db
        .transaction(() => {
          if (c.ctx.members.blockCard(nfc.code, at, '0002')) c.ctx.outbox.add('card', memberNo, at);
        })
        .immediate();
      feedback('fb-rc-1');
      changePreferences(c.ctx, memberNo, { consentMarketing: true }, '0002');
      await syncTillsCleanly(c, d);
      const held = async () => ({
        card: ((await operator(f.hq.url, TOKEN, `/v1/members/${memberNo}`)).json.cards as { code: string }[]).find(
          (x) => x.code === nfc.code,
        ),
        feedback: ((await operator(f.hq.url, TOKEN, '/v1/feedback')).json.feedback as { feedbackId: string }[])
          .map((x) => x.feedbackId)
          .filter((id) => id.startsWith('fb-rc-'))
          .sort(),
      });
      expect(await held()).toEqual({ card: expect.objectContaining({ status: 'blocked' }), feedback: ['fb-rc-1'] });
      expect(d.ctx.members.get(memberNo)?.consentMarketing).toBe(true);

      await restore(backup);
      // The restored head office holds the backup's: the card active, no feedback, no consent.
      expect(await held()).toEqual({ card: expect.objectContaining({ status: 'active' }), feedback: [] });
      // A record made after the restore goes up first, continuing from a row head office lost.
      feedback('fb-rc-2');

      await syncTillsCleanly(c, d);
      await syncTillsCleanly(c, d);
      expect(await held()).toEqual({
        card: expect.objectContaining({ status: 'blocked' }),
        feedback: ['fb-rc-1', 'fb-rc-2'],
      });
      // Every till holds the block and the consent again, the one that made them too.
      for (const t of [c, d]) {
        expect(t.ctx.members.cardsOf(memberNo).find((x) => x.code === nfc.code)?.status).toBe('blocked');
        expect(t.ctx.members.get(memberNo)?.consentMarketing).toBe(true);
      }
      expect((await operator(f.hq.url, TOKEN, `/v1/members/${memberNo}`)).json.balance).toBe(sale.json.pointsEarned);
      const tillLog = readFileSync(join(dirname(c.posApiKeyFile), 'till.log'), 'utf8');
      expect(tillLog).toMatch(/"event":"sync_resend".*"why":"feed_outbox"/);
    }, 90_000);
  },
);
