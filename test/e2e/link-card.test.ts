/**
 * Issue 14 in Chromium: a card tapped on the till's own NFC reader while Lookup's 绑定新卡 is on
 * links to the member as an NFC card, even when its UID is all digits (the screen passes the
 * reader's source). zh-CN screenshot in test-artifacts/screenshots/lookup-link-nfc-zh.png.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, screenshot, type UiTill, useSignedInCounter } from './helpers.js';

const NO_CHROMIUM = !chromiumAvailable();
const UID = '04556677889900';

describe.skipIf(NO_CHROMIUM)('linking a card from Lookup in Chromium', { timeout: 90_000 }, () => {
  let t: UiTill;
  let page: Page;
  let memberNo: string;

  useSignedInCounter({ name: '钱七', phone: '13512345678', marketing: false }, (x) => {
    ({ t, page, memberNo } = x);
  });

  it("links an all-digit UID tapped on the till's reader as an NFC card", async () => {
    await page.getByTestId('nav-lookup').click();
    await page.fill('input[name="lookup"]', '135 1234 5678');
    await page.getByTestId('lookup-submit').click();
    await expect.poll(() => page.getByTestId('lookup-member-no').textContent()).toBe(memberNo);
    await page.getByRole('button', { name: '绑定新卡' }).click();
    const tap = await t.pos('/v1/devices/simulate', { kind: 'tap', code: UID });
    expect(tap.body.outcome).toBe('refused'); // nobody holds it yet: the screen takes it to link
    await expect.poll(async () => page.getByTestId('lookup-result').textContent()).toContain(UID);
    expect(await page.locator('.lookup').textContent()).toContain('已绑定新卡');
    await screenshot(page, 'lookup-link-nfc-zh');
    expect(t.till.ctx.members.card(UID)).toMatchObject({ memberNo, kind: 'nfc' });
  });
});
