/**
 * `npm run headoffice -- backup --to <file>` in a child process while head office serves: on
 * SQLite a checked, self-contained copy under the name given and nothing half-written left
 * anywhere; on PostgreSQL a refusal that names the tools to use instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { at, provision, startHq, testStore, uploadAll, type TestHq } from './test-helpers.js';
import { nodeScript } from '../test/helpers/child-scripts.js';

let t: TestHq;
beforeEach(async () => {
  t = await startHq();
});
afterEach(async () => {
  await t.close();
});

function backup(to: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...t.env };
  if (!t.env.HQ_DATABASE_URL) delete env.HQ_DATABASE_URL;
  const r = spawnSync(process.execPath, nodeScript('headoffice/cli.ts', 'backup', '--to', to), {
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// One store per project: each defines only its own tests (no skipped ones).
if (testStore() === 'sqlite') {
  describe('backup on SQLite', () => {
    it('copies the database while head office serves, checked, as one file, and replaces the last copy only when good', async () => {
      const A = await provision(t, 'S1', 'A');
      A.enrol('M1', at(0));
      for (let i = 1; i <= 30; i++) A.sale('M1', 1_000 * i, at(i));
      await uploadAll(t, A, 10);
      await t.hq.store.settle();
      const dir = join(t.dataDir, '..', 'backups');
      mkdirSync(dir);
      const to = join(dir, 'hq.sqlite');

      const r = backup(to);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /^backed up to .*hq\.sqlite: \d+ bytes, 31 ledger entries, 1 members, 1 till\(s\) \(checked\)$/m,
      );
      expect(r.stdout).toContain('keys.json and answer-key.pem');
      // One file: no -wal or -shm beside it, nothing partial.
      expect(readdirSync(dir)).toEqual(['hq.sqlite']);
      // Personal data stays as the database holds it: encrypted (TillSim enrols 张三丰, 138...).
      const bytes = readFileSync(to);
      expect(bytes.includes(Buffer.from('张三丰'))).toBe(false);
      expect(bytes.includes(Buffer.from(`138${'M1'.padStart(8, '0')}`))).toBe(false);
      const copy = new Database(to, { readonly: true });
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      expect((copy.prepare('SELECT count(*) AS n FROM ledger').get() as { n: number }).n).toBe(31);
      copy.close();

      // Head office goes on; the next copy under the same name holds what came since.
      A.sale('M1', 99_000, at(40));
      await uploadAll(t, A, 10);
      await t.hq.store.settle();
      expect(backup(to).stdout).toContain('32 ledger entries');
      expect(readdirSync(dir)).toEqual(['hq.sqlite']);
    });

    it('fails in one line and leaves nothing where it cannot write', () => {
      const blocked = join(t.dataDir, '..', 'not-a-dir');
      writeFileSync(blocked, 'a file, not a folder');
      const r = backup(join(blocked, 'hq.sqlite'));
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(blocked, 'hq.sqlite'))).toBe(false);
    });
  });
} else {
  describe('backup on PostgreSQL', () => {
    it("refuses, naming PostgreSQL's own tools", () => {
      const r = backup(join(t.dataDir, 'hq.sqlite'));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('pg_dump or pg_basebackup');
      expect(existsSync(join(t.dataDir, 'hq.sqlite'))).toBe(false);
    });
  });
}
