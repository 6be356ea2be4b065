/**
 * A head-office process opens its database only with the keys the database was written with
 * (key-check.ts): a data folder with keys of its own is refused, naming the files, before it
 * writes or signs anything; a deliberate rotation of the answer or member-QR key is recorded.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHeadOffice } from './server.js';
import { KEY_FINGERPRINTS_META, KeysDifferError } from './key-check.js';
import { KEYS_FILE } from './open.js';
import { MEMBER_QR_KEY_FILE } from './member-qr-key.js';
import { at, hqCli, provision, startHq, testStore, uploadAll, type TestHq } from './test-helpers.js';

let t: TestHq;
beforeEach(async () => {
  t = await startHq();
});
afterEach(async () => {
  await t.close();
});

const file = (name: string): string => join(t.dataDir, name);
const newKeysJson = (): string =>
  JSON.stringify({ dataKey: randomBytes(32).toString('base64'), lookupKey: randomBytes(32).toString('base64') });

/** Restarts head office with `name` replaced by `text` meanwhile; the error it refuses with, if any. */
async function restartWith(name: string, text: string): Promise<unknown> {
  try {
    await t.restart(async () => writeFileSync(file(name), text, { mode: 0o600 }));
    return null;
  } catch (e) {
    return e;
  }
}

describe('a data folder whose keys differ from the database', () => {
  it("is refused, naming keys.json, and the database's data stays readable with the right file", async () => {
    const till = await provision(t, 'S1', 'T1');
    till.enrol('M0000001', at(1), { name: '张三', phone: '13800000001' });
    await uploadAll(t, till, 10);
    const right = readFileSync(file(KEYS_FILE), 'utf8');
    const refused = await restartWith(KEYS_FILE, newKeysJson());
    expect(refused).toBeInstanceOf(KeysDifferError);
    expect((refused as KeysDifferError).keys).toEqual(['fields']);
    expect((refused as Error).message).toMatch(/keys\.json differs from the keys this database was written with/);
    expect(await restartWith(KEYS_FILE, right)).toBeNull();
    // Masked for operators, which takes opening the sealed name.
    expect((await t.hq.store.member('M0000001', new Date()))?.name).toBe('张*');
  });

  it('is refused for a member-QR key of its own, until record-keys records a deliberate rotation', async () => {
    const refused = await restartWith(MEMBER_QR_KEY_FILE, `${randomBytes(32).toString('base64')}\n`);
    expect((refused as KeysDifferError).keys).toEqual(['memberQr']);
    expect(await hqCli(t, ['record-keys'])).toMatch(/Recorded this data folder's answer-key\.pem and member-qr\.key/);
    expect(await restartWith(MEMBER_QR_KEY_FILE, readFileSync(file(MEMBER_QR_KEY_FILE), 'utf8'))).toBeNull();
  });

  it('never records a keys.json of its own, not even through record-keys', async () => {
    const right = readFileSync(file(KEYS_FILE), 'utf8');
    await t.restart(async () => writeFileSync(file(KEYS_FILE), newKeysJson(), { mode: 0o600 })).catch(() => {});
    await expect(hqCli(t, ['record-keys'])).rejects.toThrow(/keys\.json differs/);
    expect(await restartWith(KEYS_FILE, right)).toBeNull();
  });

  it('records the keys of a database that has none recorded (one from before this check)', async () => {
    const before = await t.hq.store.getMeta(KEY_FINGERPRINTS_META);
    expect(before).not.toBeNull();
    expect(before).not.toContain(readFileSync(file(KEYS_FILE), 'utf8').slice(12, 40));
    await t.restart(async () => {
      await t.exec(`DELETE FROM meta WHERE key = '${KEY_FINGERPRINTS_META}'`);
    });
    expect(await t.hq.store.getMeta(KEY_FINGERPRINTS_META)).toBe(before);
  });
});

describe.skipIf(testStore() !== 'postgres')(
  'a second process on a data folder of its own (PostgreSQL: one database, many processes)',
  () => {
    it('is refused before it writes anything, naming all three key files', async () => {
      const before = await t.sql('SELECT count(*) AS n FROM tills');
      const start = createHeadOffice({
        dataDir: join(mkdtempSync(join(tmpdir(), 'hq-other-')), 'data'),
        databaseUrl: t.env.HQ_DATABASE_URL ?? null,
        port: 0,
        host: '127.0.0.1',
        logToStderr: false,
      });
      const refused = await start.then(
        async (hq) => {
          await hq.close();
          return null;
        },
        (e: unknown) => e,
      );
      expect((refused as KeysDifferError).keys).toEqual(['fields', 'answer', 'memberQr']);
      expect((refused as Error).message).toMatch(/keys\.json and answer-key\.pem and member-qr\.key differ/);
      expect(await t.sql('SELECT count(*) AS n FROM tills')).toEqual(before);
    });
  },
);
