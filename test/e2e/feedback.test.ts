/**
 * Issue 14 item 6 on the cashier's screen in real Chromium: a cashier records a member's
 * complaint in a few taps (kind, category, words, follow-up consent) for the member identified
 * at checkout, and a non-member's suggestion; missing choices are said in Chinese; the screen
 * shows no untranslated code. The till holds them for the next upload. zh-CN screenshot in
 * test-artifacts/screenshots/feedback-zh.png.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { feedbackById } from '../../main/db/feedback.js';
import { chromiumAvailable, screenshot, wedgeScan, type UiTill, STAFF, useSignedInCounter } from './helpers.js';
import { untranslatedCodes, visibleText } from './untranslated.js';

const NO_CHROMIUM = !chromiumAvailable();

describe.skipIf(NO_CHROMIUM)('feedback at the till in Chromium', { timeout: 90_000 }, () => {
  let t: UiTill;
  let page: Page;
  let memberNo: string;

  const outboxFeedback = (): string[] =>
    (
      t.till.ctx.db.prepare("SELECT ref FROM outbox WHERE kind = 'feedback' ORDER BY id").all() as { ref: string }[]
    ).map((r) => r.ref);

  useSignedInCounter({ name: '张三丰', phone: '13812345678', marketing: true }, (x) => {
    ({ t, page, memberNo } = x);
  });

  it("records the identified member's complaint with follow-up consent in a few taps", async () => {
    await wedgeScan(page, memberNo);
    await expect.poll(async () => page.getByTestId('member-no').textContent()).toBe(memberNo);
    await page.getByTestId('nav-feedback').click();
    await page.getByTestId('feedback-form').waitFor();
    // Nothing chosen yet: the screen says what is missing, in Chinese, and sends nothing.
    await page.getByTestId('feedback-submit').click();
    expect(await page.getByTestId('feedback-form').textContent()).toContain('请选择一个类别');
    expect(outboxFeedback()).toEqual([]);

    await page.getByTestId('feedback-kind-complaint').click();
    await page.getByTestId('feedback-category-points').click();
    await page.getByTestId('feedback-text').fill('积分到账太慢了');
    await page.getByTestId('feedback-follow-up').check();
    const rs = t.till.ctx.rules.at(new Date().toISOString());
    expect(untranslatedCodes(await visibleText(page), rs)).toEqual([]);
    await screenshot(page, 'feedback-zh');
    await page.getByTestId('feedback-submit').click();
    await page.getByTestId('feedback-saved').waitFor();

    const [id] = outboxFeedback();
    expect(feedbackById(t.till.ctx.db, t.till.ctx.cipher, id ?? '')).toMatchObject({
      kind: 'complaint',
      category: 'points',
      text: '积分到账太慢了',
      memberNo,
      followUp: true,
      staffId: STAFF.cashier.staffId,
    });
  });

  it("records a non-member's suggestion when the member is unticked", async () => {
    await page.getByTestId('feedback-kind-suggestion').click();
    await page.getByTestId('feedback-category-store').click();
    await page.getByTestId('feedback-text').fill('希望周末延长营业时间');
    await page.getByTestId('feedback-with-member').uncheck();
    expect(await page.getByTestId('feedback-follow-up').count()).toBe(0);
    await page.getByTestId('feedback-submit').click();
    await expect.poll(() => outboxFeedback().length).toBe(2);
    const f = feedbackById(t.till.ctx.db, t.till.ctx.cipher, outboxFeedback()[1] ?? '');
    expect(f).toMatchObject({ kind: 'suggestion', category: 'store', memberNo: null, followUp: false });
  });
});
