/** The head-office dashboard: served with a CSP, holds no data, shows the operator endpoints once given the token. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, OPERATOR_TOKEN, operator, provision, startHq, upload, uploadAll, type TestHq } from '../test-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOT = join(ROOT, 'test-artifacts', 'screenshots', 'headoffice-dashboard.png');

let t: TestHq;

beforeAll(async () => {
  t = await startHq(); // createHeadOffice on port 0, temp data dir, operatorToken
  const A = await provision(t, 'S1', 'A');
  const B = await provision(t, 'S2', 'B');
  A.sale('M1', 100_000, at(1));
  A.sale('M2', 25_000, at(2));
  await uploadAll(t, A, 100);
  B.sale('M1', 5_000, at(3));
  B.sale('M3', 8_000, at(4));
  await upload(t, B, B.batch(1, 1));
  const tampered = { ...B.batch(2, 2), prevHash: 'f'.repeat(64) };
  expect((await upload(t, B, tampered)).status).toBe(422); // B is flagged broken
});

afterAll(async () => {
  await t?.close();
});

describe('dashboard page', () => {
  it('serves one HTML page at / and /dashboard with a strict CSP and no data', async () => {
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
    }
    const js = await fetch(`${t.hq.url}/dashboard.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain('sessionStorage');
  });

  it('leaves the API as it was', async () => {
    expect((await fetch(`${t.hq.url}/v1/tills`)).status).toBe(401);
    expect((await fetch(`${t.hq.url}/nope`)).status).toBe(404);
    expect((await fetch(`${t.hq.url}/`, { method: 'POST' })).status).toBe(404);
  });
});

describe.skipIf(!existsSync(CHROMIUM))(`dashboard in a browser (needs ${CHROMIUM})`, () => {
  it('shows summary, tills with the broken chain in red, and a member lookup once given the token', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
      const cspErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') cspErrors.push(m.text());
      });
      await page.goto(`${t.hq.url}/`);
      await expect(page.getByTestId('tills').isVisible()).resolves.toBe(false);
      await page.getByTestId('token').fill('wrong');
      await page.getByTestId('load').click();
      await page.getByText('令牌无效').waitFor();

      await page.getByTestId('token').fill(OPERATOR_TOKEN);
      await page.getByTestId('load').click();
      await page.locator('[data-testid=tills] tr[data-till=B].broken').waitFor();
      expect(page.url()).not.toContain(OPERATOR_TOKEN);
      expect(await page.evaluate(() => sessionStorage.getItem('hqOperatorToken'))).toBe(OPERATOR_TOKEN);
      const summary = await page.getByTestId('summary').innerText();
      expect(summary).toContain('会员数');
      expect(summary).toContain('¥');
      expect(summary).toContain('投诉（未结 / 全部）');
      const tills = await page.getByTestId('tills').innerText();
      expect(tills).toContain('S1');
      expect(tills).toContain('断裂');
      const red = await page
        .locator('[data-testid=tills] tr[data-till=B] td.bad')
        .first()
        .evaluate((e) => getComputedStyle(e).color);
      expect(red).toBe('rgb(198, 40, 40)');

      await page.getByTestId('memberNo').fill('M1');
      await page.getByTestId('memberNo').press('Enter');
      await page.locator('[data-testid=ledger] tbody tr').first().waitFor();
      expect(await page.getByTestId('member').innerText()).toContain('M1');

      mkdirSync(dirname(SHOT), { recursive: true });
      await page.screenshot({ path: SHOT, fullPage: true });

      await page.getByTestId('lang').click();
      await expect(page.getByTestId('tills').innerText()).resolves.toContain('BROKEN');
      expect(await page.getByTestId('summary').innerText()).toContain('Outstanding liability');
      await page.reload();
      await page.locator('[data-testid=tills] tr[data-till=A]').waitFor(); // token survives a reload in the tab
      expect(cspErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('closes a case, clears a chain flag, exports and erases a member, each with the operator id and a reason', async () => {
    const C = await provision(t, 'S3', 'C');
    const D = await provision(t, 'S4', 'D');
    C.enrol('M9', at(10), { name: '吴十' });
    C.sale('M9', 100_000, at(11));
    C.redeem('M9', 800, at(20));
    D.redeem('M9', 800, at(21));
    await uploadAll(t, C, 100);
    await uploadAll(t, D, 100);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    try {
      const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 1400 } });
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.type());
        void (d.type() === 'prompt' ? d.accept('已与会员核实 / checked with the member') : d.accept());
      });
      await page.goto(`${t.hq.url}/`);
      await page.getByTestId('token').fill(OPERATOR_TOKEN);
      await page.getByTestId('load').click();
      const close = page.locator('[data-testid^=close-case-]').first();
      await close.waitFor();
      // Without an operator id nothing is sent.
      await close.click();
      await page.getByText('请先填写操作员编号').waitFor();
      await page.getByTestId('operatorId').fill('ops-ui');
      await close.click();
      await page.locator('[data-testid=cases]').getByText('ops-ui', { exact: false }).waitFor();
      expect(await page.locator('[data-testid^=close-case-]').count()).toBe(0);

      await page.getByTestId('clear-chain-B').click();
      await page.locator('[data-testid=tills] tr[data-till=B]:not(.broken)').waitFor();

      await page.getByTestId('memberNo').fill('M9');
      await page.getByTestId('memberNo').press('Enter');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-member').click()]);
      const file = await download.path();
      const { readFileSync } = await import('node:fs');
      expect(JSON.parse(readFileSync(file, 'utf8')).personal.name).toBe('吴十');

      await page.getByTestId('erase-member').click();
      await page.getByTestId('member').getByText('已注销', { exact: false }).waitFor();
      expect(await page.getByTestId('erase-member').count()).toBe(0);
      expect(dialogs).toEqual(['prompt', 'prompt', 'prompt', 'confirm', 'prompt']);
    } finally {
      await browser.close();
    }
    const member = await operator(t, 'GET', '/v1/members/M9');
    expect(member.body).toMatchObject({ name: null, status: 'blocked' });
    const summary = await operator(t, 'GET', '/v1/reports/summary');
    expect(summary.body.doubleSpendCases[0]).toMatchObject({ status: 'closed', closedBy: 'ops-ui' });
  }, 60_000);
});
