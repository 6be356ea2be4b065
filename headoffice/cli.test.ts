/** The `npm run headoffice` commands as store IT runs them (CONTRACTS.md), in real child processes. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../core/ruleset/default.js';
import { createHeadOffice } from './server.js';
import { createTestDatabase, type TestDatabase } from '../test/pg/cluster.js';
import { TillSim, at, testStore, upload } from './test-helpers.js';
import { nodeScript } from '../test/helpers/child-scripts.js';

let dir: string;
let env: NodeJS.ProcessEnv;
/** On PostgreSQL (HQ_TEST_STORE=postgres) the commands' database, fresh for each test. */
let database: TestDatabase | null = null;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hq-cli-'));
  env = { ...process.env, HQ_DATA_DIR: join(dir, 'data') };
  delete env.HQ_DATABASE_URL;
  delete env.HQ_OPERATOR_TOKEN;
  database = testStore() === 'postgres' ? await createTestDatabase() : null;
  if (database) env.HQ_DATABASE_URL = database.url;
});

afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  await database?.drop();
});

function run(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, nodeScript('headoffice/cli.ts', ...args), {
    env: { ...env, ...extra },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Each test starts the CLI several times, one after another: on a loaded 2-core runner that
// has passed the default 30 s.
const CLI_TESTS = { timeout: 90_000 };

describe('add-till', CLI_TESTS, () => {
  it('prints the lines a till needs, and the secret and the public key work', async () => {
    const r = run(['add-till', '--store', 'S1', '--till', 'T1']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('TILL_ID=T1');
    expect(lines[1]).toBe('TILL_STORE_ID=S1');
    expect(lines[2]).toMatch(/^TILL_SECRET=[0-9a-f]{64}$/);
    // The line the till needs to find head office (issue 14): HQ_PUBLIC_URL, else its own address.
    expect(lines[3]).toBe('TILL_HQ_URL=http://127.0.0.1:7430');
    expect(
      run(['add-till', '--store', 'S1', '--till', 'T9'], { HQ_PUBLIC_URL: 'https://hq.example.cn/' }).stdout,
    ).toContain('TILL_HQ_URL=https://hq.example.cn\n');
    // The member page phones reach, for the receipt's survey QR (docs/receipts.md).
    expect(
      run(['add-till', '--store', 'S1', '--till', 'T8'], { HQ_MEMBER_PAGE_URL: 'https://m.example.cn/m/' }).stdout,
    ).toMatch(/\nTILL_MEMBER_PAGE_URL=https:\/\/m\.example\.cn\/m\/\n$/);
    if (process.platform !== 'win32') expect(statSync(join(dir, 'data', 'keys.json')).mode & 0o777).toBe(0o600);
    // Head office's answer-signing public key (core/sync/sign.ts): base64 of the raw 32 bytes.
    expect(lines[4]).toMatch(/^TILL_HQ_PUBLIC_KEY=[A-Za-z0-9+/]{43}=$/);
    if (process.platform !== 'win32') expect(statSync(join(dir, 'data', 'answer-key.pem')).mode & 0o777).toBe(0o600);
    // `public-key` prints the same line again; the private key is printed nowhere.
    const again = run(['public-key']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`${lines[4]}\n`);
    expect(again.stdout + r.stdout).not.toContain('PRIVATE KEY');

    const hq = await createHeadOffice({
      dataDir: join(dir, 'data'),
      databaseUrl: database?.url ?? null,
      port: 0,
      operatorToken: 'x',
      logToStderr: false,
    });
    try {
      expect(`TILL_HQ_PUBLIC_KEY=${hq.publicKey}`).toBe(lines[4]);
      const till = new TillSim('T1', 'S1', (lines[2] as string).slice('TILL_SECRET='.length));
      till.enrol('M1', at(0));
      const t = { hq, dataDir: join(dir, 'data'), close: async () => {} };
      expect((await upload(t, till, till.batch(1))).status).toBe(200);
    } finally {
      await hq.close();
    }
  });

  it('refuses an existing till, a bad id and missing flags', () => {
    expect(run(['add-till', '--store', 'S1', '--till', 'T1']).code).toBe(0);
    const again = run(['add-till', '--store', 'S1', '--till', 'T1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect(run(['add-till', '--store', 'S 1', '--till', 'T2']).code).toBe(1);
    expect(run(['add-till', '--store', 'S1']).code).toBe(2);
  });
});

describe('configuration', CLI_TESTS, () => {
  it('says in one line, without the password, that a PostgreSQL database cannot be reached', () => {
    const r = run(['add-till', '--store', 'S1', '--till', 'T1'], {
      HQ_DATABASE_URL: 'postgres://hq:s3cret-pw@127.0.0.1:1/hq',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('cannot open the PostgreSQL database postgres://hq:***@127.0.0.1:1/hq');
    expect(r.stderr).not.toContain('s3cret-pw');
  });

  it('shows the rule set in force, ready to edit and publish, and previews what it changes', () => {
    const shown = run(['show-rules']);
    expect(shown.code).toBe(0);
    const rules = JSON.parse(shown.stdout) as typeof DEFAULT_RULE_SET_INPUT;
    expect(rules.version).toBe(1);
    const file = join(dir, 'edited.json');
    writeFileSync(file, JSON.stringify({ ...rules, version: 2, earn: { ...rules.earn, baseRate: '2' } }));
    const r = run(['publish-rules', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('version 2 published');
    // ¥100 of groceries: Ordinary 100 -> 200 points, Gold ×1.5 150 -> 300.
    expect(r.stdout).toMatch(/ordinary\s+grocery ¥100\s+100 -> 200 points/);
    expect(r.stdout).toMatch(/gold\s+grocery ¥100\s+150 -> 300 points/);
    expect(JSON.parse(run(['show-rules']).stdout).version).toBe(2);
  });

  it('publishes a rule-set file', () => {
    const file = join(dir, 'rules.json');
    writeFileSync(file, JSON.stringify({ ...DEFAULT_RULE_SET_INPUT, version: 2 }));
    const r = run(['publish-rules', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('version 2 published');
    writeFileSync(file, JSON.stringify({ ...DEFAULT_RULE_SET_INPUT, version: 3, tiers: [] }));
    const bad = run(['publish-rules', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('tiers');
  });
});

describe('serve', () => {
  async function serveOnce(): Promise<{ stdout: string; url: string }> {
    const child = spawn(process.execPath, nodeScript('headoffice/cli.ts'), {
      env: { ...env, HQ_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${stdout}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const m = /listening on (http:\/\/\S+)/.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[1] as string);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${stdout}`)));
      });
      const health = await fetch(`${url}/v1/health`);
      expect(health.status).toBe(200);
      return { stdout, url };
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }

  it('binds to loopback and prints a generated operator token only on first start', async () => {
    const first = await serveOnce();
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.stdout).toMatch(/^HQ_OPERATOR_TOKEN=\S{20,}$/m);
    const second = await serveOnce();
    expect(second.stdout).not.toContain('HQ_OPERATOR_TOKEN=');
  });
});
