/**
 * End-to-end plumbing: the renderer built once with Vite's build() API, a real till service
 * (createTill: real SQLite in a temp folder, HTTP on 127.0.0.1 port 0) serving that build,
 * staff to sign in with, and Debian's Chromium driven by playwright-core.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import type { RuleSetInput } from '../../core/ruleset/schema.js';
import { StaffDirectory } from '../../main/api/staff.js';
import { configFromEnv, type TillConfig } from '../../main/service/config.js';
import { createTill, type Till, type TillOptions } from '../../main/service/till.js';
import { TEST_HQ_PUBLIC_KEY } from '../helpers/till.js';
import { builtApp } from '../helpers/vite-build.js';
import { REPO_ROOT } from '../helpers/child-scripts.js';

export const ROOT = REPO_ROOT;
export const SCREENSHOTS = join(ROOT, 'test-artifacts', 'screenshots');
export const POS_KEY = 'e2e-pos-key-0123456789abcdef';

export const STAFF = {
  cashier: { staffId: '1001', name: '李收银', role: 'cashier', pin: '1234' },
  supervisor: { staffId: '2001', name: '王主管', role: 'supervisor', pin: '5678' },
  admin: { staffId: '9001', name: '张店长', role: 'admin', pin: '246810' },
} as const;

export interface UiTill {
  till: Till;
  url: string;
  dir: string;
  /** POST with the POS key, as the host POS would */
  pos(path: string, body: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

export async function startUiTill(
  opts: {
    ruleSet?: Partial<RuleSetInput>;
    /** settings beyond the test till's (head office, printer, store name) */
    config?: Partial<TillConfig>;
    options?: TillOptions;
  } = {},
): Promise<UiTill> {
  const uiDir = await builtApp('renderer');
  const dir = mkdtempSync(join(tmpdir(), 'till-e2e-'));
  const till = await createTill(
    {
      // Every setting at its default, then what this test till needs.
      ...configFromEnv({}),
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      tillId: 'till-e2e-1',
      storeId: 'store-e2e',
      hqUrl: null,
      hqPublicKey: TEST_HQ_PUBLIC_KEY,
      posApiKey: POS_KEY,
      devices: 'simulated',
      logLevel: 'error',
      uiDir,
      ...opts.config,
    },
    { quiet: true, ...opts.options },
  );
  till.ctx.rules.put(
    {
      ...DEFAULT_RULE_SET_INPUT,
      version: 2,
      effectiveFrom: '2020-01-01T00:00:00+08:00',
      ...opts.ruleSet,
    },
    new Date().toISOString(),
  );
  const staff = new StaffDirectory(till.ctx.db);
  for (const s of Object.values(STAFF)) staff.add(s);
  return {
    till,
    url: till.url,
    dir,
    async pos(path, body) {
      const res = await fetch(`${till.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${POS_KEY}` },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async close() {
      await till.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const CHROMIUM = '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/** A page on the till's cashier screen as a till's display shows it: 1366×768, zh-CN. */
export async function counterPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  page.setDefaultTimeout(10_000);
  await page.goto(url);
  return page;
}

export async function signIn(page: Page, who: { staffId: string; pin: string }): Promise<void> {
  await page.getByTestId('signin').waitFor();
  await page.fill('#signin-staff', who.staffId);
  await page.fill('#signin-pin', who.pin);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('statusbar').waitFor();
}

/** Enters a staff number and PIN in the open supervisor dialog and presses approve. */
export async function approveAs(page: Page, who: { staffId: string; pin: string }): Promise<void> {
  await page.fill('input[name="supervisorId"]', who.staffId);
  await page.fill('input[name="supervisorPin"]', who.pin);
  await page.getByTestId('supervisor-approve').click();
}

/** How far apart `wedgeScan` stamps its keys: a USB scanner's pace. */
const WEDGE_KEY_MS = 4;

/**
 * Types a code as a keyboard-wedge scanner does: the keys back to back, then Enter, through
 * the DevTools protocol as real key events. Each key carries its own timestamp, WEDGE_KEY_MS
 * apart (`Input.dispatchKeyEvent`'s `timestamp`, which Chromium passes on as the DOM event's
 * `timeStamp`), so the burst's timing is a scanner's, not the test machine's. Typing them one
 * awaited round trip at a time (`keyboard.type`) let a loaded machine space them past the
 * detector's 30 ms. Pipelined but unstamped, each key is stamped when Chromium's browser
 * process reads its command, and beside three busy loops on two cores that left gaps of
 * 105-135 ms inside about one burst in a hundred: past the detector's 100 ms stall, two codes,
 * the member never identified. Stamped, a key the browser passes on late only arrives late,
 * which the detector allows for (renderer/src/wedge/adapter.ts).
 */
export async function wedgeScan(page: Page, code: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const keys = [...code].map((c) => ({ key: c, text: c })).concat({ key: 'Enter', text: '\r' });
    const start = Date.now();
    const sent = keys.flatMap((k, i) => {
      // Seconds since the epoch, as the protocol takes it.
      const timestamp = (start + i * WEDGE_KEY_MS) / 1000;
      return [
        cdp.send('Input.dispatchKeyEvent', {
          type: 'keyDown',
          key: k.key,
          text: k.text,
          timestamp,
          ...(k.key === 'Enter' ? { code: 'Enter', windowsVirtualKeyCode: 13 } : {}),
        }),
        cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: k.key, timestamp: timestamp + 0.001 }),
      ];
    });
    await Promise.all(sent);
  } finally {
    await cdp.detach();
  }
}

/**
 * What the screen showed when a test failed, where CI's log keeps it: the visible text (the
 * log is often all there is of a CI run) and a screenshot in test-artifacts.
 */
export async function reportScreen(page: Page, testName: string): Promise<void> {
  try {
    const slug = testName.replace(/[^\w]+/g, '-').slice(0, 60);
    const path = await screenshot(page, `failed-${slug}`);
    const text = (await page.locator('body').innerText({ timeout: 2_000 })).replace(/\s+/g, ' ').slice(0, 1_500);
    console.error(`[${testName}] the screen when it failed (${path}): ${text}`);
  } catch (e) {
    console.error(`[${testName}] the screen could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * A suite's till with one enrolled member and Chromium on its cashier screen, signed in as the
 * cashier (vitest hooks); `use` receives them before the suite's tests.
 */
export function useSignedInCounter(
  member: { name: string; phone: string; marketing: boolean },
  use: (x: { t: UiTill; browser: Browser; page: Page; memberNo: string }) => void,
): void {
  let t: UiTill | null = null;
  let browser: Browser | null = null;
  let shown: Page | null = null;
  beforeAll(async () => {
    t = await startUiTill();
    const m = await t.pos('/v1/members', {
      name: member.name,
      phone: member.phone,
      consent: { marketing: member.marketing, text: 'privacy-2026-01' },
    });
    browser = await launchChromium();
    const page = await counterPage(browser, t.url);
    await signIn(page, STAFF.cashier);
    use({ t, browser, page, memberNo: m.body.memberNo as string });
    shown = page;
  }, 120_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && shown) await reportScreen(shown, ctx.task.name);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });
}
