/**
 * Logs, till and head office: docs/decisions.md "Logs carry codes and ids, never personal data or
 * secrets". A till at debug level against a real head-office process: enrol, identify by phone
 * and by card, a sale, staff sign-in and feedback naming the member, a lookup of another store's
 * member by number, sync, erasure. Neither the till's log nor head office's log may hold a name,
 * phone, birthday, feedback words, the till secret, the POS key or a staff session token.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StaffDirectory } from '../../main/api/staff.js';
import { configFromEnv } from '../../main/service/config.js';
import { createTill, type Till } from '../../main/service/till.js';
import { addTill, syncTillsCleanly, tillPost, useHqProcess } from './procs.js';

const TOKEN = 'operator-token-logs-private';
const f = useHqProcess('logs-private', TOKEN);

const NAME = '慕容测日志';
const PHONE = '13677778888';
const OTHER_NAME = '夏侯测日志';
const OTHER_PHONE = '13677779999';
const WORDS = '慕容测日志说收银员态度差';

async function debugTill(store: string, id: string): Promise<{ till: Till; secret: string; dir: string }> {
  const env = addTill(f.hqDir, store, id);
  const dir = mkdtempSync(join(f.root, `${id}-`));
  const till = await createTill(
    {
      ...configFromEnv({}),
      dataDir: dir,
      port: 0,
      posApiKey: 'pos-key',
      hqUrl: `http://127.0.0.1:${f.hqPort}`,
      tillId: env.TILL_ID ?? id,
      storeId: env.TILL_STORE_ID ?? store,
      tillSecret: env.TILL_SECRET ?? '',
      hqPublicKey: env.TILL_HQ_PUBLIC_KEY ?? null,
      syncIntervalMs: 3_600_000,
      logLevel: 'debug',
    },
    { quiet: true },
  );
  await till.sync?.stop();
  return { till, secret: env.TILL_SECRET ?? '', dir };
}

describe('logs hold no personal data or secrets', () => {
  it('till and head office logs after a day of work and an erasure', async () => {
    const A = await debugTill('store-la', 'till-la');
    const B = await debugTill('store-lb', 'till-lb');
    try {
      const a = A.till;
      const b = B.till;
      const enrolled = await tillPost(a, '/v1/members', {
        name: NAME,
        phone: PHONE,
        birthday: '08-17',
        consent: { marketing: true, text: 'v1' },
        cardCode: '04:11:22:33:44:55:66',
        cardSource: 'nfc',
      });
      expect(enrolled.status).toBe(201);
      const memberNo = enrolled.json.memberNo as string;
      const other = await tillPost(b, '/v1/members', {
        name: OTHER_NAME,
        phone: OTHER_PHONE,
        consent: { marketing: false, text: 'v1' },
      });
      expect(other.status).toBe(201);
      expect((await tillPost(a, '/v1/members/identify', { phone: PHONE })).status).toBe(200);
      expect((await tillPost(a, '/v1/members/identify', { phone: '13600000000' })).status).toBe(404);
      expect((await tillPost(a, '/v1/members/identify', { code: '04:11:22:33:44:55:66', source: 'nfc' })).status).toBe(
        200,
      );
      const sale = await tillPost(a, '/v1/sales', {
        saleId: 'LA-1',
        memberNo,
        lines: [{ sku: 'g', category: 'grocery', quantity: 1, unitPrice: 12_300 }],
      });
      expect(sale.status).toBe(201);
      new StaffDirectory(a.ctx.db).add({ staffId: '1001', name: '李收银', role: 'cashier', pin: '1234' });
      const si = await tillPost(a, '/v1/staff/sessions', { staffId: '1001', pin: '1234' });
      expect(si.status).toBe(201);
      const staffToken = si.json.token as string;
      const fb = await fetch(`${a.url}/v1/staff/feedback`, {
        method: 'POST',
        headers: { authorization: `Bearer ${staffToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'complaint', category: 'service', text: WORDS, memberNo }),
      });
      expect(fb.status).toBe(201);
      await syncTillsCleanly(a, b);
      // Till A looks up store B's member by number (online lookup at head office).
      expect((await tillPost(a, '/v1/members/identify', { phone: OTHER_PHONE })).status).toBe(200);
      const erased = await fetch(`http://127.0.0.1:${f.hqPort}/v1/members/${memberNo}/erase`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ operatorId: 'ops-1', reason: 'asked' }),
      });
      expect(erased.status).toBe(200);
      await syncTillsCleanly(a, b);

      const logs = {
        tillA: readFileSync(join(A.dir, 'till.log'), 'utf8'),
        tillB: readFileSync(join(B.dir, 'till.log'), 'utf8'),
        hq: readFileSync(join(f.hqDir, 'headoffice.log'), 'utf8') + f.hq.output(),
      };
      expect(logs.tillA).toContain('sale_recorded');
      const secrets = {
        NAME,
        PHONE,
        OTHER_NAME,
        OTHER_PHONE,
        WORDS,
        birthday: '08-17',
        tillSecretA: A.secret,
        tillSecretB: B.secret,
        posKey: 'pos-key',
        staffToken,
        unknownPhone: '13600000000',
      };
      const found: string[] = [];
      for (const [log, text] of Object.entries(logs)) {
        for (const [what, s] of Object.entries(secrets)) if (text.includes(s)) found.push(`${log}: ${what}`);
      }
      expect(found).toEqual([]);
    } finally {
      await A.till.close();
      await B.till.close();
    }
  });
});
