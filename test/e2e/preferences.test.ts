/**
 * Issue 15 item 6 on the cashier's screen in real Chromium: the cashier looks a member up and,
 * with the member in front of them, withdraws marketing consent, picks WeChat and two interests;
 * the till records the change with the signed-in cashier's staff id, queues the member for the
 * next upload, and lists the change. The screen shows no untranslated code.
 * zh-CN screenshot in test-artifacts/screenshots/preferences-zh.png.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { pendingPreferenceChanges } from '../../main/db/preferences.js';
import { chromiumAvailable, screenshot, type UiTill, STAFF, useSignedInCounter } from './helpers.js';
import { untranslatedCodes, visibleText } from './untranslated.js';

const NO_CHROMIUM = !chromiumAvailable();

describe.skipIf(NO_CHROMIUM)('member preferences at the till in Chromium', { timeout: 90_000 }, () => {
  let t: UiTill;
  let page: Page;
  let memberNo: string;

  useSignedInCounter({ name: '吴十', phone: '13612345678', marketing: true }, (x) => {
    ({ t, page, memberNo } = x);
  });

  it('changes consent, channel and interests for the member looked up', async () => {
    await page.getByTestId('nav-lookup').click();
    await page.fill('input[name="lookup"]', '13612345678');
    await page.getByTestId('lookup-submit').click();
    await expect.poll(() => page.getByTestId('lookup-member-no').textContent()).toBe(memberNo);
    await page.getByTestId('preferences').waitFor();
    expect(await page.getByTestId('prefs-consent').isChecked()).toBe(true);
    expect(await page.getByTestId('prefs-channel-sms').getAttribute('aria-checked')).toBe('true');
    expect(await page.getByTestId('prefs-save').isDisabled()).toBe(true);

    await page.getByTestId('prefs-consent').uncheck();
    await page.getByTestId('prefs-channel-wechat').click();
    await page.getByTestId('prefs-interest-baby').click();
    await page.getByTestId('prefs-interest-fresh').click();
    await page.getByTestId('prefs-save').click();
    await page.getByTestId('prefs-saved').waitFor();
    const list = (await page.getByTestId('prefs-changes').textContent()) ?? '';
    expect(list).toContain(`员工 ${STAFF.cashier.staffId}`);
    expect(list).toContain('微信');
    expect(list).toContain('生鲜、母婴');
    // A till without head office says nothing of syncing.
    expect(list).not.toContain('待同步');
    const rs = t.till.ctx.rules.at(new Date().toISOString());
    expect(untranslatedCodes(await visibleText(page), rs)).toEqual([]);
    await page.getByTestId('preferences').scrollIntoViewIfNeeded();
    await screenshot(page, 'preferences-zh');

    expect(t.till.ctx.members.get(memberNo)).toMatchObject({
      consentMarketing: false,
      preferredChannel: 'wechat',
      interests: ['fresh', 'baby'],
    });
    expect(pendingPreferenceChanges(t.till.ctx.db, t.till.ctx.cipher, memberNo, 0)).toMatchObject([
      {
        staffId: STAFF.cashier.staffId,
        consentMarketing: false,
        preferredChannel: 'wechat',
        interests: ['fresh', 'baby'],
      },
    ]);
    const queued = t.till.ctx.db
      .prepare("SELECT ref FROM outbox WHERE kind = 'member' ORDER BY id DESC LIMIT 1")
      .get() as { ref: string };
    expect(queued.ref).toBe(memberNo);
  });
});
