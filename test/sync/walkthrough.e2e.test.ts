/**
 * Issue 14: a new store follows the README from a fresh folder, in order, with real processes:
 * head office started, `add-till` run and its output pasted into the till's environment as it
 * stands, staff added before the till's first start, the till started and syncing. Nothing is
 * set but what the printed lines and the README say.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, freePort, hqEnv, operator, pos, startHq, startTillProc, waitFor, type Proc } from './procs.js';
import { nodeScript } from '../helpers/child-scripts.js';

const TOKEN = 'walkthrough-operator-token';
const procs: Proc[] = [];
const root = mkdtempSync(join(tmpdir(), 'walkthrough-'));

afterAll(async () => {
  for (const p of procs) await p.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

/** `KEY=value` lines as printed, the environment they paste into. */
function pasted(out: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^([A-Z_]+)=(.+)$/.exec(line.trim());
    if (m) env[m[1] as string] = m[2] as string;
  }
  return env;
}

function cli(script: string, args: string[], env: Record<string, string>): string {
  return execFileSync(process.execPath, nodeScript(script, ...args), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

describe('a new store from a fresh folder, as the README says', () => {
  it('add-till, staff before the first start, the till syncing', async () => {
    const hqDir = join(root, 'hq');
    const hqPort = await freePort();
    const hq = await startHq(hqDir, hqPort, TOKEN);
    procs.push(hq);

    // 1. Head office provisions the till; its output is the till's environment.
    const printed = cli('headoffice/cli.ts', ['add-till', '--store', 'store-sh01', '--till', 'till-sh01-01'], {
      ...hqEnv(hqDir),
      HQ_PORT: String(hqPort),
    });
    const env = pasted(printed);
    expect(Object.keys(env).sort()).toEqual([
      'TILL_HQ_PUBLIC_KEY',
      'TILL_HQ_URL',
      'TILL_ID',
      'TILL_SECRET',
      'TILL_STORE_ID',
    ]);
    expect(env.TILL_HQ_URL).toBe(`http://127.0.0.1:${hqPort}`);

    // 2. Staff are added to the data folder before the till ever ran.
    const tillDir = join(root, 'till-data');
    const staff = cli(
      'scripts/staff.ts',
      ['add', '--id', '1001', '--name', '王店长', '--role', 'admin', '--pin', '246810'],
      {
        TILL_DATA_DIR: tillDir,
      },
    );
    expect(staff).toContain('added 1001');

    // 3. The till starts with the pasted lines and syncs with head office.
    const till = await startTillProc(tillDir, await freePort(), env);
    procs.push(till);
    const signIn = await fetch(`${till.url}/v1/staff/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ staffId: '1001', pin: '246810' }),
    });
    expect(signIn.status).toBe(201);
    const m = await pos(till.url, '/v1/members', {
      name: '李四',
      phone: '13700000001',
      consent: { marketing: true, text: 'v1' },
    });
    expect(m.status).toBe(201);
    const memberNo = m.json.memberNo as string;
    const lines = [{ sku: 'rice', category: 'grocery', quantity: 1, unitPrice: 10_000 }];
    expect((await pos(till.url, '/v1/sales', { saleId: 'W-1', memberNo, lines })).status).toBe(201);
    const health = await waitFor('the till synced', async () => {
      const h = await pos(till.url, '/v1/health');
      return h.json.entriesWaiting === 0 && h.json.online === true ? h.json : null;
    });
    expect(health).toMatchObject({ tillId: 'till-sh01-01', storeId: 'store-sh01' });
    const member = await operator(hq.url, TOKEN, `/v1/members/${memberNo}`);
    expect(member.json).toMatchObject({ balance: 100, enrolledStore: 'store-sh01' });
  }, 120_000);
});
