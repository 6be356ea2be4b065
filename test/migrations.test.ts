/**
 * The till's database file: schema migrations, the append-only ledger, and personal data at
 * rest (DOMAIN.md 10). Real SQLite files in temporary folders throughout.
 */
import Database from 'better-sqlite3';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseFromFutureError, loadMigrations as loadFrom, migrate as migrateWith } from '../storage/migrate.js';
import { TILL_MIGRATIONS_DIR } from '../main/db/migrations-dir.js';

const loadMigrations = () => loadFrom(TILL_MIGRATIONS_DIR);
const migrate = (db: Database.Database, ms = loadMigrations()) => migrateWith(db, ms);
import { openDatabase, type Db } from '../main/db/open.js';
import { rebuildMemberStates, verifyCache, verifyTillChain } from '../main/db/rebuild.js';
import { createTill } from '../main/service/till.js';
import { enrolRequest, startTill, testConfig, type TestTill } from './helpers/till.js';

const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'till-db-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function open(file: string): Db {
  const db = openDatabase(file);
  cleanup.push(() => {
    if (db.open) db.close();
  });
  return db;
}

async function till(): Promise<TestTill> {
  const t = await startTill();
  cleanup.push(() => t.close());
  return t;
}

/** The schema as SQLite records it, for before/after comparisons. */
function schema(db: Db): unknown[] {
  return db
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
    .all();
}

const LATEST = loadMigrations().length;

