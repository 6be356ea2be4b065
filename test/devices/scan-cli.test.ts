/**
 * `npm run scan` against `npm run till` with TILL_DEVICES=simulated, both as real processes:
 * the CLI finds the POS key in the till's data folder, scans a member's barcode and taps a
 * member's NFC card; the member events appear on /v1/events.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectText } from '../helpers/stream.js';
import { nodeScript } from '../helpers/child-scripts.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function env(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete e.NODE_OPTIONS;
  delete e.TILL_POS_API_KEY;
  delete e.TILL_HQ_URL;
  return e;
}

function run(args: string[], e: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, nodeScript('scripts/scan.ts', ...args), { cwd: REPO, env: e });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    p.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('npm run scan', () => {
  let dir: string;
  let port: number;
  let till: ChildProcess;
  let key: string;
  let output = '';
  const events: string[] = [];
  const ac = new AbortController();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'till-scan-cli-'));
    port = await freePort();
    till = spawn(process.execPath, nodeScript('main/service/cli.ts'), {
      cwd: REPO,
      env: env({ TILL_DATA_DIR: dir, TILL_PORT: String(port), TILL_DEVICES: 'simulated', TILL_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    till.stdout?.on('data', (b: Buffer) => (output += b.toString('utf8')));
    till.stderr?.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const deadline = Date.now() + 20_000;
    while (!/listening on/.test(output)) {
      if (Date.now() > deadline || till.exitCode !== null) throw new Error(`till did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    key = readFileSync(join(dir, 'pos-api-key'), 'utf8').trim();
    const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
      headers: { authorization: `Bearer ${key}` },
      signal: ac.signal,
    });
    collectText(res, events);
  }, 40_000);

  afterAll(async () => {
    ac.abort();
    if (till && till.exitCode === null) {
      const exited = new Promise((r) => till.once('exit', r));
      till.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function enrol(cardCode?: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${port}/v1/members`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        name: '李四',
        phone: `1360000${String(1000 + Math.floor(Math.random() * 8999))}`,
        consent: { marketing: false, text: 'privacy-v1' },
        ...(cardCode ? { cardCode } : {}),
      }),
    });
    const body = (await res.json()) as { memberNo: string };
    expect(res.status).toBe(201);
    return body.memberNo;
  }

  it('scans and taps into the running till, finding its POS key in TILL_DATA_DIR', async () => {
    const byBarcode = await enrol();
    const byCard = await enrol('04A2B3C4D5E680');
    const e = env({ TILL_DATA_DIR: dir, TILL_PORT: String(port) });

    const scan = await run([byBarcode], e);
    expect(scan).toMatchObject({ code: 0, out: `scanned ${byBarcode}: member ${byBarcode}\n` });
    const tap = await run(['tap', '04:a2:b3:c4:d5:e6:80'], e);
    expect(tap).toMatchObject({ code: 0, out: `tapped 04A2B3C4D5E680: member ${byCard}\n` });
    const misread = await run(['scan', `${byBarcode.slice(0, 12)}${(Number(byBarcode.at(-1)) + 1) % 10}`], e);
    expect(misread.code).toBe(1);
    expect(misread.out).toMatch(/refused \(misread_check_digit\)/);

    await new Promise((r) => setTimeout(r, 200));
    const stream = events.join('');
    expect(stream).toContain(`event: member\ndata: {"type":"member","memberNo":"${byBarcode}"`);
    expect(stream).toContain(`event: member\ndata: {"type":"member","memberNo":"${byCard}"`);
    expect(stream).toContain('"error":"misread_check_digit"');
  }, 40_000);

  it('says what is wrong: usage, wrong key, no till', async () => {
    const e = env({ TILL_DATA_DIR: dir, TILL_PORT: String(port) });
    expect((await run([], e)).code).toBe(2);
    const wrong = await run(['2000001000014', '--key', 'nope'], e);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/unauthorized/);
    const closed = await run(['2000001000014', '--url', 'http://127.0.0.1:9'], e);
    expect(closed.code).toBe(2);
    expect(closed.err).toMatch(/cannot reach the till/);
  }, 40_000);
});
