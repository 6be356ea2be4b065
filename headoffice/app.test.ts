/**
 * Head office's web application (headoffice/app) in real Chromium: served at `/` with a strict
 * CSP and no data, signed in with the operator token, Overview with ECharts charts over a date
 * range against the previous period, Stores with sparklines, Tills with the broken chain and
 * the silence alert, member lookup, and the attributed actions (close a case, clear a chain
 * flag, export and erase a member). Screenshots of each page go to test-artifacts/screenshots.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totals } from '../core/analytics.js';
import { at, OPERATOR_TOKEN, operator, provision, startHq, upload, uploadAll, type TestHq } from './test-helpers.js';
import { buildHqUi } from '../test/helpers/vite-build.js';
import { slowNextAnswer } from '../test/helpers/slow-answer.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');
const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (n: number, hours = 0): string => new Date(Date.now() - n * DAY - hours * 3_600_000).toISOString();

async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
}

async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByTestId('token').fill(OPERATOR_TOKEN);
  await page.getByTestId('load').click();
  await page.getByTestId('nav-overview').waitFor();
}

/** 2026-03-01 10:00 in Shanghai, as the app writes an instant. */
function shanghai(iso: string): string {
  const p = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const g = (t: string): string => p.find((x) => x.type === t)?.value ?? '';
  return `${g('year')}-${g('month')}-${g('day')} ${g('hour')}:${g('minute')}`;
}

