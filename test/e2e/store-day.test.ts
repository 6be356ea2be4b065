/**
 * Issue 14, "The store's day", on the cashier's screen in real Chromium against real tills:
 * an NFC card with an all-digit UID enrolled by tapping it, the status while head office is
 * down, clearing the redemption lock and adjusting points behind a supervisor's PIN, one slip
 * per keyed sale, "not found" offering to enrol, and every screen walked in zh-CN with fixture
 * data without an untranslated code. Screenshots in zh-CN go to test-artifacts/screenshots/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpPrinter, type TcpPrinter } from '../../native/printers/simulator.js';
import { decodeEscPos } from '../../main/receipts/escpos-decode.js';
import { adjustmentNote } from '../../main/db/adjustment-notes.js';
import { setMeta } from '../../main/service/identity.js';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import { parsePrinterUrl } from '../../native/printers/config.js';
import {
  chromiumAvailable,
  launchChromium,
  POS_KEY,
  screenshot,
  signIn,
  STAFF,
  approveAs,
  startUiTill,
  wedgeScan,
  type UiTill,
  counterPage,
} from './helpers.js';
import { untranslatedCodes, visibleText } from './untranslated.js';

const NO_CHROMIUM = !chromiumAvailable();

/** Categories a new store meets, one named only by the rule set. */
const RULES = {
  earn: {
    ...DEFAULT_RULE_SET_INPUT.earn,
    categoryMultipliers: { 'own-brand': '2' },
  },
  categoryNames: { 'own-brand': { zh: '自有品牌', en: 'own brand' } },
  redemption: { ...DEFAULT_RULE_SET_INPUT.redemption, maxRedemptionsPerMinute: 1 },
};

const QUICK_PRINTER = { retryMinMs: 50, retryMaxMs: 200, statusTimeoutMs: 300, confirmTimeoutMs: 600, idlePollMs: 0 };

let browser: Browser;

function newPage(url: string): Promise<Page> {
  return counterPage(browser, url);
}

const text = async (page: Page, testId: string): Promise<string> =>
  (await page.getByTestId(testId).textContent()) ?? '';

