/**
 * Rewards that create urgency on the cashier screen (issue 15 item 7), in real Chromium: the
 * redeem dialog shows "仅剩 N 件" and "限时至 12月31日", a sold-out or not-yet reward cannot be
 * chosen, and a unit taken elsewhere while the dialog was open is refused with a clear message
 * (reward_sold_out). A standalone till: it is the whole chain, its own issues count the stock.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import {
  chromiumAvailable,
  counterPage,
  launchChromium,
  screenshot,
  signIn,
  STAFF,
  startUiTill,
  wedgeScan,
  type UiTill,
} from './helpers.js';

const NO_CHROMIUM = !chromiumAvailable();
const gift = (id: string, zh: string, more: Record<string, unknown>) => ({
  id,
  name: { zh, en: id },
  points: 100,
  kind: 'service',
  ...more,
});

let t: UiTill;
let browser: Browser;
let page: Page;
let memberNo: string;

describe.skipIf(NO_CHROMIUM)('limited rewards on the cashier screen', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    t = await startUiTill({
      ruleSet: {
        rewards: [
          ...(DEFAULT_RULE_SET_INPUT.rewards ?? []),
          gift('mug', '限量马克杯', { stock: 2, availableUntil: '2099-12-31' }),
          gift('gone', '已兑完的伞', { stock: 0 }),
          gift('later', '新年礼盒', { availableFrom: '2099-01-01' }),
        ],
      } as never,
    });
    const m = await t.pos('/v1/members', {
      name: '王五',
      phone: '13700001234',
      consent: { marketing: true, text: 'privacy-2026-01' },
    });
    memberNo = m.body.memberNo as string;
    const sale = await t.pos('/v1/sales', {
      saleId: 'SEED-1',
      memberNo,
      lines: [{ sku: 'tv', name: '电视', category: 'electronics', quantity: 1, unitPrice: 100_000 }],
    });
    expect(sale.status).toBe(201);
    browser = await launchChromium();
    page = await counterPage(browser, t.url);
    await signIn(page, STAFF.cashier);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows 仅剩 N 件 and 限时至 12月31日; sold-out and not-yet rewards cannot be chosen', async () => {
    await expect.poll(() => page.getByTestId('status-live').textContent()).toBe('实时连接');
    await page.locator('input[name="identify"]').focus();
    await wedgeScan(page, memberNo);
    await expect.poll(() => page.getByTestId('member-no').textContent()).toBe(memberNo);
    await page.getByTestId('redeem-open').click();
    await page.getByTestId('reward-mug').waitFor();
    expect(await page.getByTestId('reward-mug').textContent()).toContain('仅剩 2 件');
    expect(await page.getByTestId('reward-mug').textContent()).toContain('限时至 12月31日');
    expect(await page.getByTestId('reward-gone').textContent()).toContain('已兑完');
    expect(await page.getByTestId('redeem-gone').isDisabled()).toBe(true);
    expect(await page.getByTestId('reward-later').textContent()).toContain('1月1日 起可兑换');
    expect(await page.getByTestId('redeem-later').isDisabled()).toBe(true);
    await screenshot(page, 'reward-urgency');
  });

  it('refuses with a clear message when the last unit went elsewhere while the dialog was open', async () => {
    await page.getByTestId('redeem-mug').click();
    await page.getByTestId('redeem-done').waitFor();
    await expect.poll(() => page.getByTestId('reward-mug').textContent()).toContain('仅剩 1 件');
    // The POS takes the last unit; the dialog still shows the mug as available.
    const elsewhere = await t.pos('/v1/rewards/redeem', { memberNo, rewardId: 'mug' });
    expect(elsewhere.status).toBe(201);
    await page.getByTestId('redeem-mug').click();
    await expect.poll(() => page.getByTestId('redeem-error').textContent()).toContain('该礼品已兑完');
    // The dialog now shows what is left: nothing.
    await expect.poll(() => page.getByTestId('reward-mug').textContent()).toContain('已兑完');
    expect(await page.getByTestId('redeem-mug').isDisabled()).toBe(true);
    await screenshot(page, 'reward-sold-out');
    const again = await t.pos('/v1/rewards/redeem', { memberNo, rewardId: 'mug' });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'reward_sold_out' } } });
  });
});
