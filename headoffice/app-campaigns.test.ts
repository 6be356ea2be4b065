/**
 * Saved segments and campaigns in head office's web application, in real Chromium (issue 13
 * item 6, issue 15 items 1 and 8): an operator saves an RFM cell as a segment, creates a
 * campaign targeting it (counting its members first), cannot approve their own draft (the page
 * says why); a second operator approves and starts it; the results page shows what the API
 * computes. Screenshots: test-artifacts/screenshots/headoffice-segments.png,
 * headoffice-campaign-editor.png,
 * headoffice-campaign-approve.png, headoffice-campaign-results.png. Runs once, on SQLite (the
 * endpoints run on both stores in saved-segments.test.ts and campaigns.test.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTill } from './provision.js';
import { hqCli, startHq, TillSim, uploadAll, type TestHq } from './test-helpers.js';
import { buildHqUi } from '../test/helpers/vite-build.js';
import { slowNextAnswer } from '../test/helpers/slow-answer.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');
const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString();
const tokenOf = (out: string): string => (/^OPERATOR_TOKEN=(\S+)$/m.exec(out) as RegExpExecArray)[1] as string;

async function signIn(page: Page, token: string, id: string): Promise<void> {
  await page.getByTestId('token').fill(token);
  await page.getByTestId('operatorId').fill(id);
  await page.getByTestId('load').click();
  await page.getByTestId('nav-members').waitFor();
}

describe('head office web application: segments and campaigns', () => {
  let t: TestHq;
  let A: TillSim;
  let li: string;
  let wang: string;

  beforeAll(async () => {
    process.env.HQ_APP_DIR = await buildHqUi('app');
    t = await startHq();
    const issued = await addTill(t.hq.store, 'S1', 'A', new Date(), { storeName: '南京西路店', tillName: '1号收银台' });
    A = new TillSim(issued.tillId, issued.storeId, issued.secret);
    // Ten members: M01 and M02 the most recent, frequent and spending (cell R5F5M5).
    for (let i = 1; i <= 10; i++) {
      const no = `M${String(i).padStart(2, '0')}`;
      A.enrol(no, daysAgo(300));
      for (let k = 0; k < 11 - i; k++) A.sale(no, 10_000 * (11 - i), daysAgo(i * 15 + k));
    }
    await uploadAll(t, A, 200);
    // Two admins: the author of the draft and the second operator who approves it.
    li = tokenOf(await hqCli(t, ['add-operator', '--id', 'ops-li', '--role', 'admin']));
    wang = tokenOf(await hqCli(t, ['add-operator', '--id', 'ops-wang', '--role', 'admin']));
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('saves an RFM cell as a segment, targets a campaign at it, approves as a second operator, starts it and shows its results', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    try {
      const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1400, height: 1200 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
      page.on('dialog', (d) => void d.accept());
      mkdirSync(SHOTS, { recursive: true });
      await page.goto(`${t.hq.url}/`);
      await signIn(page, li, 'ops-li');

      // Members: drill into R5F5M5 and save it as a segment
      await page.getByTestId('nav-members').click();
      await page.getByTestId('members-page').waitFor();
      await page.getByTestId('rfm-m').selectOption('5');
      await page.getByTestId('rfm-R5F5M5').click();
      await page.locator('[data-testid=rfm-members] tr[data-member=M02]').waitFor();
      expect(await page.getByTestId('rfm-save-name').inputValue()).toBe('RFM R5F5M5 会员');
      await page.getByTestId('rfm-save-name').fill('春节高价值会员');
      await page.getByTestId('rfm-save-save').click();
      await page.getByTestId('rfm-save-status').getByText('已保存「春节高价值会员」：2 名会员').waitFor();
      await page.locator('[data-testid=segment-list] td', { hasText: '春节高价值会员' }).waitFor();
      const listed = await page.getByTestId('segment-list').innerText();
      expect(listed).toContain('RFM R5F5M5');
      expect(listed).toContain('ops-li');
      // the ticks count their members before saving: class A is M01 and M02 (the top 20 %)
      await page.getByTestId('rule-class-A').check();
      await page.getByTestId('segment-count').getByText('当前 2 名会员').waitFor();
      await page.getByTestId('segments').screenshot({ path: join(SHOTS, 'headoffice-segments.png') });

      // Campaigns: a draft targeting the segment, counted before it is saved
      await page.getByTestId('nav-campaigns').click();
      await page.getByTestId('campaigns-page').waitFor();
      expect(await page.getByTestId('nav-campaigns').innerText()).toBe('营销活动');
      await page.getByTestId('campaigns-me').getByText('ops-li').waitFor();
      await page.getByTestId('campaign-name').fill('春节双倍积分');
      await page.getByTestId('target-segment').check();
      const option = page.locator('[data-testid=campaign-segment] option', { hasText: '春节高价值会员' });
      await page.getByTestId('campaign-segment').selectOption((await option.getAttribute('value')) as string);
      expect(await page.getByTestId('campaign-holdout').inputValue()).toBe('10');
      // a schedule: from today for a week (an operator may still start it at once)
      const today = await t.hq.store.today(new Date());
      const lastDay = await t.hq.store.today(new Date(Date.now() + 6 * 86_400_000));
      await page.getByTestId('campaign-start-on').fill(today);
      await page.getByTestId('campaign-end-on').fill(lastDay);
      // A count asked for the form as it was is not shown once the form has changed.
      const slow = await slowNextAnswer(page, '**/v1/campaigns/preview', 800);
      await page.getByTestId('campaign-preview').click();
      await page.getByTestId('campaign-holdout').fill('20');
      await slow.answered;
      await new Promise((r) => setTimeout(r, 100));
      expect(await page.getByTestId('campaign-preview-out').innerText()).not.toContain('当前符合');
      await slow.done();
      await page.getByTestId('campaign-holdout').fill('10');
      await page.getByTestId('campaign-preview').click();
      await page.getByTestId('campaign-preview-out').getByText('当前符合 2 人').waitFor();
      await page.getByTestId('campaign-editor').screenshot({ path: join(SHOTS, 'headoffice-campaign-editor.png') });
      await page.getByTestId('campaign-save').click();
      await page.getByTestId('campaigns-message').waitFor();
      expect(await page.getByTestId('campaigns-message').innerText()).toContain('已保存草稿「春节双倍积分」');
      const row = page.locator('[data-testid=campaign-list] tr[data-campaign]').first();
      await page.locator('[data-testid=campaign-list] tr[data-status=draft]').waitFor();
      const id = (await row.getAttribute('data-campaign')) as string;
      expect(await row.innerText()).toContain('分群「春节高价值会员」');
      expect(await row.innerText()).toContain(`${today} 至 ${lastDay}`);
      // the author cannot approve: the button is off and the page says why
      expect(await page.getByTestId(`approve-${id}`).isDisabled()).toBe(true);
      expect(await page.getByTestId(`approve-why-${id}`).innerText()).toContain('须由另一位操作员批准');
      await page.screenshot({ path: join(SHOTS, 'headoffice-campaign-approve.png'), fullPage: true });

      // A second operator approves and starts it
      await signIn(page, wang, 'ops-wang');
      await page.getByTestId('nav-campaigns').click();
      await page.getByTestId('campaigns-me').getByText('ops-wang').waitFor();
      await page.getByTestId(`approve-${id}`).click();
      await page.locator(`[data-testid=campaign-list] tr[data-campaign="${id}"][data-status=approved]`).waitFor();
      expect(await row.innerText()).toContain('ops-wang 批准于');
      await page.getByTestId(`start-${id}`).click();
      await page.locator(`[data-testid=campaign-list] tr[data-campaign="${id}"][data-status=running]`).waitFor();

      // Sales after the start count towards the result (M01 buys twice, M02 once)
      A.sale('M01', 30_000, new Date().toISOString());
      A.sale('M01', 20_000, new Date().toISOString());
      A.sale('M02', 10_000, new Date().toISOString());
      await uploadAll(t, A, 200);
      const api = (await (
        await fetch(`${t.hq.url}/v1/campaigns/${id}/result`, { headers: { authorization: `Bearer ${wang}` } })
      ).json()) as { targeted: number; heldOut: number; granted: number; spendPerMember: { difference: number } };
      expect(api.targeted + api.heldOut).toBe(2);

      await page.getByTestId(`result-${id}`).click();
      await page.getByTestId('campaign-result').waitFor();
      const card = async (k: string): Promise<string> =>
        (await page.locator(`[data-testid=result-${k}] .v`).innerText()).trim();
      expect(await card('targeted')).toBe(String(api.targeted));
      expect(await card('heldOut')).toBe(String(api.heldOut));
      expect(await card('granted')).toBe(String(api.granted));
      expect(await card('uplift')).toBe(
        new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }).format(
          api.spendPerMember.difference / 100,
        ),
      );
      expect(await page.getByTestId('result-roi').innerText()).toContain('投入产出比');
      await page.locator('[data-testid=result-groups-chart] canvas').waitFor();
      await page.locator('[data-testid=result-spend-chart] canvas').waitFor();
      await page.getByTestId('campaign-result').screenshot({ path: join(SHOTS, 'headoffice-campaign-results.png') });
      // English through the same dictionary
      await page.getByTestId('lang').click();
      await page.getByTestId('nav-campaigns').getByText('Campaigns').waitFor();
      expect(await page.getByTestId('result-roi').innerText()).toContain('Return on cost');
      expect(await row.innerText()).toContain('segment "春节高价值会员"');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 180_000);

  it('drafts a coupon campaign from the editor: the kind chosen, money in yuan, the list says what it gives', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    try {
      const page = await (await browser.newContext({ viewport: { width: 1400, height: 1200 } })).newPage();
      const errors: string[] = [];
      page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
      mkdirSync(SHOTS, { recursive: true });
      await page.goto(`${t.hq.url}/`);
      await signIn(page, li, 'ops-li');
      await page.getByTestId('nav-campaigns').click();
      await page.getByTestId('campaigns-me').getByText('ops-li').waitFor();
      await page.getByTestId('campaign-name').fill('回馈券活动');
      await page.getByTestId('target-rule').check();
      await page.getByTestId('campaign-kind').selectOption('coupon');
      expect(await page.getByTestId('campaign-multiplier').count()).toBe(0);
      await page.getByTestId('campaign-value').fill('20');
      await page.getByTestId('campaign-days').fill('14');
      await page.getByTestId('campaign-offer-zh').fill('回馈券');
      await page.getByTestId('campaign-offer-en').fill('thank-you coupon');
      await page.getByTestId('campaign-budget').fill('100');
      await page.getByTestId('campaign-cost').fill('20');
      expect(await page.getByTestId('campaign-editor').innerText()).toContain('资金预算（元）');
      await page.getByTestId('campaign-editor').screenshot({ path: join(SHOTS, 'headoffice-campaign-coupon.png') });
      await page.getByTestId('campaign-save').click();
      await page.getByTestId('campaigns-message').getByText('已保存草稿「回馈券活动」', { exact: false }).waitFor();
      const row = page.locator('[data-testid=campaign-list] tr[data-campaign]', { hasText: '回馈券活动' });
      const text = await row.innerText();
      expect(text).toContain('回馈券：¥20.00 优惠券，14 天');
      expect(text).toContain('¥100.00（每份 ¥20.00）');
      const id = (await row.getAttribute('data-campaign')) as string;
      const api = (await (
        await fetch(`${t.hq.url}/v1/campaigns`, { headers: { authorization: `Bearer ${li}` } })
      ).json()) as { campaigns: { id: string; offer: unknown; budgetPoints: number; budgetUnit: string }[] };
      expect(api.campaigns.find((c) => c.id === id)).toMatchObject({
        offer: { kind: 'coupon', value: 2000, days: 14, name: { zh: '回馈券', en: 'thank-you coupon' } },
        budgetPoints: 10_000,
        budgetUnit: 'fen',
      });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 180_000);
});
