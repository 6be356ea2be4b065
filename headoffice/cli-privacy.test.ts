/** `npm run headoffice -- export-member / erase-member` in real child processes (DOMAIN.md 10). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHeadOffice } from './server.js';
import { createTestDatabase, type TestDatabase } from '../test/pg/cluster.js';
import { addTill } from './provision.js';
import { TillSim, at, testStore, uploadAll, type TestHq } from './test-helpers.js';
import { nodeScript } from '../test/helpers/child-scripts.js';

let dir: string;
let env: NodeJS.ProcessEnv;
/** On PostgreSQL (HQ_TEST_STORE=postgres) the commands' database, fresh for each test. */
let database: TestDatabase | null = null;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hq-cli-privacy-'));
  env = { ...process.env, HQ_DATA_DIR: join(dir, 'data') };
  delete env.HQ_DATABASE_URL;
  delete env.HQ_OPERATOR_TOKEN;
  database = testStore() === 'postgres' ? await createTestDatabase() : null;
  if (database) env.HQ_DATABASE_URL = database.url;
  // A member with a sale, uploaded by a till, then head office stopped: the CLI opens the file.
  const hq = await createHeadOffice({
    dataDir: join(dir, 'data'),
    databaseUrl: database?.url ?? null,
    port: 0,
    operatorToken: 'x',
    logToStderr: false,
  });
  try {
    const issued = await addTill(hq.store, 'S1', 'T1');
    const till = new TillSim('T1', 'S1', issued.secret);
    till.enrol('M1', at(0), { name: '周九' });
    till.sale('M1', 20_000, at(5));
    await uploadAll({ hq, dataDir: join(dir, 'data') } as TestHq, till, 50);
  } finally {
    await hq.close();
  }
});

afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  await database?.drop();
});

function run(args: string[]) {
  const r = spawnSync(process.execPath, nodeScript('headoffice/cli.ts', ...args), {
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const WHO = ['--operator', 'ops-zhao', '--reason', 'member request'];

describe('export-member and erase-member', () => {
  it('exports to an owner-only file, erases, and says so on a second erase', () => {
    const file = join(dir, 'm1.json');
    const exp = run(['export-member', '--member', 'M1', ...WHO, '--out', file]);
    expect(exp.code).toBe(0);
    const data = JSON.parse(readFileSync(file, 'utf8')) as { personal: { name: string }; sales: unknown[] };
    expect(data.personal.name).toBe('周九');
    expect(data.sales).toHaveLength(1);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

    const erased = run(['erase-member', '--member', 'M1', ...WHO]);
    expect(erased.code).toBe(0);
    expect(erased.stdout).toMatch(/member M1 erased at \S+; 1 card\(s\) blocked/);
    // Logged as the endpoint logs it: the erasures to run again after a restore from a backup.
    const log = readFileSync(join(dir, 'data', 'headoffice.log'), 'utf8');
    expect(log).toMatch(/"event":"member_erased".*"memberNo":"M1".*"operatorId":"ops-zhao"/);
    expect(run(['erase-member', '--member', 'M1', ...WHO]).stdout).toContain('already erased');

    const after = run(['export-member', '--member', 'M1', ...WHO]);
    expect(after.code).toBe(0);
    expect((JSON.parse(after.stdout) as { personal: unknown }).personal).toBeNull();
    expect(after.stdout).not.toContain('周九');
  });

  it('refuses an unknown member in one line, and missing operator or reason as usage', () => {
    const unknown = run(['erase-member', '--member', 'NOPE', ...WHO]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('headoffice: no member NOPE');
    expect(run(['erase-member', '--member', 'M1', '--operator', 'ops']).code).toBe(2);
    expect(run(['export-member', '--member', 'M1', '--reason', 'x']).code).toBe(2);
  });
});
