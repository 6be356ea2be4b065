/**
 * DNS rebinding in real Chromium (issue 11, finding 4): a page at `rebind.attacker.test:<port>`
 * whose name resolves to 127.0.0.1 (Chromium's host resolver rules play the rebound DNS) runs a
 * same-origin fetch to the till's sign-in with a real cashier's PIN. The till refuses its Host.
 * A control till that lists the attacker's name in TILL_ALLOWED_HOSTS shows the same page does
 * sign in where the Host is not checked, so the refusal is the allow-list's doing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaffDirectory } from '../../main/api/staff.js';
import { createTill, type Till } from '../../main/service/till.js';
import { testConfig } from '../helpers/till.js';
import { CHROMIUM, chromiumAvailable } from './helpers.js';

const ATTACKER = 'rebind.attacker.test';
let root: string;
let browser: Browser;
const tills: Till[] = [];

async function till(name: string, allowedHosts: string[]): Promise<{ till: Till; origin: string }> {
  const ui = join(root, 'ui');
  const t = await createTill(testConfig(join(root, name), { uiDir: ui, allowedHosts }), { quiet: true });
  new StaffDirectory(t.ctx.db).add({ staffId: '1001', name: '李收银', role: 'cashier', pin: '1234' });
  tills.push(t);
  return { till: t, origin: `http://${ATTACKER}:${new URL(t.url).port}` };
}

/** The attacker's script, run in the rebound origin: sign in same-origin, then read the health. */
async function attack(origin: string): Promise<{ page: number | null; signIn: number; token: boolean }> {
  const page = await browser.newPage();
  try {
    const nav = await page.goto(`${origin}/`);
    const result = await page.evaluate(async () => {
      const r = await fetch('/v1/staff/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ staffId: '1001', pin: '1234' }),
      });
      const body = (await r.json()) as { token?: string };
      return { signIn: r.status, token: typeof body.token === 'string' };
    });
    return { page: nav?.status() ?? null, ...result };
  } finally {
    await page.close();
  }
}

describe.skipIf(!chromiumAvailable())('DNS rebinding in Chromium', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'till-rebind-'));
    mkdirSync(join(root, 'ui'));
    writeFileSync(join(root, 'ui', 'index.html'), '<!doctype html><title>till</title>');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        `--host-resolver-rules=MAP ${ATTACKER} 127.0.0.1`,
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    for (const t of tills) await t.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('a rebound page reaches neither the UI nor the sign-in', async () => {
    const { origin } = await till('guarded', []);
    expect(await attack(origin)).toEqual({ page: 421, signIn: 421, token: false });
  });

  it('control: where the name is allowed, the same page signs in (what every till did before)', async () => {
    const { origin } = await till('open', [ATTACKER]);
    expect(await attack(origin)).toEqual({ page: 200, signIn: 201, token: true });
  });

  it('the till itself is still reached at its loopback address', async () => {
    const { till: t } = await till('loopback', []);
    const page = await browser.newPage();
    expect((await page.goto(`${t.url}/`))?.status()).toBe(200);
    await page.close();
  });
});