describe.skipIf(NO_CHROMIUM)("the store's day in Chromium", { timeout: 90_000 }, () => {
  let t: UiTill;
  let printer: TcpPrinter;
  let printerPort: number;
  let page: Page;
  let memberNo: string;

  beforeAll(async () => {
    printer = await startTcpPrinter();
    printerPort = printer.port;
    t = await startUiTill({
      ruleSet: RULES as never,
      config: {
        printer: parsePrinterUrl(`tcp://127.0.0.1:${printerPort}`),
        storeName: '幸福里便利店',
      },
      options: { receipts: QUICK_PRINTER },
    });
    const m = await t.pos('/v1/members', {
      name: '张三丰',
      phone: '13812345678',
      consent: { marketing: true, text: 'privacy-2026-01' },
    });
    memberNo = m.body.memberNo as string;
    const seed = await t.pos('/v1/sales', {
      saleId: 'SEED-1',
      memberNo,
      lines: [{ sku: 'tv-55', name: '55 寸电视', category: 'electronics', quantity: 1, unitPrice: 300_000 }],
    });
    expect(seed.status).toBe(201);
    browser = await launchChromium();
    page = await newPage(t.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await printer?.close();
  });

  it('the sign-in page shows cashiers no npm command', async () => {
    await page.getByTestId('signin').waitFor();
    const body = (await page.locator('body').textContent()) ?? '';
    expect(body).not.toMatch(/npm|TILL_/);
    await signIn(page, STAFF.cashier);
  });

  it("enrols a card tapped on the till's NFC reader whose UID is all digits", async () => {
    await page.getByTestId('nav-enrol').click();
    await page.getByTestId('enrol-form').waitFor();
    const tap = await t.pos('/v1/devices/simulate', { kind: 'tap', code: '04998877665544' });
    expect(tap.body.outcome).toBe('refused'); // nobody holds it yet: the screen takes it to link
    await expect.poll(() => text(page, 'enrol-card')).toBe('04998877665544');
    await page.fill('input[name="name"]', '周一');
    await page.fill('input[name="phone"]', '137 0000 0001');
    await page.locator('input[name="consentPrivacy"]').check();
    await screenshot(page, 'enrol-nfc-zh');
    await page.getByTestId('enrol-submit').click();
    await page.getByTestId('enrol-done').waitFor();
    const card = t.till.ctx.members.card('04998877665544');
    expect(card).toMatchObject({ kind: 'nfc' });
    // Tapped again at checkout, the card finds its member.
    await page.getByTestId('enrol-to-checkout').click();
    await page.getByTestId('member-clear').click();
    await new Promise((r) => setTimeout(r, 1600)); // the reader's debounce of one card held on it
    const again = await t.pos('/v1/devices/simulate', { kind: 'tap', code: '04:99:88:77:66:55:44' });
    expect(again.body.outcome).toBe('identified');
    await expect.poll(() => text(page, 'member-no')).toBe(card?.memberNo ?? '?');
    await page.getByTestId('member-clear').click();
  });

  it('"not found" for a mobile number offers to enrol it, the number filled in', async () => {
    await page.getByTestId('nav-checkout').click();
    const field = page.locator('input[name="identify"]');
    await field.fill('139 8888 7777');
    await page.getByTestId('identify-submit').click();
    await expect.poll(() => text(page, 'member-error')).toContain('未找到该会员');
    expect(await text(page, 'enrol-offer')).toBe('为此手机号注册会员');
    await page.getByTestId('enrol-offer').click();
    await page.getByTestId('enrol-form').waitFor();
    expect(await page.locator('input[name="phone"]').inputValue()).toBe('13988887777');
    await page.getByTestId('nav-checkout').click();
  });

  it('the redeem hint states the rule before an amount is entered, never "at most 0 points"', async () => {
    await wedgeScan(page, memberNo);
    await expect.poll(() => text(page, 'member-no')).toBe(memberNo);
    await page.getByTestId('mode-keyed').click();
    const hint = page.locator('[data-field="redeem"] .field-hint');
    expect(await hint.textContent()).toBe('最少 100 积分，100 积分的整数倍');
    await page.fill('input[name="amount-0"]', '88.50');
    await expect.poll(() => hint.textContent()).toMatch(/^最少 100 积分，100 积分的整数倍，最多 [1-9][\d,]* 积分$/);
    await page.fill('input[name="amount-0"]', '');
    await page.getByTestId('mode-pos').click();
  });

  it('one slip per keyed sale: pressing print while its receipt waits adds no 重印 copy', async () => {
    await t.till.receipts.drained();
    await printer.close(); // the printer is off: the sale's own receipt waits in the queue
    const before = printer.core.receipts.length;
    await page.getByTestId('mode-keyed').click();
    await page.fill('input[name="amount-0"]', '66.00');
    await page.getByTestId('keyed-quote').waitFor();
    await page.getByTestId('keyed-submit').click();
    await page.getByTestId('sale-result').waitFor();
    expect(await text(page, 'print-note')).toBe('小票已自动送打印机。');
    await page.getByTestId('print-receipt').click();
    await expect.poll(() => text(page, 'print-note')).toBe('小票已在打印队列中，只会打印一张。');
    await screenshot(page, 'keyed-sale-one-slip-zh');
    printer = await startTcpPrinter(printerPort, printer.core); // switched on
    await t.till.receipts.drained(15_000);
    await new Promise((r) => setTimeout(r, 300));
    const slips = printer.core.receipts.slice(before).map((b) => decodeEscPos(b).lines.join('\n'));
    expect(slips).toHaveLength(1);
    expect(slips[0]).not.toContain('重印');
    expect(slips[0]?.replace(/ +/g, '')).toContain('幸福里便利店');
    expect(slips[0]).not.toContain('store-e2e');
    await page.getByTestId('mode-pos').click();
  });

  it("the redemption lock: a red banner with what to do, cleared behind the supervisor's PIN", async () => {
    expect((await t.pos('/v1/rewards/redeem', { memberNo, rewardId: 'voucher-2' })).status).toBe(201);
    const second = await t.pos('/v1/rewards/redeem', { memberNo, rewardId: 'voucher-2' });
    expect(second.status).toBe(423);
    await expect.poll(() => text(page, 'alert-lock')).toContain('积分兑换已锁定');
    expect(await text(page, 'status-lock')).toBe('积分兑换已锁定');
    // A cashier trying to redeem is told in Chinese what is going on.
    await page.getByTestId('redeem-open').click();
    await page.getByTestId('redeem-voucher-2').click();
    await expect.poll(() => text(page, 'redeem-error')).toContain('积分兑换已锁定');
    await page.keyboard.press('Escape');
    await screenshot(page, 'redemption-lock-zh');

    await page.getByTestId('alert-clear-lock').click();
    await page.getByTestId('supervisor-dialog').waitFor();
    await approveAs(page, STAFF.cashier);
    await expect.poll(() => text(page, 'supervisor-dialog')).toContain('没有权限');
    expect(t.till.ctx.redemptions.lock()).not.toBeNull();
    await page.fill('input[name="supervisorId"]', STAFF.supervisor.staffId);
    await page.fill('input[name="supervisorPin"]', STAFF.supervisor.pin);
    await screenshot(page, 'redemption-lock-supervisor-zh');
    await page.getByTestId('supervisor-approve').click();
    await expect.poll(() => page.getByTestId('alert-lock').count()).toBe(0);
    expect(t.till.ctx.redemptions.lock()).toBeNull();
    expect(await text(page, 'status-staff')).toContain('李收银'); // the cashier is still signed in
  });

  it('a supervisor adjustment with a reason, keyed by the cashier, approved by PIN', async () => {
    await page.getByTestId('nav-supervisor').click();
    await page.getByTestId('supervisor-screen').waitFor();
    expect(await text(page, 'sup-lock-state')).toBe('未锁定，积分兑换正常。');
    await page.fill('input[name="adjustMember"]', memberNo);
    await page.getByTestId('sup-adjust-find').click();
    await expect.poll(() => text(page, 'sup-adjust-member')).toContain(memberNo);
    const before = t.till.ctx.ledger.state(memberNo, 'ordinary').balance;
    // A reason is required: nothing is sent without one.
    await page.fill('input[name="adjustPoints"]', '200');
    await page.getByTestId('sup-adjust-submit').click();
    await expect.poll(() => text(page, 'error-adjustReason')).toContain('请填写调整原因');
    await page.fill('input[name="adjustReason"]', '收银错误补录积分');
    await page.getByTestId('sup-adjust-submit').click();
    await page.getByTestId('supervisor-dialog').waitFor();
    expect(await text(page, 'supervisor-dialog')).toContain('为会员增加 200 积分需要主管授权');
    await approveAs(page, STAFF.supervisor);
    await expect.poll(() => text(page, 'sup-adjust-done')).toContain('已增加 200 积分');
    await screenshot(page, 'supervisor-adjust-zh');
    const row = t.till.ctx.db
      .prepare("SELECT seq, points, data FROM ledger WHERE kind = 'adjust_credit' ORDER BY seq DESC LIMIT 1")
      .get() as { seq: number; points: number; data: string };
    expect(row.points).toBe(200);
    // The reason is kept sealed beside the entry, not in it (SECURITY.md "adjustment reasons").
    expect(JSON.parse(row.data)).toEqual({
      staffId: STAFF.supervisor.staffId,
      cashierId: STAFF.cashier.staffId,
    });
    expect(adjustmentNote(t.till.ctx.db, t.till.ctx.cipher, row.seq)).toBe('收银错误补录积分');
    expect(t.till.ctx.ledger.state(memberNo, 'ordinary').balance).toBe(before + 200);
  });

  it('a blocked card unblocked from the supervisor screen with an approval', async () => {
    const code = '04998877665544';
    t.till.ctx.members.blockCard(code, new Date().toISOString(), STAFF.cashier.staffId);
    await page.fill('input[name="unblockCode"]', code);
    await page.getByTestId('sup-unblock-submit').click();
    await page.getByTestId('supervisor-dialog').waitFor();
    await approveAs(page, STAFF.supervisor);
    await expect.poll(() => text(page, 'sup-unblock-done')).toContain('已解冻');
    expect(t.till.ctx.members.card(code)?.status).toBe('active');
  });

  it('every screen in zh-CN with fixture data shows no untranslated code; so does the receipt', async () => {
    const rs = t.till.ctx.rules.at(new Date().toISOString());
    const seen: Record<string, string[]> = {};
    const walk = async (name: string) => {
      const found = untranslatedCodes(await visibleText(page), rs);
      if (found.length) seen[name] = found;
    };
    await page.getByTestId('nav-checkout').click();
    await wedgeScan(page, memberNo);
    await expect.poll(() => text(page, 'member-no')).toBe(memberNo);
    const quote = await t.pos('/v1/baskets/quote', {
      saleId: 'POS-W1',
      memberNo,
      lines: [
        { sku: 'ob-1', name: '自有品牌纸巾', category: 'own-brand', quantity: 2, unitPrice: 1500 },
        { sku: 'tob-1', name: '香烟', category: 'tobacco', quantity: 1, unitPrice: 3000 },
        { sku: 'free-1', name: '赠品打火机', category: 'tobacco', quantity: 1, unitPrice: 500, discount: 500 },
      ],
    });
    expect(quote.status).toBe(200);
    await expect.poll(() => text(page, 'basket-breakdown')).toContain('自有品牌 ×2');
    expect(await text(page, 'basket-breakdown')).toContain('（烟草）');
    await screenshot(page, 'checkout-breakdown-zh');
    await walk('checkout');
    await page.getByTestId('redeem-open').click();
    await page.getByTestId('reward-coupon-10').waitFor();
    await walk('redeem');
    await page.keyboard.press('Escape');
    await page.getByTestId('mode-keyed').click();
    await page.fill('input[name="amount-0"]', '20');
    await page.getByTestId('keyed-quote').waitFor();
    await walk('keyed');
    await page.getByTestId('mode-pos').click();
    await page.getByTestId('nav-lookup').click();
    await page.fill('input[name="lookup"]', memberNo);
    await page.getByTestId('lookup-submit').click();
    await page.getByTestId('lookup-result').waitFor();
    await walk('lookup');
    await page.getByTestId('nav-enrol').click();
    await walk('enrol');
    await page.getByTestId('nav-returns').click();
    await page.fill('input[name="saleId"]', 'SEED-1');
    await page.getByTestId('returns-load').click();
    await page.getByTestId('returns-form').waitFor();
    await walk('returns');
    await page.getByTestId('nav-supervisor').click();
    await walk('supervisor');
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-devices').waitFor();
    expect(await text(page, 'settings-devices')).toContain('模拟 NFC 读卡器');
    await walk('settings');
    expect(await text(page, 'status-devices')).toMatch(/模拟扫码枪 已连接/);
    expect(await text(page, 'status-printer')).toContain('小票打印机');

    // The receipt of a sale with excluded and own-brand goods, as printed in Chinese.
    const sale = await t.pos('/v1/sales', {
      saleId: 'POS-W1',
      memberNo,
      lines: [
        { sku: 'ob-1', name: '自有品牌纸巾', category: 'own-brand', quantity: 2, unitPrice: 1500 },
        { sku: 'tob-1', name: '香烟', category: 'tobacco', quantity: 1, unitPrice: 3000 },
        { sku: 'free-1', name: '赠品打火机', category: 'tobacco', quantity: 1, unitPrice: 500, discount: 500 },
      ],
      tenders: [{ type: 'cash', amount: 6000 }],
    });
    expect(sale.status).toBe(201);
    const receipt = await fetch(`${t.url}/v1/sales/POS-W1/receipt?format=text`, {
      headers: { authorization: `Bearer ${POS_KEY}` },
    }).then((r) => r.text());
    expect(receipt).not.toContain('￥0.00');
    const r = untranslatedCodes(receipt, rs);
    if (r.length) seen.receipt = r;
    expect(seen).toEqual({});
  });
});

describe.skipIf(NO_CHROMIUM)('status while head office is down', { timeout: 90_000 }, () => {
  let t: UiTill;
  let page: Page;
  let own: Browser;

  beforeAll(async () => {
    t = await startUiTill({
      config: {
        // Head office is configured, but nothing answers at that address.
        hqUrl: 'http://127.0.0.1:9',
        tillSecret: 'e2e-secret-0123456789abcdef',
        syncIntervalMs: 60_000,
        syncMaxBackoffMs: 60_000,
      },
    });
    own = await launchChromium();
    page = await counterPage(own, t.url);
    await signIn(page, STAFF.cashier);
  }, 120_000);

  afterAll(async () => {
    await own?.close();
    await t?.close();
  });

  it('says "head office unreachable" in amber, never a green "online", with the oldest entry\'s age', async () => {
    // Synced a moment ago, so the till still counts as online (offlineAfterMinutes)...
    setMeta(t.till.ctx.db, 'last_sync_at', new Date().toISOString());
    const sale = await t.pos('/v1/sales', {
      saleId: 'HQ-DOWN-1',
      lines: [{ sku: 'rice', name: '大米', category: 'food', quantity: 1, unitPrice: 5990 }],
    });
    expect(sale.status).toBe(201);
    await t.till.sync?.syncNow(); // ...but head office does not answer now
    await expect
      .poll(() => page.getByTestId('status-sync').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('hqUnreachable');
    expect(await text(page, 'status-sync')).toBe('总部无法连接');
    expect(await page.getByTestId('status-sync').evaluate((e) => getComputedStyle(e).color)).toBe('rgb(163, 90, 0)');
    expect(await text(page, 'status-waiting')).toMatch(/^待上传 \d+ 条（最早一条已等待 不到 1 分钟）$/);
    await screenshot(page, 'status-hq-unreachable-zh');
  });

  it('offline past offlineAfterMinutes: red, and a red banner says what to do', async () => {
    setMeta(t.till.ctx.db, 'last_sync_at', new Date(Date.now() - 40 * 60_000).toISOString());
    await t.till.sync?.syncNow();
    await expect
      .poll(() => page.getByTestId('status-sync').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('offline');
    expect(await text(page, 'status-sync')).toBe('离线');
    expect(await page.getByTestId('status-sync').evaluate((e) => getComputedStyle(e).color)).toBe('rgb(179, 38, 30)');
    await expect.poll(() => text(page, 'alert-sync')).toMatch(/^已离线 40 分钟：.*请检查网络/);
    await screenshot(page, 'status-offline-zh');
  });
});

describe.skipIf(!NO_CHROMIUM)("the store's day in Chromium", () => {
  it('skipped: /usr/bin/chromium is not installed here', () => {});
});