describe('head office web application', () => {
  let t: TestHq;

  beforeAll(async () => {
    process.env.HQ_APP_DIR = await buildHqUi('app');
    t = await startHq(); // createHeadOffice on port 0, temp data dir, operatorToken
    const A = await provision(t, 'S1', 'A');
    const B = await provision(t, 'S2', 'B');
    await provision(t, 'S3', 'Z'); // never uploads: the silence alert names it
    A.enrol('M1', daysAgo(40));
    A.sale('M1', 100_000, daysAgo(40, 1)); // in the last 90 days, not the last 30
    A.sale('M1', 30_000, daysAgo(10));
    A.sale('M2', 25_000, daysAgo(2));
    A.enrol('M4', daysAgo(1));
    const m4 = A.sale('M4', 12_000, daysAgo(1));
    // A shopper without a member card (no ledger entry): rides the batch beside the members' sales.
    const shopper = { ...m4, saleId: 'A-X1', memberNo: null, pointsEarned: 0, bonusPoints: 0, total: 40_000 };
    const lines = [{ sku: 'SKU-1', name: 'Tea', category: 'grocery', quantity: 1, unitPrice: 40_000, discount: 0 }];
    shopper.request = { ...m4.request, saleId: 'A-X1', memberNo: null, lines };
    shopper.occurredAt = daysAgo(2);
    const batch = A.batch(1);
    expect((await upload(t, A, { ...batch, sales: [...(batch.sales ?? []), shopper] })).status).toBe(200);
    expect((await operator(t, 'GET', '/v1/reports/summary')).body.sales.memberShare).toBeLessThan(1);
    B.sale('M1', 5_000, at(3));
    B.sale('M3', 8_000, at(4));
    await upload(t, B, B.batch(1, 1));
    const tampered = { ...B.batch(2, 2), prevHash: 'f'.repeat(64) };
    expect((await upload(t, B, tampered)).status).toBe(422); // B is flagged broken
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  describe('the app at /', () => {
    it('serves one HTML page at / and /dashboard with a strict CSP and no data, and its hashed assets', async () => {
      for (const path of ['/', '/dashboard']) {
        const r = await fetch(t.hq.url + path);
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toMatch(/^text\/html/);
        const csp = r.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).not.toContain('unsafe-inline');
        const html = await r.text();
        expect(html).toContain('<html lang="zh-CN">');
        expect(html).not.toContain('M1');
        expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
      }
      const html = await (await fetch(`${t.hq.url}/`)).text();
      const src = /<script[^>]*src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? '';
      const js = await fetch(t.hq.url + src);
      expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(js.headers.get('cache-control')).toContain('immutable');
      expect(await js.text()).toContain('sessionStorage');
      expect((await fetch(`${t.hq.url}/assets/..%2Fpackage.json`)).status).toBe(404);
      expect((await fetch(`${t.hq.url}/assets/nope.js`)).status).toBe(404);
    });

    it('leaves the API as it was', async () => {
      expect((await fetch(`${t.hq.url}/v1/tills`)).status).toBe(401);
      expect((await fetch(`${t.hq.url}/nope`)).status).toBe(404);
      expect((await fetch(`${t.hq.url}/`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${t.hq.url}/dashboard.js`)).status).toBe(404); // the old string-embedded page is gone
    });

    it('answers 503 with the build command when the app is not built', async () => {
      const built = process.env.HQ_APP_DIR;
      process.env.HQ_APP_DIR = join(tmpdir(), 'hq-app-not-built-here');
      const bare = await startHq();
      process.env.HQ_APP_DIR = built;
      try {
        const r = await fetch(`${bare.hq.url}/`);
        expect(r.status).toBe(503);
        expect(await r.text()).toContain('npm run build:hq-app');
        expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
      } finally {
        await bare.close();
      }
    });
  });

  describe.skipIf(!existsSync(CHROMIUM))(`the app in a browser (needs ${CHROMIUM})`, () => {
    it('signs in, draws the overview, changes the date range, and shows stores, tills and a member', async () => {
      const browser = await launch();
      try {
        // The browser is in New York: times must still read in Shanghai.
        const context = await browser.newContext({
          viewport: { width: 1400, height: 1600 },
          timezoneId: 'America/New_York',
        });
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(String(e)));
        await page.goto(`${t.hq.url}/`);
        expect(await page.getByTestId('nav-tills').count()).toBe(0);
        await page.getByTestId('token').fill('wrong');
        await page.getByTestId('load').click();
        await page.getByText('令牌无效').waitFor();

        await signIn(page, t.hq.url);
        expect(page.url()).not.toContain(OPERATOR_TOKEN);
        expect(await page.evaluate(() => sessionStorage.getItem('hqOperatorToken'))).toBe(OPERATOR_TOKEN);

        // Overview: every summary measure, the glossary's names, and four charts drawn on canvas.
        const summary = await page.getByTestId('summary').innerText();
        for (const label of ['会员数', '未兑积分负债', '会员销售占比', '复购率', '投诉（未结 / 全部）', '链断裂收银机'])
          expect(summary).toContain(label);
        expect(summary).toContain('¥');
        expect(await page.getByTestId('tiers').innerText()).toContain('普通会员');
        const classes = await page.getByTestId('classes').innerText();
        expect(classes).not.toContain('unclassified');
        // enrolments by staff name the store: a staff id is only its store's own
        const staff = await page.locator('[data-testid=staff] tbody tr').first().innerText();
        for (const cell of ['S1', 'staff-1', '2']) expect(staff).toContain(cell);
        for (const id of ['chart-sales', 'chart-share', 'chart-points', 'chart-enrolments'])
          await page.locator(`[data-testid=${id}] canvas`).first().waitFor();

        // The last 30 days, then the last 7: the period's figures follow the API's.
        const expectPeriod = async (days: number, stores: string[] = []): Promise<void> => {
          const to = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
          const from = new Date(Date.parse(to) - (days - 1) * DAY).toISOString().slice(0, 10);
          const only = stores.map((x) => `&store=${x}`).join('');
          const r = await operator(t, 'GET', `/v1/reports/daily?from=${from}&to=${to}${only}`);
          const sum = totals(r.body.days);
          const yuan = new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }).format(
            sum.salesTotal / 100,
          );
          await expect.poll(() => page.getByTestId('period').innerText()).toContain(yuan);
          await expect.poll(() => page.getByRole('heading', { level: 2 }).first().innerText()).toContain(from);
        };
        await expectPeriod(30);
        const before = await page.getByTestId('period').innerText();
        await page.getByTestId('range-7').click();
        await expectPeriod(7);
        expect(await page.getByTestId('period').innerText()).not.toBe(before);
        await page.getByTestId('range-90').click();
        await expectPeriod(90); // the sale 40 days ago is in
        // One store of the chain: the figures become that store's.
        await page.getByTestId('store-S2').check();
        await expectPeriod(90, ['S2']);
        await page.getByTestId('store-S2').uncheck();
        await expectPeriod(90);

        // Trends by month: each month's sales total is the API's days of that month summed.
        await page.getByTestId('granularity-month').click();
        const to = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
        const from = new Date(Date.parse(to) - 89 * DAY).toISOString().slice(0, 10);
        const days = (await operator(t, 'GET', `/v1/reports/daily?from=${from}&to=${to}`)).body.days as {
          date: string;
          salesTotal: number;
        }[];
        const month = to.slice(0, 7);
        const monthTotal = days.filter((d) => d.date.startsWith(month)).reduce((a, d) => a + d.salesTotal, 0);
        const monthYuan = new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }).format(
          monthTotal / 100,
        );
        await expect
          .poll(() => page.locator(`[data-testid=trend-table] tr[data-bucket="${month}"]`).innerText())
          .toContain(monthYuan);
        expect(await page.locator('[data-testid=trend-table] tbody tr').count()).toBeLessThanOrEqual(4);
        await page.getByTestId('granularity-week').click();
        await expect.poll(() => page.locator('[data-testid=trend-table] tbody tr').count()).toBeGreaterThanOrEqual(13);
        // Targets against actuals: the repurchase rate and its target are the overview API's.
        const ov = (await operator(t, 'GET', `/v1/reports/overview?from=${from}&to=${to}`)).body;
        const rate = new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 }).format(
          ov.repurchase.current.rate,
        );
        expect(await page.getByTestId('target-repurchase').innerText()).toContain(rate);
        expect(await page.getByTestId('referral').innerText()).toContain('推荐入会率');
        expect(await page.getByTestId('churn').innerText()).toContain('流失率');
        mkdirSync(SHOTS, { recursive: true });
        await page.screenshot({ path: join(SHOTS, 'headoffice-overview.png'), fullPage: true });

        // Stores: ranked, each with a sparkline.
        await page.getByTestId('nav-stores').click();
        await page.locator('[data-testid=stores] tr[data-store=S1] [data-testid=spark-S1] canvas').waitFor();
        const stores = await page.getByTestId('stores').innerText();
        expect(stores).toContain('S2');
        expect(stores).not.toContain('hq');
        await page.screenshot({ path: join(SHOTS, 'headoffice-stores.png'), fullPage: true });

        // Tills: the broken chain in red, the silent till named, times in Shanghai, lookups past the limit.
        expect(await t.hq.store.admitLookup('A', new Date(), 0)).toBe(false);
        await page.getByTestId('nav-tills').click();
        await page.locator('[data-testid=tills] tr[data-till=B].broken').waitFor();
        const tills = await page.getByTestId('tills').innerText();
        expect(tills).toContain('断裂');
        expect(tills).toContain('超限查询');
        const red = await page
          .locator('[data-testid=tills] tr[data-till=B] td.bad')
          .first()
          .evaluate((e) => getComputedStyle(e).color);
        expect(red).toBe('rgb(198, 40, 40)');
        expect(await page.getByTestId('silence-alerts').innerText()).toContain('Z');
        const viewA = (
          (await operator(t, 'GET', '/v1/tills')).body.tills as { tillId: string; lastUploadAt: string }[]
        ).find((x) => x.tillId === 'A');
        expect(await page.locator('[data-testid=tills] tr[data-till=A]').innerText()).toContain(
          shanghai(viewA?.lastUploadAt ?? ''),
        );
        await page.screenshot({ path: join(SHOTS, 'headoffice-tills.png'), fullPage: true });

        // Member lookup: ledger kinds by their names, not codes.
        await page.getByTestId('nav-member').click();
        await page.getByTestId('memberNo').fill('M1');
        await page.getByTestId('memberNo').press('Enter');
        await page.locator('[data-testid=ledger] tbody tr').first().waitFor();
        const member = await page.getByTestId('member').innerText();
        expect(member).toContain('M1');
        expect(member).toContain('消费积分');
        expect(member).not.toMatch(/\bearn\b/);
        await page.screenshot({ path: join(SHOTS, 'headoffice-member.png'), fullPage: true });

        // English, and the token survives a reload in the tab.
        await page.getByTestId('lang').click();
        await page.getByTestId('nav-tills').click();
        await expect.poll(() => page.getByTestId('tills').innerText()).toContain('BROKEN');
        await page.getByTestId('nav-overview').click();
        expect(await page.getByTestId('summary').innerText()).toContain('Outstanding liability');
        await page.reload();
        await page.getByTestId('nav-overview').waitFor();
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 120_000);

    it('closes a case, clears a chain flag, exports and erases a member, each with the operator id and a reason', async () => {
      const C = await provision(t, 'S3', 'C');
      const D = await provision(t, 'S4', 'D');
      C.enrol('M9', at(10), { name: '吴十' });
      C.sale('M9', 100_000, at(11));
      // A return that takes back 50 points fewer than the rules: flagged on C's row.
      C.returnSale(C.sale('M9', 20_000, at(12)).saleId, at(13), { shortBy: 50 });
      C.redeem('M9', 800, at(20));
      D.redeem('M9', 800, at(21));
      await uploadAll(t, C, 100);
      await uploadAll(t, D, 100);

      const browser = await launch();
      try {
        const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1400 } });
        const page = await context.newPage();
        const dialogs: string[] = [];
        const confirms: string[] = [];
        page.on('dialog', (d) => {
          dialogs.push(d.type());
          if (d.type() === 'confirm') confirms.push(d.message());
          void (d.type() === 'prompt' ? d.accept('已与会员核实 / checked with the member') : d.accept());
        });
        await signIn(page, t.hq.url);
        await page.getByTestId('nav-cases').click();
        const cases = await page.getByTestId('cases').innerText();
        expect(cases).toContain('双重消费');
        expect(cases).not.toContain('重复消费');
        const close = page.locator('[data-testid^=close-case-]').first();
        await close.waitFor();
        await page.screenshot({ path: join(SHOTS, 'headoffice-cases.png'), fullPage: true });
        // Without an operator id nothing is sent.
        await close.click();
        await page.getByText('请先填写操作员编号').waitFor();
        await page.getByTestId('operatorId').fill('ops-ui');
        await close.click();
        await page.locator('[data-testid=cases]').getByText('ops-ui', { exact: false }).waitFor();
        expect(await page.locator('[data-testid^=close-case-]').count()).toBe(0);

        await page.getByTestId('nav-tills').click();
        await page.getByTestId('clear-chain-B').click();
        await page.locator('[data-testid=tills] tr[data-till=B]:not(.broken)').waitFor();
        // C's mismatch count opens what head office's recomputation found.
        await page.getByTestId('show-mismatches-C').click();
        await page.locator('[data-testid=mismatch-list] tbody tr').first().waitFor();
        const flagged = await page.getByTestId('till-mismatches').innerText();
        expect(flagged).toContain('退货');
        expect(flagged).toContain('C-S2-R');
        expect(flagged).toContain('pointsReversed till=150 hq=200');
        await page.getByTestId('close-mismatches').click();

        await page.getByTestId('nav-member').click();
        // A slow answer to an earlier lookup must not replace the member shown (erase acts on it).
        const slow = await slowNextAnswer(page, '**/v1/members/NOPE', 800);
        await page.getByTestId('memberNo').fill('NOPE');
        await page.getByTestId('memberNo').press('Enter');
        await page.getByTestId('memberNo').fill('M9');
        await page.getByTestId('memberNo').press('Enter');
        await page.getByTestId('export-member').waitFor();
        await slow.answered;
        await new Promise((r) => setTimeout(r, 100));
        expect(await page.getByTestId('member').innerText()).toContain('M9');
        await slow.done();
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByTestId('export-member').click(),
        ]);
        const file = await download.path();
        expect(JSON.parse(readFileSync(file, 'utf8')).personal.name).toBe('吴十');

        await page.getByTestId('erase-member').click();
        await page.getByTestId('member').getByText('已注销', { exact: false }).waitFor();
        expect(await page.getByTestId('erase-member').count()).toBe(0);
        expect(dialogs).toEqual(['prompt', 'prompt', 'prompt', 'confirm', 'prompt']);
        expect(confirms[0]).toContain('M9'); // the confirmation names whom it erases
      } finally {
        await browser.close();
      }
      const member = await operator(t, 'GET', '/v1/members/M9');
      expect(member.body).toMatchObject({ name: null, status: 'blocked' });
      const summary = await operator(t, 'GET', '/v1/reports/summary');
      expect(summary.body.doubleSpendCases[0]).toMatchObject({ status: 'closed', closedBy: 'ops-ui' });
    }, 120_000);
  });
});
