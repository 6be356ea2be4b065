/**
 * The member's own page in Chromium on a 360 x 740 phone screen (docs/member-page.md): built
 * with Vite, served by head office at /m/, signed into with the code read from the simulated
 * channel's file; it shows the balance, the tier's progress and the member QR code, whose text
 * head office's member-QR key verifies as a till would (core/cards/memberqr.ts). Its languages:
 * zh-CN unless the browser puts English first, the 中文 / English button switching at once and
 * remembered across a reload, head office's refusals in the language shown. Screenshots:
 * test-artifacts/screenshots/member-page.png, member-page-en.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyMemberQr } from '../core/cards/memberqr.js';
import { MEMBER_QR_KEY_FILE } from './member-qr-key.js';
import { at, uploadAll, useTwoTillHq, type TestHq, type TillSim } from './test-helpers.js';
import { codeSentTo } from '../test/helpers/sign-in-code.js';
import { buildHqUi } from '../test/helpers/vite-build.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');
const PHONE = '13900003333';

const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });

describe('member page in a phone browser', () => {
  let t: TestHq;
  let A: TillSim;
  beforeAll(async () => {
    process.env.HQ_MEMBER_APP_DIR = await buildHqUi('member');
  }, 120_000);
  useTwoTillHq((x) => ({ t, A } = x));

  it('serves the page at /m/ under the strict CSP, and redirects /m to /m/', async () => {
    const r = await fetch(`${t.hq.url}/m`, { redirect: 'manual' });
    expect(r.status).toBe(308);
    expect(r.headers.get('location')).toBe('/m/');
    const page = await fetch(`${t.hq.url}/m/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('signs in with the code from the simulated channel and shows balance, progress and a QR a till accepts', async () => {
    A.enrol('M7', at(0), { name: '李小红', phone: PHONE });
    A.sale('M7', 35_000, at(1));
    await uploadAll(t, A, 10);

    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
      const cspErrors: string[] = [];
      page.on('console', (m) => {
        // 401 before sign-in and a missing favicon are expected; a CSP refusal is not.
        if (m.type() === 'error' && /Content Security Policy|Refused/.test(m.text())) cspErrors.push(m.text());
      });
      // The page's clock, so the QR code's refresh can be run forward (time still flows).
      await page.clock.install();
      await page.goto(`${t.hq.url}/m/`);
      await page.getByTestId('phone').fill(PHONE);
      await page.getByTestId('send-code').click();
      await page.getByTestId('code').waitFor();
      await page.getByTestId('code').fill(await codeSentTo(t.dataDir, PHONE));
      await page.getByTestId('sign-in').click();

      const balance = page.getByTestId('balance');
      await balance.waitFor();
      expect(Number((await balance.textContent())?.replace(/\D/g, ''))).toBeGreaterThan(0);
      const qr = page.getByTestId('qr');
      await qr.waitFor();
      const text = (await qr.getAttribute('data-qr')) ?? '';
      const key = Buffer.from(readFileSync(join(t.dataDir, MEMBER_QR_KEY_FILE), 'utf8').trim(), 'base64');
      expect(verifyMemberQr(key, text, Date.now())).toMatchObject({ ok: true, memberNo: 'M7' });
      const box = await qr.boundingBox();
      expect(box?.width).toBeGreaterThan(150);
      // Nothing wider than the phone's screen.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      expect(cspErrors).toEqual([]);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'member-page.png'), fullPage: true });

      // Offline for longer than the code's window: the page says the code may have expired and
      // keeps asking; back online, the new code replaces it.
      await page.route('**/v1/me/qr', (r) => r.abort());
      for (const ms of [31_000, 31_000]) {
        const failed = page.waitForEvent('requestfailed', (r) => r.url().includes('/v1/me/qr'));
        await page.clock.fastForward(ms);
        await failed;
      }
      await page.getByTestId('qr-stale').waitFor();
      await page.unroute('**/v1/me/qr');
      await page.clock.fastForward(6_000);
      await page.getByTestId('qr-stale').waitFor({ state: 'detached' });
      const renewed = (await qr.getAttribute('data-qr')) ?? '';
      expect(verifyMemberQr(key, renewed, Date.now())).toMatchObject({ ok: true, memberNo: 'M7' });

      await page.getByTestId('sign-out').click();
      await page.getByTestId('phone').waitFor();
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('speaks zh-CN by default and English to a browser that puts English first, and the button switches and stays', async () => {
    A.enrol('M9', at(0), { name: '王小明', phone: PHONE });
    A.sale('M9', 35_000, at(1));
    await uploadAll(t, A, 10);
    const phoneScreen = { viewport: { width: 360, height: 740 } };
    const htmlLang = (page: Page): Promise<string> => page.evaluate(() => document.documentElement.lang);

    const browser = await launch();
    try {
      // Chinese for a Chinese browser, and for one that lists neither language.
      for (const locale of ['zh-CN', 'fr-FR']) {
        const zh = await browser.newPage({ ...phoneScreen, locale });
        await zh.goto(`${t.hq.url}/m/`);
        await zh.getByRole('heading', { name: '会员登录' }).waitFor();
        expect(await htmlLang(zh), locale).toBe('zh-CN');
        expect(await zh.title()).toBe('我的会员');
        expect(await zh.getByTestId('lang').innerText()).toBe('English');
        await zh.close();
      }

      const context = await browser.newContext({ ...phoneScreen, locale: 'en-US' });
      const page = await context.newPage();
      await page.goto(`${t.hq.url}/m/`);
      await page.getByRole('heading', { name: 'Member sign-in' }).waitFor();
      expect(await htmlLang(page)).toBe('en');
      expect(await page.title()).toBe('My membership');
      expect(await page.getByTestId('lang').innerText()).toBe('中文');

      // Head office's refusals in English: a second code within the minute (429), a wrong code.
      await page.getByTestId('phone').fill(PHONE);
      await page.getByTestId('send-code').click();
      await page.getByTestId('code').waitFor();
      const code = await codeSentTo(t.dataDir, PHONE);
      await page.getByTestId('send-code').click();
      const error = page.getByTestId('error');
      await error.waitFor();
      expect(await error.innerText()).toMatch(/^Too many requests\. Please try again in \d+ seconds?\.$/);
      const wrong = `${code.slice(0, 5)}${(Number(code.slice(5)) + 1) % 10}`;
      await page.getByTestId('code').fill(wrong);
      await page.getByTestId('sign-in').click();
      await expect.poll(() => error.innerText()).toBe('That code is not right. You can try 4 more times.');
      // A message already shown follows the button at once, and back.
      await page.getByTestId('lang').click();
      await expect.poll(() => error.innerText()).toBe('验证码不正确，还可以再试 4 次');
      await page.getByTestId('lang').click();
      await expect.poll(() => error.innerText()).toBe('That code is not right. You can try 4 more times.');

      await page.getByTestId('code').fill(code);
      await page.getByTestId('sign-in').click();
      await page.getByTestId('balance').waitFor();
      await page.getByRole('heading', { name: 'Member code' }).waitFor();
      expect(await page.getByTestId('balance').innerText()).toMatch(/^[\d,]+$/);
      expect(await page.locator('.balance small').innerText()).toBe('points');
      expect(await page.getByTestId('progress').innerText()).toMatch(/^Spend ¥[\d,.]+ more to become \S/);
      expect(await page.getByTestId('sign-out').innerText()).toBe('Sign out');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'member-page-en.png'), fullPage: true });

      // The button overrides the browser's languages, at once and after a reload.
      await page.getByTestId('lang').click();
      await page.getByRole('heading', { name: '会员码' }).waitFor();
      expect(await htmlLang(page)).toBe('zh-CN');
      expect(await page.getByTestId('sign-out').innerText()).toBe('退出登录');
      await page.reload();
      await page.getByRole('heading', { name: '会员码' }).waitFor();
      expect(await htmlLang(page)).toBe('zh-CN');
      expect(await page.getByTestId('lang').innerText()).toBe('English');
      await context.close();
    } finally {
      await browser.close();
    }
  }, 90_000);
});