describe('migrations', () => {
  it('numbers migrations 1..n and brings a new database to the latest version', () => {
    expect(loadMigrations().map((m) => m.version)).toEqual(Array.from({ length: LATEST }, (_, i) => i + 1));
    const db = open(join(tempDir(), 'till.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST);
    for (const table of ['ledger', 'member_state', 'lots', 'members', 'cards', 'sales', 'returns', 'rule_sets']) {
      expect(
        schema(db).some((o) => (o as { name: string }).name === table),
        table,
      ).toBe(true);
    }
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // 2 = FULL: an acknowledged sale survives a power cut.
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('migrating twice is a no-op, and reopening keeps the data', () => {
    const file = join(tempDir(), 'till.db');
    const db = open(file);
    db.prepare("INSERT INTO meta (key, value) VALUES ('probe', 'kept')").run();
    const before = schema(db);
    // Running the migrations again would fail on CREATE TABLE if they were re-executed.
    expect(migrate(db)).toBe(LATEST);
    expect(migrate(db)).toBe(LATEST);
    expect(schema(db)).toEqual(before);
    db.close();
    const again = open(file);
    expect(schema(again)).toEqual(before);
    expect(again.prepare("SELECT value FROM meta WHERE key = 'probe'").get()).toEqual({ value: 'kept' });
  });

  it('upgrades an older database by applying only the missing migrations', () => {
    const file = join(tempDir(), 'till.db');
    const old = new Database(file);
    expect(migrate(old, loadMigrations().slice(0, 1))).toBe(1);
    old.prepare("INSERT INTO meta (key, value) VALUES ('from_v1', 'yes')").run();
    old.close();
    const db = open(file);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'from_v1'").get()).toEqual({ value: 'yes' });
  });

  it('applies migrations all or nothing', () => {
    const db = new Database(':memory:');
    cleanup.push(() => {
      db.close();
    });
    const broken = [
      ...loadMigrations(),
      {
        version: LATEST + 1,
        name: 'broken',
        sql: 'CREATE TABLE half_done (a INTEGER); SELECT no_such_column FROM meta;',
      },
    ];
    expect(() => migrate(db, broken)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('ledger', 'half_done')").get()).toEqual({
      n: 0,
    });
  });

  it('refuses a database from a newer till with DatabaseFromFutureError and leaves it untouched', async () => {
    const t = await till();
    const r = await t.post('/v1/members', enrolRequest());
    expect(r.status).toBe(201);
    await t.stop();
    const raw = new Database(t.dbFile);
    raw.pragma(`user_version = ${LATEST + 1}`);
    const rows = raw.prepare('SELECT count(*) AS n FROM ledger').get();
    raw.close();

    expect(() => openDatabase(t.dbFile)).toThrow(DatabaseFromFutureError);
    try {
      openDatabase(t.dbFile);
    } catch (e) {
      expect(e).toMatchObject({ code: 'database_from_future', name: 'DatabaseFromFutureError' });
      expect((e as Error).message).toContain(String(LATEST + 1));
    }
    // The till as a whole refuses to start on it.
    await expect(createTill(testConfig(t.dir), { quiet: true })).rejects.toBeInstanceOf(DatabaseFromFutureError);

    const after = new Database(t.dbFile, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(LATEST + 1);
    expect(after.prepare('SELECT count(*) AS n FROM ledger').get()).toEqual(rows);
    after.close();
  });
});

describe('the ledger is append-only', () => {
  it('refuses UPDATE, DELETE and REPLACE of entries; appends still work', async () => {
    const t = await till();
    const m = await t.post('/v1/members', enrolRequest());
    const s = await t.post('/v1/sales', {
      saleId: 'L1',
      memberNo: m.body.memberNo,
      lines: [{ sku: 'A', category: 'food', quantity: 1, unitPrice: 10_000 }],
    });
    expect(s.status).toBe(201);
    const db = t.ctx.db;
    const before = db.prepare('SELECT * FROM ledger ORDER BY seq').all();
    expect(before.length).toBe(2);

    expect(() => db.prepare('UPDATE ledger SET points = 1000000 WHERE seq = 2').run()).toThrow(/append-only/);
    expect(() => db.prepare('UPDATE ledger SET data = data').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM ledger WHERE seq = 2').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM ledger').run()).toThrow(/append-only/);
    // A REPLACE deletes the conflicting row: that delete must hit the trigger too.
    const row = before[1] as Record<string, unknown>;
    const cols = Object.keys(row);
    const replace = db.prepare(
      `INSERT OR REPLACE INTO ledger (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`,
    );
    expect(() => replace.run({ ...row, points: 1_000_000 })).toThrow(/append-only/);
    // Points on an entry are never negative.
    expect(() =>
      db
        .prepare(`INSERT INTO ledger (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`)
        .run({ ...row, seq: 99, points: -5 }),
    ).toThrow(/CHECK/);
    expect(db.prepare('SELECT * FROM ledger ORDER BY seq').all()).toEqual(before);

    const next = await t.post('/v1/sales', {
      saleId: 'L2',
      memberNo: m.body.memberNo,
      lines: [{ sku: 'A', category: 'food', quantity: 1, unitPrice: 500 }],
    });
    expect(next.status).toBe(201);
    expect(next.body.balance).toBe(105);
  });
});

describe('personal data at rest', () => {
  const PHONE = '13812345678';
  const NAME = '欧阳小明';

  it('never writes the phone number or the name in plain text to any file of the data folder', async () => {
    const t = await till();
    const r = await t.post(
      '/v1/members',
      enrolRequest({ name: NAME, phone: '+86 138 1234 5678', birthday: '1990-05-17' }),
    );
    expect(r.status).toBe(201);
    // Use the data the way a till does: identify, sell, look up by phone, refuse a duplicate.
    expect((await t.post('/v1/members/identify', { phone: PHONE })).status).toBe(200);
    expect(
      (
        await t.post('/v1/sales', {
          saleId: 'P1',
          memberNo: r.body.memberNo,
          lines: [{ sku: 'A', category: 'food', quantity: 1, unitPrice: 100 }],
        })
      ).status,
    ).toBe(201);
    expect((await t.post('/v1/members', enrolRequest({ phone: PHONE }))).status).toBe(409);
    // The member's record still decrypts to what was typed (normalised).
    const rec = t.ctx.members.get(r.body.memberNo as string);
    expect(rec).toMatchObject({ name: NAME, phone: PHONE, birthday: '05-17' });

    // Both while running (WAL not yet checkpointed) and after a clean stop.
    const scan = (): string[] => {
      const found: string[] = [];
      for (const f of readdirSync(t.dir)) {
        const bytes = readFileSync(join(t.dir, f));
        for (const [what, needle] of [
          ['phone', Buffer.from(PHONE, 'utf8')],
          ['phone (utf-16)', Buffer.from(PHONE, 'utf16le')],
          ['phone (grouped)', Buffer.from('138 1234 5678', 'utf8')],
          ['name', Buffer.from(NAME, 'utf8')],
          ['given name', Buffer.from('小明', 'utf8')],
          ['name (utf-16)', Buffer.from(NAME, 'utf16le')],
        ] as const) {
          if (bytes.includes(needle)) found.push(`${what} in ${f}`);
        }
      }
      return found;
    };
    expect(readdirSync(t.dir)).toContain('till.db');
    expect(scan()).toEqual([]);
    await t.stop();
    expect(scan()).toEqual([]);
  });

  it('encrypts each field with a fresh IV: the same name twice gives different ciphertexts', async () => {
    const t = await till();
    const a = await t.post('/v1/members', enrolRequest({ name: NAME }));
    const b = await t.post('/v1/members', enrolRequest({ name: NAME }));
    const row = (m: string): { name_enc: Buffer } =>
      t.ctx.db.prepare('SELECT name_enc FROM members WHERE member_no = ?').get(m) as { name_enc: Buffer };
    const ea = row(a.body.memberNo as string).name_enc;
    const eb = row(b.body.memberNo as string).name_enc;
    expect(ea.equals(eb)).toBe(false);
    expect(t.ctx.cipher.decrypt(ea)).toBe(NAME);
    expect(t.ctx.cipher.decrypt(eb)).toBe(NAME);
  });

  it('indexes the phone by a keyed hash (HMAC with the till key), not a plain hash', async () => {
    const t1 = await till();
    const t2 = await till();
    for (const t of [t1, t2]) expect((await t.post('/v1/members', enrolRequest({ phone: PHONE }))).status).toBe(201);
    const hashOf = (t: TestTill): Buffer =>
      (t.ctx.db.prepare('SELECT phone_hash FROM members').get() as { phone_hash: Buffer }).phone_hash;
    const h1 = hashOf(t1);
    const keys = JSON.parse(readFileSync(join(t1.dir, 'keys.json'), 'utf8')) as { lookupKey: string };
    const expected = createHmac('sha256', Buffer.from(keys.lookupKey, 'base64')).update(`phone:${PHONE}`).digest();
    expect(h1.equals(expected)).toBe(true);
    expect(h1.length).toBe(32);
    // Not an unkeyed hash anyone could compute from a list of phone numbers ...
    for (const plain of [PHONE, `phone:${PHONE}`, `+86${PHONE}`]) {
      for (const alg of ['sha256', 'sha1', 'md5']) {
        expect(h1.equals(createHash(alg).update(plain).digest())).toBe(false);
      }
    }
    // ... and another till (another key) indexes the same number differently.
    expect(h1.equals(hashOf(t2))).toBe(false);
    // The key file is readable by its owner only.
    const { statSync } = await import('node:fs');
    expect(statSync(join(t1.dir, 'keys.json')).mode & 0o077).toBe(0);
  });
});

describe('rebuilding the cache from the ledger (main/db/rebuild.ts)', () => {
  async function tillWithHistory(): Promise<{ t: TestTill; m: string }> {
    const t = await till();
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
    const line = (unitPrice: number): unknown[] => [{ sku: 'A', category: 'food', quantity: 1, unitPrice }];
    await t.post('/v1/sales', { saleId: 'C1', memberNo: m, lines: line(50_000) });
    t.clock.advanceDays(1);
    await t.post('/v1/sales', {
      saleId: 'C2',
      memberNo: m,
      lines: line(20_000),
      tenders: [{ type: 'points', points: 300 }],
    });
    await t.post('/v1/returns', { returnId: 'C2R', originalSaleId: 'C2', lines: [{ sku: 'A', quantity: 1 }] });
    return { t, m };
  }

  it('finds nothing to correct in a healthy till, and every kind of drift in a damaged one', async () => {
    const { t, m } = await tillWithHistory();
    const { db, ledger } = t.ctx;
    expect(verifyCache(db, ledger, 'ordinary')).toEqual([]);
    const rebuilt = rebuildMemberStates(db, ledger, 'ordinary').get(m);
    // 500 earned, 300 redeemed, 197 earned on C2 (19,700 eligible), then C2 returned: 197
    // reversed and the 300 restored.
    expect(rebuilt).toMatchObject({ balance: 500, tier: 'ordinary' });

    db.prepare('UPDATE member_state SET balance = balance + 1 WHERE member_no = ?').run(m);
    expect(verifyCache(db, ledger, 'ordinary').map((d) => d.kind)).toEqual(['balance']);
    db.prepare('UPDATE member_state SET balance = balance - 1 WHERE member_no = ?').run(m);

    db.prepare('UPDATE lots SET remaining = remaining + 5 WHERE member_no = ?').run(m);
    expect(verifyCache(db, ledger, 'ordinary').map((d) => d.kind)).toEqual(['lots']);
    db.prepare('UPDATE lots SET remaining = remaining - 5 WHERE member_no = ?').run(m);

    db.prepare("UPDATE member_state SET tier = 'gold' WHERE member_no = ?").run(m);
    expect(verifyCache(db, ledger, 'ordinary').map((d) => d.kind)).toEqual(['tier']);
    db.prepare("UPDATE member_state SET tier = 'ordinary' WHERE member_no = ?").run(m);
    expect(verifyCache(db, ledger, 'ordinary')).toEqual([]);

    const row = db.prepare('SELECT * FROM member_state WHERE member_no = ?').get(m);
    db.prepare('DELETE FROM member_state WHERE member_no = ?').run(m);
    expect(verifyCache(db, ledger, 'ordinary').map((d) => d.kind)).toContain('missing_state');
    db.prepare(
      'INSERT INTO member_state (member_no, balance, tier, state) VALUES (@member_no, @balance, @tier, @state)',
    ).run(row);
    db.prepare(
      "INSERT INTO member_state (member_no, balance, tier, state) VALUES ('ghost', 0, 'ordinary', '{}')",
    ).run();
    expect(verifyCache(db, ledger, 'ordinary')).toEqual([
      expect.objectContaining({ kind: 'orphan_state', memberNo: 'ghost' }),
    ]);
  });

  it('verifies the hash chain and names the first broken entry', async () => {
    const { t } = await tillWithHistory();
    const { db } = t.ctx;
    const ok = verifyTillChain(db);
    expect(ok).toMatchObject({ ok: true, tills: ['till-test-1'] });
    expect(ok.entries).toBe((db.prepare('SELECT max(seq) AS n FROM ledger').get() as { n: number }).n);
    // Tamper past the triggers (as someone with the file could) and the chain says where.
    db.exec('DROP TRIGGER ledger_no_update; DROP TRIGGER ledger_no_delete;');
    db.prepare('UPDATE ledger SET points = points + 1 WHERE seq = 2').run();
    expect(verifyTillChain(db)).toMatchObject({ ok: false, seq: 2, reason: 'hash' });
    db.prepare('UPDATE ledger SET points = points - 1 WHERE seq = 2').run();
    expect(verifyTillChain(db).ok).toBe(true);
    db.prepare('DELETE FROM ledger WHERE seq = 3').run();
    expect(verifyTillChain(db)).toMatchObject({ ok: false, seq: 4, reason: 'gap' });
  });
});
