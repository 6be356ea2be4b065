/**
 * Issue 14, setting up a new store: `npm run staff -- add` before the till ever ran, the
 * till's first-start hint naming its data folder, and JSON log lines kept apart from the lines
 * a person reads. Real processes (tsx), real files, a fresh temporary folder each.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StaffAuth } from '../main/api/staff.js';
import { createTill } from '../main/service/till.js';
import { testConfig } from './helpers/till.js';

const ROOT = join(import.meta.dirname, '..');
const TSX = ['--import', 'tsx'];
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'till-setup-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** The environment of a shell without any TILL_ setting, plus `extra`. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TILL_') && !k.startsWith('STAFF_')) e[k] = v;
  return { ...e, ...extra };
}

function startTillProcess(dataDir: string, stdio: ('ignore' | 'pipe' | number)[]): ChildProcess {
  const child = spawn(process.execPath, [...TSX, join(ROOT, 'main', 'service', 'cli.ts')], {
    cwd: ROOT,
    env: env({ TILL_DATA_DIR: dataDir, TILL_PORT: '0', TILL_DEVICES: 'simulated', TILL_UI_DIR: dataDir }),
    stdio: stdio as never,
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
  return child;
}

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a new store sets up its till', { timeout: 60_000 }, () => {
  it('npm run staff -- add works on a data folder the till has not created yet (0700, migrated)', async () => {
    const dataDir = join(tempDir(), 'not', 'yet', 'there');
    const r = spawnSync(
      process.execPath,
      [
        ...TSX,
        join(ROOT, 'scripts', 'staff.ts'),
        'add',
        '--id',
        '1001',
        '--name',
        '王店长',
        '--role',
        'admin',
        '--pin',
        '246810',
      ],
      { cwd: ROOT, env: env({ TILL_DATA_DIR: dataDir }), encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('added 1001 王店长 (admin)');
    if (process.platform !== 'win32') expect(statSync(dataDir).mode & 0o777).toBe(0o700);

    // The till then starts on that folder and the admin signs in.
    const till = await createTill(testConfig(dataDir), { quiet: true });
    cleanups.push(() => till.close());
    expect(new StaffAuth(till.ctx).signIn('1001', '246810').session.role).toBe('admin');
  });

  it("the first start's hint names TILL_DATA_DIR; stdout has the human lines, stderr the JSON lines", async () => {
    const dataDir = join(tempDir(), 'till data');
    const child = startTillProcess(dataDir, ['ignore', 'pipe', 'pipe']);
    let out = '';
    let err = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
    await until(() => out.includes('No staff yet'), 'the no-staff hint');
    expect(out).toContain(`TILL_DATA_DIR='${dataDir}' npm run staff -- add`);
    for (const line of out.trim().split('\n')) expect(line.startsWith('{'), line).toBe(false);
    await until(() => err.includes('till_started'), 'the till_started log line');
    for (const line of err.trim().split('\n')) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
  });

  it('with stderr on the same file as stdout (2>&1), JSON lines go to till.log only', async () => {
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    const outFile = join(dir, 'out.txt');
    const fd = openSync(outFile, 'w');
    startTillProcess(dataDir, ['ignore', fd, fd]);
    closeSync(fd);
    const logFile = join(dataDir, 'till.log');
    await until(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('till_started'), 'till.log');
    await until(() => readFileSync(outFile, 'utf8').includes('No staff yet'), 'the human lines');
    const lines = readFileSync(outFile, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    expect(lines[0]).toMatch(/^till \S+ \(store \S+\) listening on http:\/\/127\.0\.0\.1:\d+\//);
  });
});
