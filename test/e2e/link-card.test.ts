/**
 * Issue 14 in Chromium: a card tapped on the till's own NFC reader while Lookup's 绑定新卡 is on
 * links to the member as an NFC card, even when its UID is all digits (the screen passes the
 * reader's source). zh-CN screenshot in test-artifacts/screenshots/lookup-link-nfc-zh.png.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, screenshot, type UiTill, useSignedInCounter, wedgeScan } from './helpers.js';

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

  it("finding members on Lookup or Supervisor leaves checkout's member alone", async () => {
    // Every identification publishes a `member` event; checkout must take only the POS's and
    // its own readers' at checkout, not those of a lookup on another screen.
    const other = await t.pos('/v1/members', {
      name: '孙八',
      phone: '13612345678',
      consent: { marketing: false, text: 'privacy-2026-01' },
    });
    const otherNo = other.body.memberNo as string;
    await page.getByTestId('nav-checkout').click();
    await wedgeScan(page, otherNo);
    await expect.poll(() => page.getByTestId('member-no').textContent()).toBe(otherNo);

    // The card tapped on the till's reader while Lookup is open: the till identifies it, and so
    // does the screen.
    await page.getByTestId('nav-lookup').click();
    await new Promise((r) => setTimeout(r, 1_600)); // the reader drops the same card within 1.5 s of the last test's tap
    const tap = await t.pos('/v1/devices/simulate', { kind: 'tap', code: UID });
    expect(tap.body.outcome).toBe('identified');
    await expect.poll(() => page.getByTestId('lookup-member-no').textContent()).toBe(memberNo);
    // A supervisor finding the member to adjust.
    await page.getByTestId('nav-supervisor').click();
    await page.fill('input[name="adjustMember"]', memberNo);
    await page.getByTestId('sup-adjust-find').click();
    await expect.poll(() => page.getByTestId('sup-adjust-member').textContent()).toContain(memberNo);
    // Events that would switch checkout have come by now (they follow each answer within ms).
    await new Promise((r) => setTimeout(r, 500));
    await page.getByTestId('nav-checkout').click();
    expect(await page.getByTestId('member-no').textContent()).toBe(otherNo);
  });
});
