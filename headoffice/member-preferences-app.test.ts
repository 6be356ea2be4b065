/**
 * The member page's preferences screen in Chromium on a 360 x 740 phone (issue 15 item 6,
 * docs/member-page.md "Preferences"): the member withdraws marketing consent, picks WeChat and
 * two interests, sees the change in the history with where it was made, then leaves the
 * programme, which asks once more (cancel keeps everything) and then erases the membership.
 * Screenshots: test-artifacts/screenshots/member-preferences.png, member-leave-confirm.png.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { at, operator, uploadAll, useTwoTillHq, type TestHq, type TillSim } from './test-helpers.js';
import { codeSentTo } from '../test/helpers/sign-in-code.js';
import { buildHqUi } from '../test/helpers/vite-build.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');
const PHONE = '13900004444';

describe('member page: preferences and leaving, in a phone browser', () => {
  let t: TestHq;
  let A: TillSim;
  beforeAll(async () => {
    process.env.HQ_MEMBER_APP_DIR = await buildHqUi('member');
  }, 120_000);
  useTwoTillHq((x) => ({ t, A } = x));

  it('changes consent, channel and interests, shows the history, and leaves after confirming', async () => {
    A.enrol('M8', at(0), { name: '周小芳', phone: PHONE, interests: ['fresh'] });
    A.sale('M8', 12_000, at(1));
    await uploadAll(t, A, 10);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
      await page.goto(`${t.hq.url}/m/`);
      await page.getByTestId('phone').fill(PHONE);
      await page.getByTestId('send-code').click();
      await page.getByTestId('code').waitFor();
      await page.getByTestId('code').fill(await codeSentTo(t.dataDir, PHONE));
      await page.getByTestId('sign-in').click();
      await page.getByTestId('open-preferences').click();
      await page.getByTestId('preferences').waitFor();

      expect(await page.getByTestId('consent').isChecked()).toBe(true);
      await page.getByTestId('consent').uncheck();
      await page.locator('label.chip', { hasText: '微信' }).click();
      await page.locator('label.chip', { hasText: '母婴' }).click();
      await page.locator('label.chip', { hasText: '宠物' }).click();
      await page.getByTestId('save').click();
      await page.getByTestId('note').waitFor();
      expect(await page.getByTestId('note').textContent()).toContain('已保存');
      const history = page.getByTestId('history');
      await history.waitFor();
      const entry = (await history.textContent()) ?? '';
      expect(entry).toContain('会员页面');
      expect(entry).toContain('不再接收营销信息');
      expect(entry).toContain('微信');
      expect(entry).toContain('生鲜、母婴、宠物');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'member-preferences.png'), fullPage: true });

      const held = await operator(t, 'GET', '/v1/members/M8');
      expect(held.body.erasedAt).toBeNull();
      const rows = await t.sql<{ consent_marketing: number; preferred_channel: string }>(
        "SELECT consent_marketing, preferred_channel FROM members WHERE member_no = 'M8'",
      );
      expect(rows[0]).toMatchObject({ consent_marketing: 0, preferred_channel: 'wechat' });

      // Leaving asks first; cancelling changes nothing.
      await page.getByTestId('leave').click();
      await page.getByTestId('confirm-leave').waitFor();
      await page.screenshot({ path: join(SHOTS, 'member-leave-confirm.png'), fullPage: true });
      await page.getByTestId('leave-cancel').click();
      await page.getByTestId('leave').waitFor();
      expect((await operator(t, 'GET', '/v1/members/M8')).body.erasedAt).toBeNull();
      await page.getByTestId('leave').click();
      await page.getByTestId('leave-confirm').click();
      await page.getByTestId('left').waitFor();
      const gone = await operator(t, 'GET', '/v1/members/M8');
      expect(gone.body.erasedAt).not.toBeNull();
      // The session went with the membership: a reload shows the sign-in form.
      await page.reload();
      await page.getByTestId('phone').waitFor();
    } finally {
      await browser.close();
    }
  });
});
