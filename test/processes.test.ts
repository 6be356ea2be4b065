/**
 * Issue 14: SIGTERM to `npm run headoffice` (or `npm run till`), as a service manager sends it,
 * stops the server and leaves no process behind. The scripts `exec` node, so npm's signal
 * reaches the server itself rather than a shell that dies without passing it on.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, freePort, waitFor } from './sync/procs.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Pids of live processes whose environment names `marker` (the data folder of one run). */
function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/environ`, 'latin1').includes(marker)) out.push(Number(p));
    } catch {
      // gone already, or not ours to read
    }
  }
  return out;
}

async function stopsCleanly(script: string, env: Record<string, string>, marker: string): Promise<void> {
  let out = '';
  const npm = spawn('npm', ['run', '--silent', script], { cwd: ROOT, env: { ...process.env, ...env } });
  npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
  npm.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(`${script} to listen`, async () => /listening on http/.test(out), 60_000);
  const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
  npm.kill('SIGTERM');
  await exited;
  await waitFor(`no ${script} process left`, async () => processesWith(marker).length === 0, 10_000);
  expect(processesWith(marker)).toEqual([]);
}

describe.skipIf(process.platform !== 'linux')('SIGTERM to npm run leaves no process behind', () => {
  it('npm run headoffice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigterm-hq-'));
    dirs.push(dir);
    const port = await freePort();
    await stopsCleanly('headoffice', { HQ_DATA_DIR: dir, HQ_PORT: String(port), HQ_OPERATOR_TOKEN: 'tok' }, dir);
  }, 90_000);

  it('npm run till', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigterm-till-'));
    dirs.push(dir);
    const port = await freePort();
    await stopsCleanly('till', { TILL_DATA_DIR: dir, TILL_PORT: String(port), TILL_POS_API_KEY: 'k' }, dir);
  }, 90_000);
});
