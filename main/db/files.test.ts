/**
 * The till's files are the owner's alone (issue 11, finding 8), and the member-QR key lives in
 * keys.json, not in the database: a real till on a real data folder, started, used and restarted.
 */
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signMemberQr } from '../../core/cards/memberqr.js';
import { enrolRequest, testConfig } from '../../test/helpers/till.js';
import { createTill, type Till } from '../service/till.js';
import { openDatabase } from './open.js';

const mode = (file: string): number => statSync(file).mode & 0o777;

let root: string;
let dataDir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'till-files-'));
  dataDir = join(root, 'data');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function start(overrides: Parameters<typeof testConfig>[1] = {}): Promise<Till> {
  return createTill(testConfig(dataDir, { posApiKey: null, ...overrides }), { quiet: true });
}

async function enrolAndSell(till: Till): Promise<string> {
  const post = (path: string, body: unknown) =>
    fetch(`${till.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${till.posApiKey}` },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  const m = await post('/v1/members', enrolRequest({ name: '钱多多', phone: '13912344321' }));
  expect(m.status).toBe(201);
  const memberNo = m.body.memberNo as string;
  const lines = [{ sku: 'a', category: 'x', quantity: 1, unitPrice: 1000 }];
  expect((await post('/v1/sales', { saleId: 'F-1', memberNo, lines })).status).toBe(201);
  return memberNo;
}

describe('file permissions', () => {
  it.skipIf(process.platform === 'win32')(
    'creates the data folder 0700 and the database, its -wal/-shm, keys, POS key and log 0600',
    async () => {
      const till = await start();
      await enrolAndSell(till);
      expect(mode(dataDir)).toBe(0o700);
      for (const f of ['till.db', 'till.db-wal', 'till.db-shm', 'keys.json', 'pos-api-key', 'till.log']) {
        expect(mode(join(dataDir, f)), f).toBe(0o600);
      }
      await till.close();
    },
  );

  it.skipIf(process.platform === 'win32')('narrows a wider folder and wider files on start', async () => {
    const first = await start();
    await enrolAndSell(first);
    await first.close();
    chmodSync(dataDir, 0o755);
    for (const f of readdirSync(dataDir)) chmodSync(join(dataDir, f), 0o644);
    // An older till left -wal/-shm behind: open the database as it did, without closing cleanly.
    const old = new Database(join(dataDir, 'till.db'));
    old.pragma('journal_mode = WAL');
    old.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('probe', '1')").run();
    chmodSync(join(dataDir, 'till.db-wal'), 0o644);
    old.close();
    const again = await start();
    expect(mode(dataDir)).toBe(0o700);
    for (const f of readdirSync(dataDir)) expect(mode(join(dataDir, f)), f).toBe(0o600);
    await again.close();
  });

  it('a database opened by the staff CLI before the till ever ran is owner-only too', () => {
    mkdirSync(dataDir, { recursive: true });
    const db = openDatabase(join(dataDir, 'till.db'));
    db.close();
    if (process.platform !== 'win32') expect(mode(join(dataDir, 'till.db'))).toBe(0o600);
  });
});

describe('personal data at rest', () => {
  it("no member's name or phone is found in clear in any file of the data folder", async () => {
    const till = await start();
    await enrolAndSell(till);
    await till.close();
    for (const f of readdirSync(dataDir)) {
      const bytes = readFileSync(join(dataDir, f));
      for (const needle of ['钱多多', '13912344321', '139 1234 4321']) {
        expect(bytes.includes(Buffer.from(needle)), `${needle} in ${f}`).toBe(false);
      }
    }
  });
});

describe('the member-QR key', () => {
  it('is kept in keys.json with the other keys, never in the database', async () => {
    const till = await start();
    await enrolAndSell(till);
    const keys = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(keys).sort()).toEqual(['dataKey', 'lookupKey', 'qrKey']);
    expect(Buffer.from(keys.qrKey ?? '', 'base64').equals(till.ctx.qrKey)).toBe(true);
    expect(till.ctx.db.prepare("SELECT value FROM meta WHERE key = 'qr_key'").get()).toBeUndefined();
    await till.close();
    assertNotInFiles(till.ctx.qrKey);
  });

  it("moves an older till's key out of the database once; QR codes issued before stay valid", async () => {
    // An older till: qr_key in meta, keys.json without it.
    const first = await start();
    const memberNo = await enrolAndSell(first);
    await first.close();
    const legacy = Buffer.alloc(32, 0x5a);
    const db = new Database(join(dataDir, 'till.db'));
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('qr_key', ?)").run(legacy.toString('base64'));
    db.close();
    const keysFile = join(dataDir, 'keys.json');
    const { qrKey: _dropped, ...older } = JSON.parse(readFileSync(keysFile, 'utf8')) as Record<string, string>;
    writeFileSync(keysFile, JSON.stringify(older), { mode: 0o600 });

    const till = await start();
    expect(till.ctx.qrKey.equals(legacy)).toBe(true);
    const qr = signMemberQr(legacy, memberNo, Date.now());
    const identified = await fetch(`${till.url}/v1/members/identify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${till.posApiKey}` },
      body: JSON.stringify({ code: qr }),
    });
    expect(identified.status).toBe(200);
    const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as Record<string, string>;
    expect(keys.qrKey).toBe(legacy.toString('base64'));
    expect(keys.dataKey).toBe(older.dataKey);
    expect(till.ctx.db.prepare("SELECT value FROM meta WHERE key = 'qr_key'").get()).toBeUndefined();
    await till.close();
    assertNotInFiles(legacy);
    // And on the next start the key is read from keys.json alone.
    const third = await start();
    expect(third.ctx.qrKey.equals(legacy)).toBe(true);
    await third.close();
  });
});

/** Neither the key's bytes nor its base64 text remain in the database or its WAL. */
function assertNotInFiles(key: Buffer): void {
  for (const f of readdirSync(dataDir).filter((n) => n.startsWith('till.db'))) {
    const bytes = readFileSync(join(dataDir, f));
    expect(bytes.includes(key), f).toBe(false);
    expect(bytes.includes(Buffer.from(key.toString('base64'))), f).toBe(false);
  }
}
